"""The embedded store's durable form: one SQLite database (stdlib `sqlite3`, WAL mode).

Tables (readable with `sqlite3` or datasette; no pickle anywhere):

    meta      name -> value: the format, the graph's generation, the identity and ownership
              files kept as text (MAINTAINERS, .mailmap, aliases, company map)
    messages  the parsed corpus: one row per message, its record as JSON (`loaders.recordjson`)
              without the body, and the body beside it, read only when asked for
    message_index
              per message, what an update reads to find the region it touches without
              decoding every record (`graphapi.message_index`: date, link keys, file paths,
              people); a database written before it gets its rows at its next update
    message_keys
              the same, as rows by token (a link key, a full path, a shortened tail, a
              name or address sighted) with the message's date: an update walks from its
              new messages to its region and finds first sightings by key, in SQL
    people    people named outside messages (digest tallies), as Address records
    commits   the commits of loaded code trees (`loaders.sources.gitrepo.CodeCommit` as JSON)
    cursors   per source, how far it was read (the last commit of a public-inbox epoch, the
              size and fingerprint of an mbox or Maildir), so a load reads only what is new
    nodes     the graph's nodes: id, kind, key, props (JSON), names (JSON), placeholder
    edges     the graph's edges: source, target, edge key, kind, props (JSON); indexed by
              target too, so an update reads a node's edges in by key (`region_graph`)
    node_changes, edge_changes
              the keys of the node and edge rows each generation changed or deleted, so a
              server patches its graph with those rows only (`graphapi.changelog`)

A load runs in one write transaction (`BEGIN IMMEDIATE`): a second load into the same file
waits for it (SQLite's lock, `busy_timeout`), then reads what the first one wrote, so neither
loses messages; a load that fails rolls back and leaves the previous graph whole. Readers (a
server) are never blocked in WAL mode and see a load only once it has committed; they notice
it by the `generation` in `meta`.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graphapi.errors import SnapshotError

__all__ = [
    "FORMAT",
    "LOCK_WAIT_SECONDS",
    "connect",
    "generation",
    "is_database",
    "rows_keyed",
    "write_transaction",
]

#: The index of `edges` by target (`region_graph` reads a node's edges in by it).
EDGES_BY_TARGET = "edges_by_target"

#: The `format` value in `meta`; older formats are the pickle snapshots (1-3).
FORMAT = "4"

#: How long a load waits for another load of the same database to finish.
LOCK_WAIT_SECONDS = 3600.0

_SQLITE_MAGIC = b"SQLite format 3\x00"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, record TEXT NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS message_index (key TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS message_keys (
    token TEXT NOT NULL, at INTEGER NOT NULL, key TEXT NOT NULL, PRIMARY KEY (token, at, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS people (
    email TEXT NOT NULL, name TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (email, name)
);
CREATE TABLE IF NOT EXISTS cursors (source TEXT PRIMARY KEY, position TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS commits (sha TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL,
    props TEXT NOT NULL, names TEXT NOT NULL, placeholder INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS edges (
    source TEXT NOT NULL, target TEXT NOT NULL, ekey TEXT NOT NULL,
    kind TEXT NOT NULL, props TEXT NOT NULL, PRIMARY KEY (source, target, ekey)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edges_by_target ON edges (target);
CREATE TABLE IF NOT EXISTS node_changes (
    generation INTEGER NOT NULL, id TEXT NOT NULL, PRIMARY KEY (generation, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS edge_changes (
    generation INTEGER NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, ekey TEXT NOT NULL,
    PRIMARY KEY (generation, source, target, ekey)
) WITHOUT ROWID;
"""


def is_database(path: Path) -> bool:
    """True for an SQLite file (what this version writes), False for anything else."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:
        return False


def connect(path: str | os.PathLike[str], *, create: bool = False) -> sqlite3.Connection:
    """A connection to the database at `path` (created with its tables when `create`).

    Raises:
        SnapshotError: the file is missing (and not `create`), or is not such a database.
    """
    target = Path(path)
    if not create and not target.exists():
        raise SnapshotError(f"no graph at {target}: run 'graphapi load --db {target} SOURCE' first")
    try:
        conn = sqlite3.connect(target, timeout=LOCK_WAIT_SECONDS, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        if create:
            conn.executescript(_SCHEMA)
        found = conn.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise SnapshotError(f"cannot open {target}: {exc}") from exc
    if found is None and create:
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
    elif found is None or found[0] != FORMAT:
        conn.close()
        raise SnapshotError(f"{target} is not a graphapi database of format {FORMAT}")
    return conn


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One `BEGIN IMMEDIATE` transaction: other writers wait, readers go on; rolled back on
    any error, so a failed load leaves the database as it was."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise SnapshotError(f"the database is locked by another load: {exc}") from exc
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def generation(conn: sqlite3.Connection) -> int:
    """How many loads have committed a graph (a server reloads when it changes)."""
    found = conn.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
    return int(found[0]) if found else 0


def get_meta(conn: sqlite3.Connection, name: str) -> str | None:
    found = conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
    return str(found[0]) if found else None


def set_meta(conn: sqlite3.Connection, name: str, value: str | None) -> None:
    if value is None:
        conn.execute("DELETE FROM meta WHERE name = ?", (name,))
    else:
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))


def dumps(value: Any) -> str:
    """Compact JSON for props (the values the stores hold are JSON types)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


#: Keys bound in one `IN (...)` query (SQLite's variable limit is 999 on old builds).
KEYS_PER_QUERY = 500


def rows_keyed(
    conn: sqlite3.Connection, select: str, column: str, keys: Sequence[Any]
) -> Iterator[Any]:
    """The rows of `SELECT {select} WHERE {column} IN keys`, a bounded query at a time
    (`select`: the columns and the table, e.g. "key, body FROM messages")."""
    for start in range(0, len(keys), KEYS_PER_QUERY):
        chunk = list(keys[start : start + KEYS_PER_QUERY])
        marks = ",".join("?" * len(chunk))
        yield from conn.execute(f"SELECT {select} WHERE {column} IN ({marks})", chunk)
