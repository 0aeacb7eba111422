"""The snapshot file: graph then corpus, one memo, read whole for loading or graph-only for
serving, and version 1 files still readable."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from graphapi.errors import SnapshotError
from graphapi.loading import load_sources
from graphapi.sample import write_sample_mbox
from graphapi.snapshot import MAGIC, read_snapshot, write_snapshot
from graphapi.store.networkx_store import NetworkXStore


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> NetworkXStore:
    mbox = tmp_path_factory.mktemp("snap") / "list.mbox"
    write_sample_mbox(mbox, series_count=6)
    store = NetworkXStore()
    load_sources(store, [mbox])
    return store


def _shape(store: NetworkXStore) -> tuple[list[tuple[str, object]], list[tuple[str, str, str]]]:
    nodes = sorted((n, a["props"]) for n, a in store.graph.nodes(data=True))
    edges = sorted(store.graph.edges(keys=True))
    return nodes, edges


def test_round_trip_keeps_graph_and_corpus(loaded: NetworkXStore, tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    write_snapshot(loaded, db)
    assert db.read_bytes().startswith(MAGIC)
    again = read_snapshot(db)
    assert _shape(again) == _shape(loaded)
    assert again.corpus.messages == loaded.corpus.messages
    assert "corpus" in loaded.graph.graph  # writing did not strip the live store


def test_serving_read_skips_the_corpus_and_refuses_to_save(
    loaded: NetworkXStore, tmp_path: Path
) -> None:
    db = tmp_path / "g.db"
    write_snapshot(loaded, db)
    served = read_snapshot(db, corpus=False)
    assert _shape(served) == _shape(loaded)
    assert "corpus" not in served.graph.graph
    with pytest.raises(SnapshotError, match="opened for serving"):
        write_snapshot(served, tmp_path / "other.db")
    with pytest.raises(SnapshotError, match="opened for serving"):
        load_sources(served, [])


def test_bodies_shared_by_graph_and_corpus_are_stored_once(
    loaded: NetworkXStore, tmp_path: Path
) -> None:
    db = tmp_path / "g.db"
    write_snapshot(loaded, db)
    bodies = sum(len(m.body.encode()) for m in loaded.corpus.messages.values())
    separately = len(pickle.dumps(loaded.graph)) + len(pickle.dumps(loaded.corpus))
    assert db.stat().st_size < separately - bodies // 2


def test_version_1_snapshot_still_loads(loaded: NetworkXStore, tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    db.write_bytes(b"GRAPHAPI-SNAPSHOT 1\n" + pickle.dumps(loaded.graph))
    old = read_snapshot(db)
    assert _shape(old) == _shape(loaded)
    assert old.corpus.messages == loaded.corpus.messages


def test_truncated_snapshot_is_a_clear_error(loaded: NetworkXStore, tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    write_snapshot(loaded, db)
    with db.open("rb") as handle:
        handle.read(len(MAGIC))
        pickle.Unpickler(handle).load()
        graph_end = handle.tell()
    data = db.read_bytes()
    db.write_bytes(data[: (graph_end + len(data)) // 2])  # the graph whole, the corpus cut
    assert read_snapshot(db, corpus=False).graph.number_of_nodes() > 0
    with pytest.raises(SnapshotError, match="cannot read snapshot"):
        read_snapshot(db)
