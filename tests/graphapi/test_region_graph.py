"""`graphapi.region_graph`: the rows an in-place update reads, by key, must look exactly as
they do in the whole graph read from the same database (attributes, edges in and out), and
nothing else may be read."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from graphapi.model import EdgeKind, EdgeRecord, GraphBatch, NodeKind, NodeRecord
from graphapi.region_graph import RegionGraph
from graphapi.snapshot import graph_of
from graphapi.store.networkx_store import NetworkXStore
from tests.graphapi.conftest import sample_database


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_database(tmp_path_factory.mktemp("regiongraph"), series_count=6)


def _edges(graph: Any, nid: str) -> list[tuple[Any, ...]]:
    ins = graph.in_edges(nid, keys=True, data=True)
    outs = graph.out_edges(nid, keys=True, data=True)
    return sorted((s, t, k, sorted(d.items(), key=str)) for s, t, k, d in [*ins, *outs])


def _busiest(whole: Any, kind: NodeKind, count: int) -> list[str]:
    """Nodes of `kind` with the most edges (a person: edges in and out)."""
    ids = [n for n, a in whole.nodes(data=True) if a["kind"] is kind]
    return sorted(ids, key=lambda n: -whole.degree(n))[:count]


def test_around_reads_every_edge_in_and_out_and_nothing_more(conn: sqlite3.Connection) -> None:
    whole = graph_of(conn)
    asked = [*_busiest(whole, NodeKind.PERSON, 2), *_busiest(whole, NodeKind.PATCH, 3)]
    rows = RegionGraph(conn)
    rows.around(asked)
    for nid in asked:
        assert _edges(rows.graph, nid) == _edges(whole, nid)
    for nid in rows.graph:  # every node read is read whole: its attributes as stored
        assert rows.graph.nodes[nid] == whole.nodes[nid]
    neighbours = {n for nid in asked for n in (*whole.predecessors(nid), *whole.successors(nid))}
    assert set(rows.graph) == set(asked) | neighbours
    assert rows.graph.number_of_nodes() < whole.number_of_nodes()


def test_records_reads_what_a_batch_merges_into(conn: sqlite3.Connection) -> None:
    """A batch naming a stored edge between two nodes not read whole: the edge is read with
    its stored attributes, so a write merges into them (`NetworkXStore.write`)."""
    whole = graph_of(conn)
    source, target, key, data = next(
        (s, t, k, d) for s, t, k, d in whole.edges(keys=True, data=True) if s != t
    )
    kind, discriminator = key.split(":", 1)
    skind, skey = source.split(":", 1)
    tkind, tkey = target.split(":", 1)
    batch = GraphBatch()
    batch.edge(
        EdgeRecord(
            EdgeKind(kind), (NodeKind(skind), skey), (NodeKind(tkind), tkey), {}, discriminator
        )
    )
    batch.node(NodeRecord(NodeKind.FILE, "not/stored.c", {"path": "not/stored.c"}))
    rows = RegionGraph(conn)
    rows.records(batch)
    assert set(rows.graph) == {source, target}  # the node not stored is not made up
    assert rows.graph.edges[source, target, key] == data
    assert rows.graph.nodes[source] == whole.nodes[source]


def test_what_was_removed_in_memory_is_not_read_again(conn: sqlite3.Connection) -> None:
    """The graph in memory is the truth once read: an edge removed with its node does not
    come back when its other end is read whole later."""
    whole = graph_of(conn)
    patch = _busiest(whole, NodeKind.PATCH, 1)[0]
    rows = RegionGraph(conn)
    rows.around([patch])
    others = sorted({*whole.predecessors(patch), *whole.successors(patch)} - {patch})
    rows.graph.remove_node(patch)
    rows.around(others)
    assert patch not in rows.graph
    for nid in others:
        expected = [e for e in _edges(whole, nid) if patch not in e[:2]]
        assert _edges(rows.graph, nid) == expected


def test_a_store_holding_part_of_the_graph_reads_a_batch_before_writing_it(
    conn: sqlite3.Connection,
) -> None:
    """`NetworkXStore.write` on a partial graph: an edge to a stored node not read yet must
    not make a placeholder of it."""
    whole = graph_of(conn)
    person = _busiest(whole, NodeKind.PERSON, 1)[0]
    rows = RegionGraph(conn)
    store = NetworkXStore(rows.graph)
    store.partial = rows
    batch = GraphBatch()
    batch.node(NodeRecord(NodeKind.PATCH, "new-patch@x", {"title": "new"}))
    batch.edge(
        EdgeRecord(
            EdgeKind.AUTHORED,
            (NodeKind.PERSON, person.split(":", 1)[1]),
            (NodeKind.PATCH, "new-patch@x"),
        )
    )
    store.write(batch)
    assert store.graph.nodes[person]["props"] == whole.nodes[person]["props"]
    assert not store.graph.nodes[person].get("placeholder")


def test_around_out_reads_edges_out_and_says_what_comes_in_unread(
    conn: sqlite3.Connection,
) -> None:
    """A file: its edges out are read; of its edges in, those from nodes read whole are in
    the graph, and it is returned when one of the others is of the kind asked for."""
    whole = graph_of(conn)
    path = _busiest(whole, NodeKind.FILE, 1)[0]
    sources = sorted(whole.predecessors(path))
    assert len(sources) >= 2
    rows = RegionGraph(conn)
    rows.around(sources[:1])
    outside = rows.around_out([path], EdgeKind.TOUCHES)
    assert sorted(rows.graph.out_edges(path, keys=True)) == sorted(whole.out_edges(path, keys=True))
    assert {source for source, _ in rows.graph.in_edges(path)} == {sources[0]}
    unread = {d["kind"] for s, _, d in whole.in_edges(path, data=True) if s != sources[0]}
    assert unread == {EdgeKind.TOUCHES} and outside == {path}
    assert rows.around_out([path], EdgeKind.IN_SUBSYSTEM) == set()  # no such edge comes in
    rows.around(sources[1:-1])  # one source left unread: it alone makes the answer
    assert rows.around_out([path], EdgeKind.TOUCHES) == {path}
    rows.around(sources)  # every source read whole: nothing comes in unread
    assert rows.around_out([path], EdgeKind.TOUCHES) == set()
    assert _edges(rows.graph, path) == _edges(whole, path)


def test_the_stored_rows_it_knows_are_the_rows_stored(conn: sqlite3.Connection) -> None:
    """What the row diff takes from it instead of reading again (`known_node`,
    `known_edge`): each row it says it knows is the stored row, or None when none is."""
    whole = graph_of(conn)
    patches = _busiest(whole, NodeKind.PATCH, 3)
    files = _busiest(whole, NodeKind.FILE, 2)
    rows = RegionGraph(conn)
    rows.around(patches)
    rows.around_out(files, EdgeKind.TOUCHES)
    rows.nodes(["Person:nobody@example.org"])
    asked_nodes = [*whole.nodes, "Person:nobody@example.org", "File:not/stored.c"]
    asked_edges = [
        *whole.edges(keys=True),
        (patches[0], files[0], "TOUCHES:nothing"),
        (files[0], "Subsystem:none", "IN_SUBSYSTEM:"),
    ]
    known = 0
    for nid in asked_nodes:
        hit, row = rows.known_node(nid)
        if hit:
            known += 1
            found = conn.execute(
                "SELECT kind, key, props, names, placeholder FROM nodes WHERE id = ?", (nid,)
            ).fetchone()
            assert row == (tuple(found) if found else None), nid
    for key in asked_edges:
        hit, row = rows.known_edge(key)
        if hit:
            known += 1
            found = conn.execute(
                "SELECT kind, props FROM edges WHERE source = ? AND target = ? AND ekey = ?", key
            ).fetchone()
            assert row == (tuple(found) if found else None), key
    assert rows.known_node("Person:nobody@example.org") == (True, None)
    assert rows.known_edge((files[0], "Subsystem:none", "IN_SUBSYSTEM:")) == (True, None)
    assert rows.known_node("File:not/stored.c") == (False, None)
    assert known > len(patches) + len(files)
