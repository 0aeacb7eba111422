"""Reading and writing the embedded store's database (`--db`), and migrating old snapshots.

The database is SQLite (`graphapi.database` has the tables): the graph, the parsed corpus it
was built from, per-source cursors, and the identity and ownership files. `graphapi serve` and
`query` read the graph only; `graphapi load` reads the graph's corpus too, inside one write
transaction (`open_for_load`), so concurrent loads of one database take turns and a failed
load changes nothing. A write stores only the messages the load added.

Snapshots of earlier versions were pickle files (formats 1 to 3, `snapshot_legacy`).
`graphapi load` migrates one once, into a database at the same path; serving an old
snapshot says in one line how to migrate it.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import networkx as nx

from graphapi import changelog, message_index
from graphapi import database as db
from graphapi.corpus import Corpus, StoredMessages, slim
from graphapi.cursors import CODE_TREE
from graphapi.errors import SnapshotError
from graphapi.gcpause import paused_gc
from graphapi.graph_patch import patched
from graphapi.graph_rows import EDGE_COLUMNS, NODE_COLUMNS, RowReader
from graphapi.region_graph import RegionGraph
from graphapi.row_diff import PartialRows, Touched, write_rows
from graphapi.snapshot_legacy import LEGACY_MAGICS, legacy_magic, read_legacy, remove_stale_temps
from graphapi.store.networkx_store import NetworkXStore
from loaders import recordjson
from loaders.records import Message

__all__ = [
    "LEGACY_MAGICS",
    "GraphChanges",
    "ServedSnapshot",
    "graph_of",
    "open_for_load",
    "read_bodies",
    "read_snapshot",
    "remove_stale_temps",
    "snapshot_signature",
    "write_snapshot",
]

log = logging.getLogger("graphapi")

_KEPT_TEXTS = ("maintainers_text", "mailmap_text", "aliases_text", "company_map_text")

#: `meta` row: [nodes, edges] rows the graph tables hold, kept by every graph write, so that
#: a write with a hint checks its result without counting the tables (`row_diff`).
_GRAPH_ROWS = "graph_rows"

EdgeId = tuple[str, str, str]  # (source node id, target node id, edge key)


@dataclass(slots=True)
class GraphChanges:
    """What one load changed in the graph's rows: the node and edge ids written (added or
    changed) and those deleted, plus the messages whose stored record or body changed.

    A store that follows the database (`graphapi.neo4j_mirror`) applies exactly these, so
    it holds the graph of one load of everything loaded, whatever the loads were.
    `generation` is the database's generation once the load commits.
    """

    generation: int
    nodes: list[str] = field(default_factory=list)
    nodes_gone: list[str] = field(default_factory=list)
    edges: list[EdgeId] = field(default_factory=list)
    edges_gone: list[EdgeId] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


#: Called inside a load's write transaction, before it commits, with the connection, the
#: store and what the load changed (None: the graph was not rebuilt): an exception rolls the
#: load back (`open_for_load`'s `before_commit`).
BeforeCommit = Callable[[sqlite3.Connection, NetworkXStore, "GraphChanges | None"], None]


def read_snapshot(
    path: str | os.PathLike[str], *, missing_ok: bool = False, corpus: bool = True
) -> NetworkXStore:
    """The store saved at `path`; an empty store when it does not exist and `missing_ok`.

    With `corpus=False` only the graph is read (what serving needs): the store answers
    queries but cannot be loaded into or saved.
    """
    target = Path(path)
    if not target.exists():
        if missing_ok:
            return NetworkXStore()
        raise SnapshotError(f"no graph at {target}: run 'graphapi load --db {target} SOURCE' first")
    if legacy_magic(target) is not None:
        if not corpus:
            _refuse_legacy(target)
        return read_legacy(target)
    conn = db.connect(target)
    try:
        store = _read(conn, corpus, path=target)
    finally:
        conn.close()
    if not corpus:
        store.body_reader = _BodyReader(target)
    return store


def _refuse_legacy(target: Path) -> None:
    """Serving an old pickle snapshot: say how to migrate it."""
    if legacy_magic(target) is not None:
        raise SnapshotError(
            f"{target} is a snapshot of an older version: run 'graphapi load --db {target}' "
            "once to migrate it"
        )


class _BodyReader:
    """Message bodies read from the database on demand, for a store opened for serving.

    A connection per call: requests run on several threads, and an SQLite connection is not
    shared between them; opening one read-only costs far less than a request.
    """

    def __init__(self, path: Path) -> None:
        self._uri = f"file:{path.resolve()}?mode=ro"

    def __call__(self, keys: Sequence[str]) -> list[str | None]:
        conn = sqlite3.connect(self._uri, uri=True, timeout=5.0)
        try:
            found = read_bodies(conn, keys)
            return [found.get(key) for key in keys]
        finally:
            conn.close()


class ServedSnapshot:
    """The graph `graphapi serve` serves from the database at `path`, kept up to date.

    `read` reads it whole; `refresh` (the app's loader, called when the database's generation
    changes) reads only the rows the loads since changed (`changelog`) and patches a copy of
    the served graph (`graph_patch`), falling back to a whole read when the log does not
    cover them (another database at the path, an older database, too many loads behind).
    Either way the result is what `read_snapshot(path, corpus=False)` would give.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._store: NetworkXStore | None = None
        self._at: tuple[int, int] | None = None  # (inode, generation) of `_store`
        #: How the last `refresh` went: "read" (whole) or "patched" (for tests and logs).
        self.last = ""

    def read(self) -> NetworkXStore:
        """The whole graph, read now (and remembered for the next `refresh`)."""
        _refuse_legacy(self.path)
        conn = db.connect(self.path)
        try:
            inode = os.stat(self.path).st_ino
            conn.execute("BEGIN")  # one snapshot of the database for the rows and generation
            store = _read(conn, False, path=self.path)
            generation = db.generation(conn)
            conn.execute("COMMIT")
        finally:
            conn.close()
        store.body_reader = _BodyReader(self.path)
        self._store, self._at, self.last = store, (inode, generation), "read"
        return store

    def refresh(self, path: str | os.PathLike[str] | None = None) -> NetworkXStore:
        """The graph as the database holds it now: patched when it can be. Not warmed: the
        server swaps it in first, then warms it (`warm`), so it serves the new graph sooner."""
        try:
            store = self._patched()
        except Exception:  # a patch that fails must not stop the server from updating
            log.exception("patching the served graph failed: reading it whole")
            store = None
        if store is None:
            store = self.read()
        return store

    @staticmethod
    def warm(store: object) -> None:
        """Build a served store's derived indexes (the app's `warm`, after the swap)."""
        if isinstance(store, NetworkXStore):
            store.warm()

    def _patched(self) -> NetworkXStore | None:
        """The served graph with the rows changed since patched in; None when it cannot be."""
        if self._store is None or self._at is None:
            return None
        inode, generation = self._at
        try:
            if os.stat(self.path).st_ino != inode:
                return None
            conn = db.connect(self.path)
        except (OSError, SnapshotError):
            return None
        try:
            with paused_gc():  # a full collection would walk the whole served graph
                conn.execute("BEGIN")
                changes = changelog.changes_since(conn, generation)
                counts = db.get_meta(conn, "counts")
                conn.execute("COMMIT")
        except sqlite3.Error:
            return None
        finally:
            conn.close()
        if changes is None:
            return None
        with paused_gc():
            graph = patched(self._store.graph, changes.nodes, changes.edges)
        store = NetworkXStore(graph, corpus_loaded=False, body_reader=self._store.body_reader)
        store.cursors = dict(self._store.cursors)
        if counts:
            series, patches = json.loads(counts)
            store.counts = (int(series), int(patches))
        self._store, self._at, self.last = store, (inode, changes.generation), "patched"
        return store


def read_bodies(conn: sqlite3.Connection, keys: Sequence[str]) -> dict[str, str]:
    """The stored bodies of the messages `keys` (those the database holds)."""
    return dict(_messages_of(conn, "key, body", keys))


def _messages_of(conn: sqlite3.Connection, columns: str, keys: Sequence[str]) -> Iterator[Any]:
    """The `columns` of the stored messages among `keys`, a bounded query at a time."""
    return db.rows_keyed(conn, f"{columns} FROM messages", "key", keys)


@contextmanager
def open_for_load(
    path: str | os.PathLike[str], *, before_commit: BeforeCommit | None = None
) -> Iterator[NetworkXStore]:
    """The store at `path` with its corpus, inside one write transaction; written back when
    the block ends without an error. A second load of the same database waits here until the
    first has committed, then reads what it wrote. An older pickle snapshot at `path` is read
    and migrated into a database in its place. `before_commit` sees what the load changed
    before it commits (a Neo4j mirror applies it there, so a failure rolls both back)."""
    target = Path(path)
    if legacy_magic(target) is not None:
        store = read_legacy(target)
        yield store
        migrated = _migrate(store, target)
        if before_commit is not None:  # the migrated database is there: it may follow now
            _after_migration(target, store, migrated, before_commit)
        return
    created = not target.exists()
    conn = db.connect(target, create=True)
    try:
        with db.write_transaction(conn):
            message_index.begin(conn)
            store = NetworkXStore(deferred=lambda: _read_corpus_only(conn, target))
            store.region_reader = lambda: RegionGraph(conn)
            store.message_index = message_index.StoredIndex(conn)
            _read_cursors(conn, store)
            yield store
            changes: GraphChanges | None = None
            in_place: Corpus | None = None  # the corpus of a store holding part of the graph
            if store.materialised:
                changes = _write(conn, store, target)
                store.corpus.spool = None  # the connection closes below
                if store.partial is not None:  # the rows an update read: all, if asked for
                    in_place = store.corpus
                    store.defer(partial(_with_corpus, in_place, partial(graph_of, conn)))
            else:  # nothing new was found: only how far the sources were read changed
                _write_cursors(conn, store)
            message_index.flush(conn)
            if before_commit is not None:
                before_commit(conn, store, changes)
    except BaseException as exc:
        conn.close()
        if created:  # a first load that failed leaves no empty database behind
            _remove_database(target)
        if isinstance(exc, sqlite3.Error):
            raise SnapshotError(f"cannot write {target}: {exc}") from exc
        raise
    conn.close()
    store.body_reader = _BodyReader(target)  # its corpus may hold messages slimmed
    if in_place is not None and not store.materialised:  # not read inside: read it after
        store.defer(partial(_with_corpus, in_place, partial(_graph_at, target)))


def _with_corpus(corpus: Corpus, read: Callable[[], Any]) -> Any:
    """The graph `read` gives, holding `corpus` (a load's store keeps it in its graph)."""
    graph = read()
    graph.graph["corpus"] = corpus
    return graph


def _graph_at(path: Path) -> Any:
    """The graph the database at `path` holds, read in a connection of its own."""
    conn = db.connect(path)
    try:
        return graph_of(conn)
    finally:
        conn.close()


def _after_migration(
    target: Path, store: NetworkXStore, changes: GraphChanges, before_commit: BeforeCommit
) -> None:
    conn = db.connect(target)
    try:
        with db.write_transaction(conn):
            before_commit(conn, store, changes)
    finally:
        conn.close()


def graph_of(conn: sqlite3.Connection) -> Any:
    """The graph the database holds (a networkx MultiDiGraph), read from its rows."""
    with paused_gc():
        return _read_graph(conn)


def _remove_database(target: Path) -> None:
    for path in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        path.unlink(missing_ok=True)


def write_snapshot(store: NetworkXStore, path: str | os.PathLike[str]) -> None:
    """Save the store at `path` in one transaction (the messages it added, its graph)."""
    target = Path(path)
    store.corpus  # noqa: B018 -- raises for a store read without its corpus: it would be lost
    if legacy_magic(target) is not None:
        _migrate(store, target)
        return
    conn = db.connect(target, create=True)
    try:
        with db.write_transaction(conn):
            _write(conn, store, target)
    except sqlite3.Error as exc:
        raise SnapshotError(f"cannot write {target}: {exc}") from exc
    finally:
        conn.close()


def snapshot_signature(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """What changes when a load commits: (inode, generation); None when unreadable."""
    try:
        inode = os.stat(path).st_ino
        conn = sqlite3.connect(f"file:{os.fspath(path)}?mode=ro", uri=True, timeout=1.0)
        try:
            return inode, db.generation(conn)
        finally:
            conn.close()
    except (OSError, sqlite3.Error):
        return None


# -- reading -------------------------------------------------------------------------------


def _read(conn: sqlite3.Connection, with_corpus: bool, path: Path) -> NetworkXStore:
    try:
        store = _read_tables(conn, with_corpus, path)
    except (recordjson.RecordFormatError, ValueError, KeyError, sqlite3.Error) as exc:
        raise SnapshotError(f"cannot read {path}: {exc}") from exc
    _read_cursors(conn, store)
    return store


def _read_corpus_only(conn: sqlite3.Connection, path: Path) -> Any:
    """An empty graph holding the corpus: what a load needs, since it rebuilds the graph
    from the corpus (its write then changes only the rows that differ)."""
    graph = nx.MultiDiGraph()
    try:
        with paused_gc():
            corpus = graph.graph["corpus"] = _read_corpus(conn, slimmed=True)
    except (recordjson.RecordFormatError, ValueError, KeyError, sqlite3.Error) as exc:
        raise SnapshotError(f"cannot read {path}: {exc}") from exc
    corpus.saved_in = str(path.resolve())
    corpus.spool = _Spool(conn)
    return graph


def _read_cursors(conn: sqlite3.Connection, store: NetworkXStore) -> None:
    store.cursors = dict(conn.execute("SELECT source, position FROM cursors").fetchall())
    counts = db.get_meta(conn, "counts")
    if counts:
        series, patches = json.loads(counts)
        store.counts = (int(series), int(patches))


def _read_tables(conn: sqlite3.Connection, with_corpus: bool, path: Path) -> NetworkXStore:
    with paused_gc():
        graph = _read_graph(conn, serving=not with_corpus)
        if not with_corpus:
            return NetworkXStore(graph, corpus_loaded=False)
        corpus = graph.graph["corpus"] = _read_corpus(conn)
        corpus.saved_in = str(path.resolve())
        return NetworkXStore(graph)


def _read_graph(conn: sqlite3.Connection, serving: bool = False) -> Any:
    """The graph's rows as a networkx graph; `serving`: compact and frozen (`graph_rows`)."""
    reader = RowReader(serving)
    graph = reader.read(
        conn.execute(f"SELECT {NODE_COLUMNS} FROM nodes"),
        conn.execute(f"SELECT {EDGE_COLUMNS} FROM edges"),
    )
    if serving:
        nx.freeze(graph)
    return graph


def _read_corpus(conn: sqlite3.Connection, slimmed: bool = False) -> Corpus:
    """The corpus in the database; `slimmed`: its messages `slim` (what a load needs: the
    database keeps the rest, `_Spool` reads it back)."""
    corpus = Corpus()
    if slimmed:  # each record decoded when asked for: an update decodes only its region's
        keys = _keys_in_order(conn)
        corpus.messages = StoredMessages(keys, partial(_read_slim, conn, corpus.shared))
    else:
        for key, record, body in conn.execute(
            "SELECT key, record, body FROM messages ORDER BY seq"
        ):
            corpus.messages[key] = _message(key, record, body)
    corpus.saved_count, corpus.partial = len(corpus.messages), slimmed
    for (record,) in conn.execute("SELECT record FROM people"):
        person = recordjson.decode(record)
        corpus.people[(person.email, person.name)] = person
    for sha, record in conn.execute("SELECT sha, record FROM commits"):
        corpus.commits[sha] = recordjson.decode(record)
    for source, position in conn.execute("SELECT source, position FROM cursors"):
        if source.startswith(CODE_TREE):
            corpus.code_heads[source.removeprefix(CODE_TREE)] = position
    for name in _KEPT_TEXTS:
        setattr(corpus, name, db.get_meta(conn, name))
    return corpus


def _keys_in_order(conn: sqlite3.Connection) -> list[str]:
    """Every message's key, in the corpus' order (`seq`). Read from the keys' index and
    sorted here: `ORDER BY seq` walks the table itself, records and bodies (twice the time
    on a 27k-message database)."""
    rows = conn.execute("SELECT seq, key FROM messages").fetchall()
    rows.sort()
    return [key for _, key in rows]


def _read_slim(
    conn: sqlite3.Connection, shared: dict[Any, Any], keys: Sequence[str]
) -> dict[str, Message]:
    """The messages of `keys`, `slim` (what a load's corpus holds)."""
    found: dict[str, Message] = {}
    for key, record, body in _messages_of(conn, "key, record, body", keys):
        message = _message(key, record, body)
        slim(message, shared)
        found[key] = message
    return found


def _message(key: str, record: str, body: str) -> Message:
    message = recordjson.decode(record)
    if not isinstance(message, Message):
        raise SnapshotError(f"message {key!r} in the database is not a message record")
    object.__setattr__(message, "body", body)  # stored beside the record (read on demand)
    return message


class _Spool:
    """A load's corpus spilled into its database as it grows (`Corpus.spill`), inside the
    load's transaction: the rows a write at the end would make, written early."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def save(self, messages: Sequence[tuple[str, Message]]) -> None:
        _save_messages(self._conn, messages)

    def message(self, key: str) -> Message | None:
        row = self._conn.execute(
            "SELECT record, body FROM messages WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else _message(key, *row)


# -- writing -------------------------------------------------------------------------------


def _write(conn: sqlite3.Connection, store: NetworkXStore, path: Path) -> GraphChanges:
    corpus = store.corpus
    where = str(path.resolve())
    changes = GraphChanges(db.generation(conn) + 1)
    same = corpus.saved_in == where  # the database holds what the store was read from
    message_index.begin(conn)
    with paused_gc():
        changes.messages = _write_corpus(conn, corpus, corpus.dirty if same else None)
        touched = store.touched if same else None
        if store.partial is not None and touched is None:  # never: `apply_region` sets it
            raise SnapshotError("a graph holding only an update's rows came without its hint")
        _write_graph(conn, store.graph, changes, touched, partial=store.partial)
        message_index.flush(conn)
    store.touched = None  # the rows now hold the graph: a hint from here on starts afresh
    _write_cursors(conn, store)
    db.set_meta(conn, "counts", json.dumps(list(store.counts)))
    db.set_meta(conn, "generation", str(changes.generation))
    corpus.dirty, corpus.saved_in, corpus.saved_count = set(), where, len(corpus.messages)
    return changes


def _write_corpus(conn: sqlite3.Connection, corpus: Corpus, dirty: set[str] | None) -> list[str]:
    """The messages added or replaced (`dirty`; None: all), in the corpus' order; a replaced
    one keeps its row and so its place. Returns their keys (the messages a load streamed to
    the database while parsing were written then, not here)."""
    if dirty is None and corpus.partial:
        raise SnapshotError("this corpus holds its messages slimmed: only its database has them")
    keys = list(corpus.messages) if dirty is None else [k for k in corpus.messages if k in dirty]
    _save_messages(conn, ((k, corpus.messages[k]) for k in keys))
    conn.executemany(
        "INSERT OR IGNORE INTO people VALUES (?, ?, ?)",
        ((p.email, p.name, recordjson.encode(p)) for p in corpus.people.values()),
    )
    stored = {sha for (sha,) in conn.execute("SELECT sha FROM commits")}
    conn.executemany(
        "INSERT INTO commits VALUES (?, ?)",
        ((sha, recordjson.encode(c)) for sha, c in corpus.commits.items() if sha not in stored),
    )
    for name in _KEPT_TEXTS:
        db.set_meta(conn, name, getattr(corpus, name))
    return keys


def _save_messages(conn: sqlite3.Connection, messages: Iterable[tuple[str, Message]]) -> None:
    """Insert the messages (key, record) in this order, with their `message_index` rows; a
    key stored already keeps its row and so its place."""
    rows = list(messages)
    conn.executemany(
        "INSERT INTO messages (key, record, body) VALUES (?, ?, ?) ON CONFLICT (key) DO "
        "UPDATE SET record = excluded.record, body = excluded.body",
        ((key, _record_without_body(message), message.body) for key, message in rows),
    )
    message_index.save(conn, rows)


def _write_cursors(conn: sqlite3.Connection, store: NetworkXStore) -> None:
    conn.executemany("INSERT OR REPLACE INTO cursors VALUES (?, ?)", store.cursors.items())


def _record_without_body(message: Message) -> str:
    body = message.body
    object.__setattr__(message, "body", "")
    try:
        return recordjson.encode(message)
    finally:
        object.__setattr__(message, "body", body)


def _write_graph(
    conn: sqlite3.Connection,
    graph: Any,
    changes: GraphChanges,
    touched: Touched | None,
    *,
    partial: PartialRows | None = None,
) -> None:
    """Store the graph as rows, writing only the rows that changed (a load that adds a
    little rewrites a little; what a server reads next is the same either way), note in
    `changes` which they were, and log their keys (`changelog`: a server reads only those).
    `touched`: the rows that may have changed (`NetworkXStore.touched`), None to compare all
    (`graphapi.row_diff`); `partial`: the graph holds only the rows `touched` names and
    what they were read with (`graphapi.region_graph`)."""
    first = conn.execute("SELECT 1 FROM edges LIMIT 1").fetchone() is None
    if first:  # the index made after the rows (sorted once), not as each is added
        conn.execute(f"DROP INDEX IF EXISTS {db.EDGES_BY_TARGET}")
    nodes, edges, counts = write_rows(conn, graph, touched, _graph_rows(conn), partial=partial)
    if first:
        conn.execute(f"CREATE INDEX IF NOT EXISTS {db.EDGES_BY_TARGET} ON edges (target)")
    db.set_meta(conn, _GRAPH_ROWS, json.dumps(list(counts)))
    changes.nodes, changes.nodes_gone = nodes.written, nodes.gone
    changes.edges, changes.edges_gone = edges.written, edges.gone
    changelog.record(
        conn,
        changes.generation,
        [*changes.nodes, *changes.nodes_gone],
        [*changes.edges, *changes.edges_gone],
        sum(counts),
    )


def _graph_rows(conn: sqlite3.Connection) -> tuple[int, int] | None:
    """How many node and edge rows the database holds, as the last graph write kept it
    (None: written by a version before the count)."""
    found = db.get_meta(conn, _GRAPH_ROWS)
    if not found:
        return None
    nodes, edges = json.loads(found)
    return int(nodes), int(edges)


def _migrate(store: NetworkXStore, target: Path) -> GraphChanges:
    """Write the store as a new database beside `target`, then rename it over the pickle;
    what was written (everything)."""
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=directory)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        conn = db.connect(tmp, create=True)
        try:
            with db.write_transaction(conn):
                changes = _write(conn, store, target)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
        finally:
            conn.close()
        os.replace(tmp, target)
    except BaseException:
        _remove_database(tmp)
        raise
    return changes
