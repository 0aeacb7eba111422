"""Loads read only what is new: per-source cursors in the database (`graphapi.cursors`).

Whatever a cursor skips, the graph after the loads equals the graph of one load of
everything, and the summary's counts still add up (skipped messages count as duplicates).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graphapi.loading import LoadSummary, load_into_store, load_sources
from graphapi.sample import write_sample_mbox
from graphapi.snapshot import open_for_load, read_snapshot, snapshot_signature
from graphapi.store.networkx_store import NetworkXStore

_SEPARATOR = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"


def _load(db: Path, *sources: Path) -> tuple[LoadSummary, bool]:
    with open_for_load(db) as store:
        summary = load_sources(store, list(sources))
        return summary, store.materialised


def _graph(store: NetworkXStore) -> tuple[list[tuple[str, object]], list[tuple[str, str, str]]]:
    """Nodes and edges; a message's `origin` (where it was first read) set aside."""
    nodes = sorted(
        (n, {k: v for k, v in a["props"].items() if k != "origin"})
        for n, a in store.graph.nodes(data=True)
    )
    return nodes, sorted(store.graph.edges(keys=True))


def _one_load(tmp_path: Path, *sources: Path) -> NetworkXStore:
    store = NetworkXStore()
    load_sources(store, list(sources))
    return store


@pytest.fixture
def halves(tmp_path: Path) -> tuple[bytes, bytes]:
    whole = tmp_path / "whole.mbox"
    write_sample_mbox(whole, series_count=40)
    messages = [_SEPARATOR + m for m in whole.read_bytes().split(_SEPARATOR) if m]
    middle = len(messages) // 2
    return b"".join(messages[:middle]), b"".join(messages[middle:])


def test_an_unchanged_mbox_is_not_read_again(tmp_path: Path, halves: tuple[bytes, bytes]) -> None:
    mbox, db = tmp_path / "list.mbox", tmp_path / "g.db"
    mbox.write_bytes(halves[0])
    first, _ = _load(db, mbox)
    signature = snapshot_signature(db)
    again, materialised = _load(db, mbox)
    assert not materialised  # neither the graph nor the corpus was read
    assert snapshot_signature(db) == signature  # no new graph for a server to take up
    assert (again.read, again.loaded, again.duplicates) == (first.read, 0, first.loaded)
    assert (again.series, again.patches) == (first.series, first.patches)


def test_an_appended_mbox_parses_only_its_new_entries(
    tmp_path: Path, halves: tuple[bytes, bytes]
) -> None:
    mbox, db = tmp_path / "list.mbox", tmp_path / "g.db"
    mbox.write_bytes(halves[0])
    first, _ = _load(db, mbox)
    assert mbox.stat().st_size > 64 * 1024  # past the fingerprinted head
    with mbox.open("ab") as handle:
        handle.write(halves[1])
    second, _ = _load(db, mbox)
    whole = _one_load(tmp_path, mbox)
    total = len(whole.corpus.messages)
    assert second.duplicates == first.loaded  # counted from the cursor, not re-parsed
    assert second.loaded == total - first.loaded > 0
    assert second.read == second.loaded + second.duplicates + second.skipped
    assert _graph(read_snapshot(db)) == _graph(whole)


def test_a_rewritten_mbox_is_read_whole(tmp_path: Path, halves: tuple[bytes, bytes]) -> None:
    mbox, db = tmp_path / "list.mbox", tmp_path / "g.db"
    mbox.write_bytes(halves[0])
    first, _ = _load(db, mbox)
    without_cursors = _one_load(tmp_path, mbox)
    mbox.write_bytes(halves[1] + halves[0])  # same messages and more, in another order
    second, _ = _load(db, mbox)
    assert second.duplicates == first.loaded
    load_sources(without_cursors, [mbox])  # what a load that keeps no cursor makes of it
    assert _graph(read_snapshot(db)) == _graph(without_cursors)


def test_a_maildir_reads_only_new_files(tmp_path: Path, halves: tuple[bytes, bytes]) -> None:
    folder, db = tmp_path / "Mail", tmp_path / "g.db"
    (folder / "new").mkdir(parents=True)
    (folder / "cur").mkdir()
    (folder / "tmp").mkdir()
    messages = [m for m in (halves[0] + halves[1]).split(_SEPARATOR) if m]
    for index, raw in enumerate(messages[:10]):
        (folder / "new" / f"{index:04d}.host").write_bytes(raw)
    first, _ = _load(db, folder)
    # a mail client marks one read (moves it to cur/ with flags), and two new ones arrive
    os.rename(folder / "new" / "0000.host", folder / "cur" / "0000.host:2,S")
    for index, raw in enumerate(messages[10:12], start=10):
        (folder / "new" / f"{index:04d}.host").write_bytes(raw)
    second, _ = _load(db, folder)
    assert first.loaded == 10
    assert (second.loaded, second.duplicates) == (2, 10)
    assert _graph(read_snapshot(db)) == _graph(_one_load(tmp_path, folder))


def test_a_merging_load_into_the_embedded_store_keeps_cursors_too(tmp_path: Path) -> None:
    """`load_into_store` goes the same way as `load_sources`: a re-load reads nothing."""
    mbox = tmp_path / "list.mbox"
    write_sample_mbox(mbox, series_count=3)
    store = NetworkXStore()
    first = load_into_store(store, [mbox])
    cursors = store.load_cursors()
    again = load_into_store(store, [mbox])
    assert (again.read, again.loaded, again.duplicates) == (first.read, 0, first.loaded)
    assert list(cursors) == [f"mbox:{mbox.resolve()}"] and store.cursors == cursors
    cursors.clear()  # a copy: a load that fails leaves the store's own untouched
    assert store.cursors
