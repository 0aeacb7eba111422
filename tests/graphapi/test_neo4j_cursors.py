"""Neo4j loads keep their cursors in the database they load into (issue 13 item 3).

A second load of a public-inbox archive reads only the commits after the first load's last
one; an unchanged mbox is not read again; the cursors are recorded last, so a load that
fails before recording them reads everything again when re-run, and ends with the graph of
one uninterrupted load.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from graphapi.loading import LoadSummary, load_into_store
from graphapi.model import GraphBatch
from graphapi.sample import write_sample_mbox
from graphapi.store.neo4j_store import Neo4jStore
from tests.contract.test_store_contract import neo_graph
from tests.loaders.test_publicinbox import Epoch, make_epoch

pytestmark = pytest.mark.neo4j

_SEPARATOR = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"


def _sample_raws(tmp_path: Path) -> list[bytes]:
    """The messages of a generated list, as public-inbox stores them (no From_ line)."""
    mbox = tmp_path / "sample.mbox"
    write_sample_mbox(mbox, series_count=10)
    return [m for m in mbox.read_bytes().split(_SEPARATOR) if m.strip()]


def _counting_writes(store: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the batches `store.write` is given from now on."""
    sizes: list[int] = []
    original = store.write

    def write(batch: GraphBatch) -> None:
        sizes.append(len(batch.nodes) + len(batch.edges))
        original(batch)

    monkeypatch.setattr(store, "write", write)
    return sizes


def _inbox(tmp_path: Path, raws: list[bytes]) -> Epoch:
    epoch = make_epoch(tmp_path / "inbox" / "git" / "0.git", tmp_path)
    epoch.add_many(raws)
    return epoch


def test_a_second_inbox_load_reads_only_new_commits(
    neo4j_store: Neo4jStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raws = _sample_raws(tmp_path)
    old, new = raws[: len(raws) * 9 // 10], raws[len(raws) * 9 // 10 :]
    neo4j_store.clear()
    whole = _inbox(tmp_path / "whole", raws)
    load_into_store(neo4j_store, [whole.git_dir])
    expected = neo_graph(neo4j_store)

    neo4j_store.clear()
    epoch = _inbox(tmp_path / "growing", old)
    first = load_into_store(neo4j_store, [epoch.git_dir])
    assert first.read == len(old)
    for raw in new:
        epoch.add("m", raw)
    second = load_into_store(neo4j_store, [epoch.git_dir])
    assert (second.read, second.loaded) == (len(new), len(new))  # the new commits only
    assert neo_graph(neo4j_store) == expected  # as one load of the whole archive

    writes = _counting_writes(neo4j_store, monkeypatch)
    third = load_into_store(neo4j_store, [epoch.git_dir])
    assert (third.read, third.loaded, writes) == (0, 0, [])  # nothing read, nothing written
    assert neo_graph(neo4j_store) == expected


def test_an_unchanged_mbox_is_not_read_again(
    neo4j_store: Neo4jStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mbox = tmp_path / "list.mbox"
    write_sample_mbox(mbox, series_count=6)
    neo4j_store.clear()
    first = load_into_store(neo4j_store, [mbox])
    graph = neo_graph(neo4j_store)
    writes = _counting_writes(neo4j_store, monkeypatch)
    again = load_into_store(neo4j_store, [mbox])
    assert first.loaded > 0 and writes == []
    assert (again.read, again.loaded, again.duplicates) == (first.read, 0, first.loaded)
    assert neo_graph(neo4j_store) == graph
    assert list(neo4j_store.load_cursors()) == [f"mbox:{mbox.resolve()}"]


def test_a_load_that_dies_before_recording_reads_everything_again(
    neo4j_store: Neo4jStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raws = _sample_raws(tmp_path)
    epoch = _inbox(tmp_path, raws)
    neo4j_store.clear()
    load_into_store(neo4j_store, [epoch.git_dir])
    expected = neo_graph(neo4j_store)

    neo4j_store.clear()
    _dying_after_write(neo4j_store, monkeypatch)
    with pytest.raises(RuntimeError, match="killed"):
        load_into_store(neo4j_store, [epoch.git_dir])
    assert neo4j_store.load_cursors() == {}  # the records are there, the cursors are not
    monkeypatch.undo()
    rerun: LoadSummary = load_into_store(neo4j_store, [epoch.git_dir])
    assert rerun.read == len(raws)  # read again from the first commit
    assert neo_graph(neo4j_store) == expected
    assert neo4j_store.load_cursors() != {}


def _dying_after_write(store: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """`store.write` completes, then the load dies before it records its cursors."""
    original: Callable[[GraphBatch], None] = store.write

    def write(batch: GraphBatch) -> None:
        original(batch)
        raise RuntimeError("killed after writing its records")

    monkeypatch.setattr(store, "write", write)
