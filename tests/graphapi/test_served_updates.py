"""A server takes up a load by patching its graph with the rows the load changed (issue 13):
after any sequence of loads, changes and deletions, the patched graph is the graph a fresh
read of the database gives, in the same order; when the change log cannot cover the gap
(another file, a load too large to log, too many loads behind) it reads the graph whole."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from graphapi import changelog
from graphapi.app import create_app
from graphapi.errors import SnapshotError
from graphapi.graph_patch import patched
from graphapi.graph_rows import RowReader
from graphapi.loading import load_sources
from graphapi.model import NodeKind
from graphapi.sample import write_sample_mbox
from graphapi.snapshot import (
    ServedSnapshot,
    open_for_load,
    read_snapshot,
    snapshot_signature,
    write_snapshot,
)
from graphapi.store.networkx_store import NetworkXStore
from tests.graphapi.conftest import run

_SEPARATOR = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A synthetic list in four mbox files: each load adds a quarter of the messages."""
    root = tmp_path_factory.mktemp("served")
    whole = root / "list.mbox"
    write_sample_mbox(whole, series_count=16)
    messages = [_SEPARATOR + m for m in whole.read_bytes().split(_SEPARATOR) if m]
    size = -(-len(messages) // 4)
    out = []
    for index in range(4):
        part = root / f"part{index}.mbox"
        part.write_bytes(b"".join(messages[index * size : (index + 1) * size]))
        out.append(part)
    return out


def _load(db: Path, *sources: Path) -> None:
    with open_for_load(db) as store:
        load_sources(store, list(sources))


def _ordered(graph: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """Every node, edge and predecessor list, in iteration order."""
    preds = [(nid, list(graph.pred[nid])) for nid in graph]
    return list(graph.nodes(data=True)), list(graph.edges(keys=True, data=True)), preds


def _assert_as_fresh(store: NetworkXStore, db: Path) -> None:
    fresh = read_snapshot(db, corpus=False)
    assert _ordered(store.graph) == _ordered(fresh.graph)
    assert store.counts == fresh.counts
    assert store.stats(10) == fresh.warm().stats(10)


def _edit(db: Path, change: Any) -> None:
    """Change the saved graph by hand (`change(graph)`), as a load that deletes would."""
    store = read_snapshot(db)
    change(store.graph)
    write_snapshot(store, db)


def _drop_some(graph: Any) -> None:
    messages = [n for n, a in graph.nodes(data=True) if a["kind"] is NodeKind.MESSAGE]
    graph.remove_nodes_from(messages[:3])  # and their edges
    source, target, key = next(iter(graph.edges(keys=True)))
    graph.remove_edge(source, target, key)
    patch = next(a for _, a in graph.nodes(data=True) if a["kind"] is NodeKind.PATCH)
    patch["props"]["title"] = "retitled"


def test_patched_graph_equals_a_fresh_read_after_each_load(
    parts: list[Path], tmp_path: Path
) -> None:
    db = tmp_path / "g.db"
    _load(db, parts[0], parts[1])
    served = ServedSnapshot(db)
    before = served.read().warm()
    messages = before.stats(10)["counts"]["Message"]
    for part in parts[2:]:
        _load(db, part)
        store = served.refresh(str(db))
        assert served.last == "patched"
        _assert_as_fresh(store, db)
        assert store.stats(10)["counts"]["Message"] > messages
        messages = store.stats(10)["counts"]["Message"]
    _edit(db, _drop_some)
    store = served.refresh(str(db))
    assert served.last == "patched"
    _assert_as_fresh(store, db)
    assert before.stats(10) != store.stats(10)  # the old graph was not touched ...
    assert _ordered(before.graph) != _ordered(store.graph)
    with pytest.raises(SnapshotError, match="opened for serving"):  # ... and cannot be
        load_sources(store, [parts[0]])


def test_a_graph_several_loads_behind_is_patched_in_one_step(
    parts: list[Path], tmp_path: Path
) -> None:
    db = tmp_path / "g.db"
    _load(db, parts[0])
    served = ServedSnapshot(db)
    served.read()
    _load(db, parts[1])
    _edit(db, _drop_some)
    _load(db, parts[2], parts[3])
    store = served.refresh(str(db))
    assert served.last == "patched"
    _assert_as_fresh(store, db)


def test_it_reads_whole_when_the_log_cannot_cover_the_gap(
    parts: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "g.db"
    _load(db, parts[0])
    served = ServedSnapshot(db)
    served.read()
    monkeypatch.setattr(changelog, "KEPT_GENERATIONS", 1)  # two loads: the first is pruned
    _load(db, parts[1])
    _load(db, parts[2])
    _assert_as_fresh(served.refresh(str(db)), db)
    assert served.last == "read"
    monkeypatch.setattr(changelog, "LOGGED_ALWAYS", 0)  # a load changing much is not logged
    monkeypatch.setattr(changelog, "LOGGED_SHARE", 0.0)
    _load(db, parts[3])
    _assert_as_fresh(served.refresh(str(db)), db)
    assert served.last == "read"
    other = tmp_path / "other.db"  # another database moved over the path
    shutil.copy(db, other)
    os.replace(other, db)
    _assert_as_fresh(served.refresh(str(db)), db)
    assert served.last == "read"


def test_a_database_without_the_log_is_read_whole(parts: list[Path], tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    _load(db, parts[0])
    served = ServedSnapshot(db)
    served.read()
    _load(db, parts[1])
    conn = sqlite3.connect(db)
    conn.executescript("DROP TABLE node_changes; DELETE FROM meta WHERE name = 'changes_from';")
    conn.close()
    _assert_as_fresh(served.refresh(str(db)), db)
    assert served.last == "read"


def _node_row(nid: str, title: str = "t") -> tuple[Any, ...]:
    kind, _, key = nid.partition(":")
    return (nid, kind, key, f'{{"title":"{title}"}}', "{}", 0)


def test_patching_rows_gives_the_graph_of_all_rows_in_key_order() -> None:
    """Parallel edges, new nodes sorting before old ones, a node and a pair deleted."""
    nodes = [_node_row(n) for n in ("Series:b", "Series:d", "Patch:c", "Patch:e")]
    edges = [
        ("Patch:c", "Series:b", "PART_OF:", "PART_OF", '{"number":1}'),
        ("Patch:e", "Series:d", "PART_OF:", "PART_OF", '{"number":1}'),
        ("Patch:e", "Series:d", "TOUCHES:x", "TOUCHES", "{}"),
        ("Series:d", "Series:b", "PREVIOUS_VERSION:", "PREVIOUS_VERSION", "{}"),
    ]
    old = RowReader(serving=True).read(nodes, edges)
    node_changes = [
        _node_row("Patch:a"),  # new, sorts first
        _node_row("Series:b", "renamed"),
        ("Patch:e", None, None, None, None, None),  # deleted, with its edges
    ]
    edge_changes = [
        ("Patch:a", "Series:d", "PART_OF:", "PART_OF", '{"number":2}'),
        ("Patch:c", "Series:b", "COVER:", "COVER", "{}"),  # a parallel edge with a smaller key
        ("Patch:e", "Series:d", "PART_OF:", None, None),
        ("Patch:e", "Series:d", "TOUCHES:x", None, None),
        ("Series:d", "Series:b", "PREVIOUS_VERSION:", None, None),
    ]
    new = patched(old, node_changes, edge_changes)
    node_rows = {row[0]: row for row in [*nodes, *node_changes]}  # the database after
    edge_rows = {row[:3]: row for row in [*edges, *edge_changes]}
    fresh = RowReader(serving=True).read(  # read as a server reads it: in key order
        sorted(row for row in node_rows.values() if row[1] is not None),
        sorted(row for row in edge_rows.values() if row[3] is not None),
    )
    assert _ordered(new) == _ordered(fresh)
    assert len(new) == 4 and new.number_of_edges() == 3
    assert len(old) == 4 and old.number_of_edges() == 4  # the served graph is untouched
    assert old.nodes["Series:b"]["props"]["title"] == "t"


def test_a_server_takes_up_a_load_by_patching(parts: list[Path], tmp_path: Path) -> None:
    """As `graphapi serve` runs it: the app's loader patches, then warms after the swap."""
    db = tmp_path / "g.db"
    _load(db, parts[0])
    served = ServedSnapshot(db)
    app = create_app(
        served.read().warm(),
        snapshot_path=str(db),
        loader=served.refresh,
        signature=snapshot_signature,
        warm=served.warm,
        reload_interval=0.05,
    )
    query = {"query": "{ stats { messages patches series people } }"}
    with TestClient(app) as client:
        before = client.post("/graphql", json=query).json()
        _load(db, parts[1])
        deadline = time.monotonic() + 10
        while client.get("/healthz").json()["generation"] < 1:
            assert time.monotonic() < deadline, "the server did not take up the load"
            time.sleep(0.05)
        after = client.post("/graphql", json=query).json()
    assert served.last == "patched"
    assert after != before
    fresh = read_snapshot(db, corpus=False)
    assert after == {"data": run(fresh, query["query"])}
