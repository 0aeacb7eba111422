"""What keeps a whole rebuild's memory peak down (issue 13) changes no graph: edge attribute
dicts shared by the writer, the assembly consumed as it is mapped, the corpus' decoded
messages dropped, the C heap's free pages given back."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graphapi.corpus import StoredMessages
from graphapi.heap import _trim, give_back
from graphapi.ingest import emit_assembly
from graphapi.loading import load_sources
from graphapi.model import EdgeKind, EdgeRecord, GraphBatch, NodeKind, NodeRecord
from graphapi.sample import write_sample_mbox
from graphapi.snapshot import open_for_load, read_snapshot
from graphapi.store.networkx_store import NetworkXStore
from graphapi.store.node_merge import refresh_name
from graphapi.store.nx_write import GraphWriter
from loaders.assembly.assemble import assemble
from loaders.identity.companies import CompanyMap
from loaders.records import Message
from tests.conftest import FIXTURES


def _ordered(graph: Any) -> list[Any]:
    """Everything a reader of the graph sees, in iteration order (attribute dicts as dicts:
    their keys' order and values' types too)."""
    nodes = [(n, list(a.items())) for n, a in graph._node.items()]
    succ = [
        (u, [(v, [(k, list(d.items())) for k, d in kd.items()]) for v, kd in t.items()])
        for u, t in graph._succ.items()
    ]
    pred = [(v, [(u, list(kd)) for u, kd in s.items()]) for v, s in graph._pred.items()]
    typed = [
        (k, [(name, type(value)) for name, value in d.items()])
        for _, _, k, d in graph.edges(keys=True, data=True)
    ]
    return [nodes, succ, pred, typed]


def _series(key: str) -> tuple[NodeKind, str]:
    return NodeKind.SERIES, key


_PERSON = (NodeKind.PERSON, "p@example.org")

#: Nodes, then edges: repeated properties, a merge into an edge already there (with a new
#: property and a changed one), 1 beside True, and a list (not hashable) as a property.
_NODES = [
    NodeRecord(NodeKind.SERIES, "a", {"title": "A"}),
    NodeRecord(NodeKind.SERIES, "b", {"title": "B"}),
    NodeRecord(NodeKind.SERIES, "c", {"title": "C"}),
    NodeRecord(*_PERSON, {"emails": ["p@example.org"]}),
]
_EDGES = [
    EdgeRecord(EdgeKind.AUTHORED, _PERSON, _series("a")),
    EdgeRecord(EdgeKind.AUTHORED, _PERSON, _series("b")),
    EdgeRecord(EdgeKind.AUTHORED, _PERSON, _series("c")),
    EdgeRecord(EdgeKind.CONTRIBUTED, _PERSON, _series("a"), {"count": 1}),
    EdgeRecord(EdgeKind.CONTRIBUTED, _PERSON, _series("b"), {"count": True}),
    EdgeRecord(EdgeKind.CONTRIBUTED, _PERSON, _series("c"), {"count": 1}),
    EdgeRecord(EdgeKind.PREVIOUS_VERSION, _series("b"), _series("a"), {"linkedBy": "TITLE"}),
    EdgeRecord(EdgeKind.PREVIOUS_VERSION, _series("c"), _series("b"), {"linkedBy": "TITLE"}),
    EdgeRecord(EdgeKind.DEPENDS_ON, _series("c"), _series("a"), {"order": 0}, "x"),
    EdgeRecord(EdgeKind.DEPENDS_ON, _series("c"), _series("a"), {"label": ["l"]}, "y"),
    EdgeRecord(EdgeKind.PREVIOUS_VERSION, _series("c"), _series("b"), {"linkedBy": "PATCH_IDS"}),
    EdgeRecord(EdgeKind.CONTRIBUTED, _PERSON, _series("a"), {"count": 1, "more": 2}),
]


def _networkx_graph() -> Any:
    """The graph networkx's own `add_node` and `add_edge` build from the records (what
    `GraphWriter` must give)."""
    graph = nx.MultiDiGraph()
    for record in _NODES:
        graph.add_node(
            f"{record.kind.value}:{record.key}",
            kind=record.kind,
            key=record.key,
            props=dict(record.props),
            names=dict(record.name_counts),
            placeholder=not record.authoritative,
        )
    for edge in _EDGES:
        graph.add_edge(
            f"{edge.source[0].value}:{edge.source[1]}",
            f"{edge.target[0].value}:{edge.target[1]}",
            key=f"{edge.kind.value}:{edge.discriminator}",
            kind=edge.kind,
            **edge.props,
        )
    return graph


def _written() -> Any:
    graph = nx.MultiDiGraph()
    writer = GraphWriter(graph)
    for record in _NODES:
        writer.node(record)
    for edge in _EDGES:
        writer.edge(edge)
    writer.finish()
    return graph


def test_the_writer_builds_what_networkx_add_edge_builds() -> None:
    written, reference = _written(), _networkx_graph()
    refresh_name(reference.nodes["Person:p@example.org"])  # as the writer's `finish` does
    assert _ordered(written) == _ordered(reference)
    assert written.number_of_edges() == 10


def test_edges_with_equal_few_properties_share_their_attributes_but_never_a_change() -> None:
    graph = _written()
    edge = graph.get_edge_data
    person = "Person:p@example.org"
    authored = [edge(person, f"Series:{s}")["AUTHORED:"] for s in "abc"]
    assert authored[0] is authored[1] is authored[2]
    count_a = edge(person, "Series:a")["CONTRIBUTED:"]
    count_b = edge(person, "Series:b")["CONTRIBUTED:"]
    count_c = edge(person, "Series:c")["CONTRIBUTED:"]
    assert count_a == {"kind": EdgeKind.CONTRIBUTED, "count": 1, "more": 2}  # merged
    assert count_c == {"kind": EdgeKind.CONTRIBUTED, "count": 1}  # its sharer unchanged
    assert count_b["count"] is True  # 1 == True, but they are not the same property
    linked = edge("Series:c", "Series:b")["PREVIOUS_VERSION:"]
    assert linked["linkedBy"] == "PATCH_IDS"
    assert edge("Series:b", "Series:a")["PREVIOUS_VERSION:"]["linkedBy"] == "TITLE"


def test_a_later_write_into_a_shared_edge_changes_only_that_edge() -> None:
    """An update merges records into a rebuilt graph (`NetworkXStore.write`): an edge whose
    attributes another shares gets its own."""
    store = NetworkXStore()
    store.graph = _written()
    batch = GraphBatch()
    batch.edge(EdgeRecord(EdgeKind.AUTHORED, _PERSON, _series("a"), {"role": "x"}))
    store.write(batch)
    edge = store.graph.get_edge_data
    assert edge("Person:p@example.org", "Series:a")["AUTHORED:"]["role"] == "x"
    assert "role" not in edge("Person:p@example.org", "Series:b")["AUTHORED:"]


def test_a_frozen_graph_is_not_written() -> None:
    graph = nx.freeze(nx.MultiDiGraph())
    with pytest.raises(nx.NetworkXError):
        GraphWriter(graph)


def test_a_consumed_assembly_maps_to_the_same_graph(tmp_path: Path) -> None:
    mbox = tmp_path / "list.mbox"
    write_sample_mbox(mbox, series_count=8)
    loaded = NetworkXStore()
    load_sources(loaded, [mbox])
    messages, people = list(loaded.corpus.messages.values()), loaded.corpus.people.values()
    companies = CompanyMap({})
    kept = assemble(messages, people)
    spent = assemble(messages, people)
    graphs = []
    for assembly, consume in ((kept, False), (spent, True)):
        store = NetworkXStore()
        store.replace_with(
            lambda sink, a=assembly, c=consume: emit_assembly(
                a, companies, sink, bodies=False, consume=c
            )
        )
        graphs.append(store.graph)
    assert len(graphs[0]) > 50
    assert _ordered(graphs[1]) == _ordered(graphs[0])
    assert (spent.messages, spent.series, spent.patches) == ([], [], [])
    assert len(kept.messages) == len(messages) and kept.patches  # not asked to: untouched


def test_forgotten_messages_are_read_again() -> None:
    reads: list[list[str]] = []
    one: Any = object()  # stands for a decoded message

    def read(keys: Any) -> dict[str, Message]:
        reads.append(list(keys))
        return {key: one for key in keys}

    messages = StoredMessages(["<a@x>"], read)
    assert list(messages.values()) == [one]
    messages.forget()
    assert messages["<a@x>"] is one
    assert reads == [["<a@x>"], ["<a@x>"]]


def test_a_fresh_load_into_a_database_gives_the_graph_it_stores(tmp_path: Path) -> None:
    """The rebuild drops the corpus' decoded messages and the assembly as it maps them:
    the graph it holds is still what the database then holds, and its messages are read
    back when asked for."""
    mbox = tmp_path / "list.mbox"
    write_sample_mbox(mbox, series_count=12)
    db = tmp_path / "graph.db"
    with open_for_load(db) as store:
        load_sources(store, [mbox])
        assert isinstance(store.corpus.messages, StoredMessages)
        key = next(iter(store.corpus.messages))
        assert store.corpus.messages[key].key == key  # read again inside the load
        built = store.graph
    stored = read_snapshot(db).graph
    assert len(built) > 100
    assert sorted(built.nodes(data=True)) == sorted(stored.nodes(data=True))
    assert sorted(built.edges(keys=True, data=True)) == sorted(stored.edges(keys=True, data=True))


def test_the_c_heap_is_given_back_where_glibc_is() -> None:
    give_back()  # never fails, with or without glibc
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert _trim() is not None


def test_a_fresh_load_says_so_when_it_reuses_a_message_id(tmp_path: Path) -> None:
    """A reused Message-ID adds a derived key beside the plain one: a first load is still
    told apart from a load into a corpus that held messages."""
    reused = FIXTURES / "reused"
    both = tmp_path / "both.mbox"
    both.write_bytes((reused / "first.mbox").read_bytes() + (reused / "second.mbox").read_bytes())
    store = NetworkXStore()
    summary = load_sources(store, [both])
    assert summary.reused_ids == 1
    assert summary.rebuilt_because == "a fresh load"
    again = load_sources(store, [reused / "first.mbox"])
    assert again.loaded == 0 and again.rebuilt_because != "a fresh load"
