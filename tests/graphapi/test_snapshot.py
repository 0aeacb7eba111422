"""The embedded store's database: SQLite, no pickle, bodies stored once and read on demand,
loads in one transaction (a failed one changes nothing), older pickle snapshots migrated."""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path

import pytest

from graphapi import database
from graphapi.errors import SnapshotError
from graphapi.loading import load_sources
from graphapi.sample import write_sample_mbox
from graphapi.snapshot import open_for_load, read_snapshot, snapshot_signature, write_snapshot
from graphapi.store.networkx_store import NetworkXStore
from graphapi.store.nx_graph import to_data
from loaders.records import Message


@pytest.fixture(scope="module")
def mbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("snap") / "list.mbox"
    write_sample_mbox(path, series_count=6)
    return path


@pytest.fixture(scope="module")
def loaded(mbox: Path) -> NetworkXStore:
    store = NetworkXStore()
    load_sources(store, [mbox])
    return store


def _shape(store: NetworkXStore) -> tuple[list[tuple[str, object]], list[tuple[str, str, str]]]:
    nodes = sorted((n, a["props"]) for n, a in store.graph.nodes(data=True))
    edges = sorted(store.graph.edges(keys=True))
    return nodes, edges


def _as_served(store: NetworkXStore) -> tuple[list[object], list[object]]:
    """Every node as the store returns it (a served graph keeps its props differently:
    `graphapi.graph_rows`), and every edge with its attributes."""
    nodes = sorted((n, to_data(a)) for n, a in store.graph.nodes(data=True))
    edges = sorted(store.graph.edges(keys=True, data=True), key=lambda e: e[:3])
    return nodes, edges


def _messages(store: NetworkXStore) -> dict[str, Message]:
    return dict(store.corpus.messages)


def test_round_trip_keeps_graph_and_corpus(loaded: NetworkXStore, tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    write_snapshot(loaded, db)
    assert database.is_database(db)
    again = read_snapshot(db)
    assert _shape(again) == _shape(loaded)
    assert _messages(again) == _messages(loaded)
    assert "corpus" in loaded.graph.graph  # writing did not strip the live store


def test_the_database_holds_no_pickle_and_each_body_once(
    loaded: NetworkXStore, tmp_path: Path
) -> None:
    db = tmp_path / "g.db"
    write_snapshot(loaded, db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM meta WHERE name = 'format'").fetchone() == ("4",)
        with_body = conn.execute("SELECT count(*) FROM nodes WHERE props LIKE '%\"body\"%'")
        assert with_body.fetchone() == (0,)
        records = [row[0] for row in conn.execute("SELECT record FROM messages")]
        (stored_bodies,) = conn.execute("SELECT sum(length(body)) FROM messages").fetchone()
    assert len(records) == len(loaded.corpus.messages)
    assert all(record.startswith('["Message",') for record in records)  # JSON text, not bytes
    assert all('"body"' not in record for record in records)
    assert stored_bodies == sum(len(m.body) for m in loaded.corpus.messages.values()) > 0


def test_serving_reads_the_graph_and_bodies_on_demand(
    loaded: NetworkXStore, tmp_path: Path
) -> None:
    db = tmp_path / "g.db"
    write_snapshot(loaded, db)
    served = read_snapshot(db, corpus=False)
    assert _as_served(served) == _as_served(loaded)
    assert "corpus" not in served.graph.graph
    keys = [*sorted(loaded.corpus.messages)[:5], "no-such-message"]
    expected = [loaded.corpus.messages[k].body for k in keys[:5]] + [None]
    assert served.message_bodies(keys) == expected
    assert loaded.message_bodies(keys) == expected
    with pytest.raises(SnapshotError, match="opened for serving"):
        write_snapshot(served, tmp_path / "other.db")
    with pytest.raises(SnapshotError, match="opened for serving"):
        load_sources(served, [])


def test_a_write_adds_only_the_new_messages(mbox: Path, tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    with open_for_load(db) as store:
        load_sources(store, [mbox])
    with sqlite3.connect(db) as conn:
        first = conn.execute("SELECT key, seq FROM messages").fetchall()
    other = tmp_path / "more.mbox"
    write_sample_mbox(other, series_count=2, seed=99)
    with open_for_load(db) as store:
        load_sources(store, [other])
        total = len(store.corpus.messages)
    with sqlite3.connect(db) as conn:
        after = dict(conn.execute("SELECT key, seq FROM messages").fetchall())
    assert len(after) == total > len(first)
    assert all(after[key] == seq for key, seq in first)  # earlier rows untouched
    assert snapshot_signature(db) is not None


def test_a_failed_load_leaves_the_previous_graph(mbox: Path, tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    with open_for_load(db) as store:
        load_sources(store, [mbox])
    before = _shape(read_snapshot(db))
    signature = snapshot_signature(db)
    other = tmp_path / "more.mbox"
    write_sample_mbox(other, series_count=2, seed=7)
    with pytest.raises(RuntimeError, match="boom"), open_for_load(db) as store:
        load_sources(store, [other])
        raise RuntimeError("boom")
    assert _shape(read_snapshot(db)) == before
    assert snapshot_signature(db) == signature


@pytest.mark.parametrize("version", [1, 3])
def test_an_older_pickle_snapshot_is_migrated_once(
    loaded: NetworkXStore, tmp_path: Path, version: int
) -> None:
    db = tmp_path / f"v{version}.db"
    magic = f"GRAPHAPI-SNAPSHOT {version}\n".encode()
    if version == 1:
        db.write_bytes(magic + pickle.dumps(loaded.graph))
    else:
        bare = loaded.graph.copy()
        corpus = bare.graph.pop("corpus")
        with db.open("wb") as handle:  # as format 3 was written: one pickler, one memo
            handle.write(magic)
            pickler = pickle.Pickler(handle)
            pickler.dump(bare)
            pickler.dump(corpus)
    with pytest.raises(SnapshotError, match=f"graphapi load --db {db}' once to migrate"):
        read_snapshot(db, corpus=False)
    with open_for_load(db) as store:
        assert _messages(store) == _messages(loaded)
    assert database.is_database(db)
    migrated = read_snapshot(db)
    assert _shape(migrated) == _shape(loaded)
    assert _messages(migrated) == _messages(loaded)
    assert [p.name for p in tmp_path.iterdir()] == [db.name]  # no temporary file left


def test_a_damaged_database_is_a_clear_error(loaded: NetworkXStore, tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    write_snapshot(loaded, db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE messages SET record = 'not json' WHERE seq = 1")
    with pytest.raises(SnapshotError, match="unreadable stored record"):
        read_snapshot(db)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(SnapshotError, match=r"junk\.db"):
        read_snapshot(junk)


def test_a_migrated_snapshot_keeps_its_public_inbox_positions(
    loaded: NetworkXStore, tmp_path: Path
) -> None:
    """Formats 1-3 kept the last commit read per epoch in the corpus; they become cursors."""
    import dataclasses

    from graphapi.cursors import cursor_key

    graph = loaded.graph.copy()
    epoch = tmp_path / "kvm" / "0.git"
    graph.graph["corpus"] = dataclasses.replace(loaded.corpus, inbox_heads={str(epoch): "0123abcd"})
    db = tmp_path / "v1.db"
    db.write_bytes(b"GRAPHAPI-SNAPSHOT 1\n" + pickle.dumps(graph))
    with open_for_load(db):
        pass
    assert read_snapshot(db).cursors[cursor_key("public-inbox", epoch)] == "0123abcd"
