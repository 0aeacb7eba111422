"""A load writes only the graph rows that changed (`graphapi.row_diff`): with a hint of what
may have changed (`NetworkXStore.touched`) or without one, the database ends up holding the
same rows, and the same keys are reported changed."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from graphapi import database, row_diff
from graphapi.model import EdgeKind, EdgeRecord, GraphBatch, NodeKind, NodeRecord
from graphapi.snapshot import read_snapshot, write_snapshot
from graphapi.store.networkx_store import NetworkXStore
from tests.graphapi.conftest import sample_database

Tables = dict[str, list[tuple[Any, ...]]]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of a small sample list."""
    return sample_database(tmp_path_factory.mktemp("rowdiff"), series_count=5)


def _tables(path: Path) -> Tables:
    """The graph's rows and the last generation's change log, sorted."""
    conn = sqlite3.connect(path)
    try:
        generation = database.generation(conn)
        queries = {
            "nodes": "SELECT * FROM nodes",
            "edges": "SELECT * FROM edges",
            "node_changes": f"SELECT id FROM node_changes WHERE generation = {generation}",
            "edge_changes": "SELECT source, target, ekey FROM edge_changes "
            f"WHERE generation = {generation}",
        }
        return {name: sorted(conn.execute(sql).fetchall()) for name, sql in queries.items()}
    finally:
        conn.close()


def _change(store: NetworkXStore) -> None:
    """A load's kind of change: new nodes and edges, changed props, deleted edges."""
    some_patch = next(n for n, a in store.graph.nodes(data=True) if a["kind"] is NodeKind.PATCH)
    patch_key = store.graph.nodes[some_patch]["key"]
    batch = GraphBatch()
    batch.node(NodeRecord(NodeKind.PERSON, "new@example.org", {"emails": ["new@example.org"]}))
    batch.node(NodeRecord(NodeKind.PATCH, patch_key, {"title": "a changed title"}))
    batch.edge(
        EdgeRecord(
            EdgeKind.TRAILER,
            (NodeKind.PERSON, "new@example.org"),
            (NodeKind.PATCH, patch_key),
            {"trailerKind": "REVIEWED_BY", "order": 1},
            "REVIEWED_BY:BODY",
        )
    )
    batch.edge(EdgeRecord(EdgeKind.REPLY_TO, (NodeKind.MESSAGE, "a"), (NodeKind.MESSAGE, "b")))
    store.write(batch)
    store.delete_edges(EdgeKind.TOUCHES)


def _written_both_ways(
    saved: Path, tmp_path: Path, change: Any, hint: bool
) -> tuple[Tables, Tables, NetworkXStore]:
    """`change` applied to the saved graph, written with `hint` and, into a copy of the same
    database, by comparing every row: both databases' tables."""
    hinted, full = tmp_path / "hinted.db", tmp_path / "full.db"
    shutil.copy(saved, hinted)
    shutil.copy(saved, full)
    store = read_snapshot(hinted)
    if hint:
        store.touched = (set(), set())
    change(store)
    write_snapshot(store, hinted)
    assert store.touched is None  # reset by the write
    write_snapshot(store, full)  # another database: no hint is taken for it
    return _tables(hinted), _tables(full), store


def test_a_hint_gives_the_rows_a_full_comparison_gives(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    whole = row_diff.diff_all

    def spy(diff: row_diff.Diff, new: Any) -> None:
        calls.append(diff.table.name)
        whole(diff, new)

    monkeypatch.setattr(row_diff, "diff_all", spy)
    hinted, full, _ = _written_both_ways(saved, tmp_path, _change, hint=True)
    assert calls == ["nodes", "edges"]  # only the write without a hint compared every row
    assert hinted == full
    assert ("Person:new@example.org",) in hinted["node_changes"]
    assert not any(e[2].startswith("TOUCHES:") for e in hinted["edges"])
    assert any(e[2].startswith("TOUCHES:") for e in hinted["edge_changes"])  # deleted: logged


def test_a_hint_missing_an_added_row_falls_back_to_comparing_all(
    saved: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def behind_the_hints_back(store: NetworkXStore) -> None:
        _change(store)
        store.graph.add_node("File:unhinted.c", kind=NodeKind.FILE, key="unhinted.c", props={})
        store.graph.remove_edges_from([next(iter(store.graph.edges(keys=True)))])

    hinted, full, _ = _written_both_ways(saved, tmp_path, behind_the_hints_back, hint=True)
    assert hinted == full
    assert ("File:unhinted.c",) in hinted["node_changes"]
    assert "comparing every row" in caplog.text


def test_a_hint_missing_rows_is_caught_without_the_kept_count(
    saved: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A database written before the row count was kept: the tables are counted instead."""
    older = tmp_path / "older.db"
    shutil.copy(saved, older)
    conn = sqlite3.connect(older)
    with conn:
        conn.execute("DELETE FROM meta WHERE name = 'graph_rows'")
    conn.close()

    def behind_the_hints_back(store: NetworkXStore) -> None:
        store.graph.add_node("File:unhinted.c", kind=NodeKind.FILE, key="unhinted.c", props={})

    hinted, full, _ = _written_both_ways(older, tmp_path, behind_the_hints_back, hint=True)
    assert hinted == full
    assert ("File:unhinted.c",) in hinted["node_changes"]
    assert "comparing every row" in caplog.text


def test_the_kept_row_count_follows_every_write(saved: Path, tmp_path: Path) -> None:
    hinted, _, _ = _written_both_ways(saved, tmp_path, _change, hint=True)
    conn = sqlite3.connect(tmp_path / "hinted.db")
    try:
        kept = conn.execute("SELECT value FROM meta WHERE name = 'graph_rows'").fetchone()
    finally:
        conn.close()
    assert json.loads(kept[0]) == [len(hinted["nodes"]), len(hinted["edges"])]


def test_a_hint_naming_unchanged_and_unknown_rows_writes_nothing_more(
    saved: Path, tmp_path: Path
) -> None:
    def named_too_much(store: NetworkXStore) -> None:
        assert store.touched is not None
        store.touched[0].update([*list(store.graph.nodes)[:20], "Person:nobody@example.org"])
        store.touched[1].add(("Person:nobody@example.org", "Patch:none", "AUTHORED:"))

    hinted, full, _ = _written_both_ways(saved, tmp_path, named_too_much, hint=True)
    assert hinted == full
    assert hinted["node_changes"] == [] and hinted["edge_changes"] == []


def test_without_a_hint_paged_comparison_writes_what_differs(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages far smaller than the tables: rows deleted, added and changed across pages end up
    as a write into an empty database would leave them."""
    monkeypatch.setattr(row_diff, "CHUNK", 7)
    hinted, full, store = _written_both_ways(saved, tmp_path, _change, hint=False)
    assert hinted == full
    empty = tmp_path / "empty.db"
    write_snapshot(store, empty)
    fresh = _tables(empty)
    assert (fresh["nodes"], fresh["edges"]) == (hinted["nodes"], hinted["edges"])
    assert hinted["node_changes"] and hinted["edge_changes"]


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"a": 1, "b": [1.5, None, True, False], "c": {"d": 'é\u2028"\\\n<>'}},
        {"subject": "[PATCH v2 3/7] x86: ümlaut \U0001f600", "n": -3, "big": 10**20},
        {"nan": float("nan"), "inf": float("inf"), "e": 1e-7},
    ],
)
def test_the_reused_encoder_writes_what_database_dumps_writes(value: dict[str, Any]) -> None:
    assert row_diff.encoder()(value) == database.dumps(value)
