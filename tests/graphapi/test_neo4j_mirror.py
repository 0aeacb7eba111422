"""Neo4j following the embedded database (`load --neo4j URI --db FILE`, issue 13 item 3).

The database and Neo4j get the same changes, so after any split of an archive into loads
Neo4j holds exactly the graph of one load, the embedded store's: what a merging load without
a corpus cannot give (its known limit is the strict xfail in `test_neo4j_cursors`). A load
whose Neo4j part fails changes neither; the next one writes Neo4j whole. A Neo4j holding
another graph is refused, never cleared.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from graphapi import cli
from graphapi import database as db
from graphapi import neo4j_mirror as mirroring
from graphapi.errors import UsageError
from graphapi.loading import LoadSummary, load_into_store, load_sources
from graphapi.neo4j_mirror import Mirror, follows
from graphapi.snapshot import open_for_load, read_snapshot
from graphapi.store.neo4j_store import Neo4jStore
from tests.contract.test_store_contract import neo_graph, nx_graph
from tests.graphapi.test_neo4j_cursors import _inbox, _sample_raws

pytestmark = pytest.mark.neo4j


def _mirrored_load(
    neo4j: Neo4jStore, path: Path, sources: list[Any], range_spec: str | None = None
) -> tuple[LoadSummary, Mirror]:
    mirror = Mirror(neo4j, str(path))
    with open_for_load(path, before_commit=mirror) as store:
        summary = load_sources(store, sources, range_spec=range_spec)
    return summary, mirror


def _embedded(path: Path) -> tuple[dict[str, Any], dict[Any, Any]]:
    return nx_graph(read_snapshot(path, corpus=False))


def _held(neo4j: Neo4jStore) -> tuple[dict[str, Any], dict[Any, Any]]:
    """Neo4j's graph, message bodies aside (Neo4j keeps them on the node, the embedded
    store in its corpus; compared apart)."""
    nodes, edges = neo_graph(neo4j)
    for data in nodes.values():
        data.props.pop("body", None)
    return nodes, edges


def _generation(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return db.generation(conn)
    finally:
        conn.close()


def test_any_split_into_loads_gives_neo4j_the_graph_of_one_load(
    neo4j_store: Neo4jStore, tmp_path: Path
) -> None:
    raws = _sample_raws(tmp_path)
    epoch = _inbox(tmp_path, raws)
    neo4j_store.clear()
    whole = tmp_path / "whole.db"
    _mirrored_load(neo4j_store, whole, [epoch.git_dir])
    one_load = _held(neo4j_store)
    assert one_load == _embedded(whole)
    served = read_snapshot(whole, corpus=False)
    keys = [nid.partition(":")[2] for nid in one_load[0] if nid.startswith("Message:")]
    assert neo4j_store.message_bodies(keys) == served.message_bodies(keys)  # on the node
    assert len(one_load[0]) > 50 and len(one_load[1]) > 50

    chooser = random.Random(13)
    for attempt in range(3):
        cuts = sorted(chooser.sample(range(1, len(epoch.commits) - 1), 2))
        neo4j_store.clear()
        path = tmp_path / f"split-{attempt}.db"
        _mirrored_load(neo4j_store, path, [epoch.git_dir], f"..{epoch.commits[cuts[0]]}")
        _mirrored_load(neo4j_store, path, [epoch.git_dir], f"..{epoch.commits[cuts[1]]}")
        summary, mirror = _mirrored_load(neo4j_store, path, [epoch.git_dir])
        assert summary.loaded > 0 and not mirror.rewrote  # the last load applied its changes
        assert _held(neo4j_store) == one_load, f"cut at commits {cuts}"


def test_a_reply_to_a_cover_loaded_earlier_reaches_the_series_in_neo4j(
    neo4j_store: Neo4jStore, tmp_path: Path
) -> None:
    """The case a merging load gets wrong: the same grown archive, loaded in two parts."""
    raws = _sample_raws(tmp_path)
    old = raws[: len(raws) * 9 // 10]
    epoch = _inbox(tmp_path, old)
    neo4j_store.clear()
    path = tmp_path / "grown.db"
    _mirrored_load(neo4j_store, path, [epoch.git_dir])
    for raw in raws[len(old) :]:
        epoch.add("m", raw)
    second, _ = _mirrored_load(neo4j_store, path, [epoch.git_dir])
    assert second.read == len(raws) - len(old)  # the database's cursors: only new commits
    continued = _held(neo4j_store)

    neo4j_store.clear()
    _mirrored_load(neo4j_store, tmp_path / "once.db", [epoch.git_dir])
    assert continued == _held(neo4j_store)


def test_a_load_that_finds_nothing_new_writes_nothing_to_neo4j(
    neo4j_store: Neo4jStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    epoch = _inbox(tmp_path, _sample_raws(tmp_path))
    neo4j_store.clear()
    path = tmp_path / "g.db"
    _, first = _mirrored_load(neo4j_store, path, [epoch.git_dir])
    assert first.rewrote  # an empty Neo4j: the whole graph
    writes: list[object] = []
    original = neo4j_store._write_tx

    def counted(work: Any) -> Any:
        writes.append(work)
        return original(work)

    monkeypatch.setattr(neo4j_store, "_write_tx", counted)
    again, mirror = _mirrored_load(neo4j_store, path, [epoch.git_dir])
    assert (again.loaded, writes, mirror.rewrote) == (0, [], False)


@pytest.mark.parametrize("one_transaction", [True, False])
def test_a_failure_in_neo4j_rolls_the_load_back_and_the_next_load_repairs_it(
    neo4j_store: Neo4jStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_transaction: bool
) -> None:
    """Small changes go in one Neo4j transaction (a failure leaves Neo4j as it was); large
    ones in several (a failure leaves it marked half-written: the next load rewrites it)."""
    raws = _sample_raws(tmp_path)
    half = len(raws) // 2
    epoch = _inbox(tmp_path, raws[:half])
    neo4j_store.clear()
    path = tmp_path / "g.db"
    _mirrored_load(neo4j_store, path, [epoch.git_dir])
    before = (_generation(path), _embedded(path))
    for raw in raws[half:]:
        epoch.add("m", raw)

    if not one_transaction:
        monkeypatch.setattr(mirroring, "_ONE_TRANSACTION", 0)
    calls = 0
    original = mirroring._run_all

    def failing(jobs: Any) -> Any:
        work = original(jobs)

        def failing_work(tx: Any) -> None:
            nonlocal calls
            calls += 1
            if calls == 3 or one_transaction:  # mid-way: some rows are written
                original(jobs[:1])(tx)
                raise RuntimeError("Neo4j went away")
            work(tx)

        return failing_work

    monkeypatch.setattr(mirroring, "_run_all", failing)
    with pytest.raises(RuntimeError, match="went away"):
        _mirrored_load(neo4j_store, path, [epoch.git_dir])
    assert (_generation(path), _embedded(path)) == before  # the database rolled back
    if one_transaction:
        assert _held(neo4j_store) == before[1]  # and so did Neo4j
    monkeypatch.undo()

    summary, mirror = _mirrored_load(neo4j_store, path, [epoch.git_dir])
    assert summary.loaded == len(raws) - half
    assert mirror.rewrote is not one_transaction
    assert _held(neo4j_store) == _embedded(path)


def test_a_neo4j_holding_another_graph_is_refused_not_cleared(
    neo4j_store: Neo4jStore, tmp_path: Path
) -> None:
    epoch = _inbox(tmp_path, _sample_raws(tmp_path)[:40])
    neo4j_store.clear()
    load_into_store(neo4j_store, [epoch.git_dir])  # a merging load: no database behind it
    merged = _held(neo4j_store)
    with pytest.raises(UsageError, match="loaded without --db"):
        _mirrored_load(neo4j_store, tmp_path / "a.db", [epoch.git_dir])
    assert _held(neo4j_store) == merged

    neo4j_store.clear()
    _mirrored_load(neo4j_store, tmp_path / "b.db", [epoch.git_dir])
    assert follows(neo4j_store) is not None
    with pytest.raises(UsageError, match="follows another graphapi database"):
        _mirrored_load(neo4j_store, tmp_path / "c.db", [epoch.git_dir])


def test_the_cli_loads_both_and_refuses_a_merging_load_into_a_follower(
    neo4j_store: Neo4jStore, neo4j_uri: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    epoch = _inbox(tmp_path, _sample_raws(tmp_path))
    neo4j_store.clear()
    path = tmp_path / "cli.db"
    args = ["load", "--quiet", "--db", str(path), "--neo4j", neo4j_uri, str(epoch.git_dir)]
    assert cli.main(args) == 0
    assert "wrote the whole graph" in capsys.readouterr().err
    assert _held(neo4j_store) == _embedded(path)
    status = cli.main(["load", "--quiet", "--neo4j", neo4j_uri, str(epoch.git_dir)])
    assert status != 0
    assert "follows a graphapi database" in capsys.readouterr().err
