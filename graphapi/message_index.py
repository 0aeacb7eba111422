"""Per message, what an update needs of it to find its region (`graphapi.region`) and the
whole corpus' first sightings of names (`graphapi.region_names`), kept beside the
message in the database (`message_index`), so that an update decodes only the records of
its region, not every message of the corpus.

A row is written whenever its message is (`snapshot._save_messages`); a message stored by
an older version has none, and its entry is made from the message when an update needs it
(and stored then: `missing`).

The same entries are kept as rows by token (`message_keys`: a link key, a full path, a
shortened tail, a folded name or address sighted; with the message's date), so an update
walks from its new messages to its region and finds names' first sightings by key, in SQL
(`StoredIndex`, `region.walk_region`, `region_names.stored_names`), instead of reading
every entry. A database begun by this version keeps them complete (`begin`); an older one
gets them at its first update, which reads every entry once more (`StoredIndex.fill`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from graphapi.corpus import fetch
from graphapi.database import get_meta, rows_keyed, set_meta
from graphapi.region import UNDATED, links_of
from loaders.assembly.assemble import normalise_title, people_of
from loaders.mail.files import is_full, raw_files, shortened_tail
from loaders.records import Address, Message

__all__ = [
    "KEYS_COMPLETE",
    "UNDATED",
    "Entry",
    "StoredIndex",
    "at_of",
    "begin",
    "entries",
    "entry_of",
    "flush",
    "read",
    "save",
    "tokens_of",
]


@dataclass(frozen=True, slots=True)
class Entry:
    """One message as an update sees it: its date (None: undated), whether it is a digest
    entry, its link keys, the full file paths it states, the shortened tails it states,
    and the people it names in `assemble.people_of`'s order."""

    key: str
    date: datetime | None
    digest: bool
    links: tuple[str, ...]
    known: tuple[str, ...]
    tails: tuple[str, ...]
    people: tuple[Address, ...]


def entry_of(message: Message) -> Entry:
    known: list[str] = []
    tails: list[str] = []
    for change in raw_files(message):
        tail = shortened_tail(change.path)
        if tail is not None:
            tails.append(tail)
        elif is_full(change):
            known.append(change.path)
    return Entry(
        key=message.key,
        date=message.date,
        digest=message.source_kind == "digest",
        links=tuple(dict.fromkeys(links_of(message))),
        known=tuple(known),
        tails=tuple(tails),
        people=tuple(people_of([message])),
    )


_LINKS = 2  # where `_encode` puts an entry's link keys


def _encode(entry: Entry) -> str:
    return json.dumps(
        [
            entry.date.isoformat() if entry.date else None,
            int(entry.digest),
            entry.links,
            entry.known,
            entry.tails,
            [[p.name, p.email, p.raw] for p in entry.people],
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _decode(key: str, text: str) -> Entry:
    date, digest, links, known, tails, people = json.loads(text)
    return Entry(
        key=key,
        date=datetime.fromisoformat(date) if date else None,
        digest=bool(digest),
        links=tuple(links),
        known=tuple(known),
        tails=tuple(tails),
        people=tuple(Address(*person) for person in people),
    )


#: `meta` row present once every message of the database has its `message_keys` rows (a
#: database begun by this version, or filled by its first update: `StoredIndex.fill`).
KEYS_COMPLETE = "message_keys"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def at_of(date: datetime | None) -> int:
    """A date as whole microseconds since the epoch (UTC; a naive date taken as UTC): the
    rows sort as `assemble.canonical_order` sorts dates (0: undated)."""
    if date is None:
        return 0
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return (date - _EPOCH) // _MICROSECOND


def tokens_of(entry: Entry) -> Iterator[str]:
    """What an update looks a message up by (`message_keys`): its link keys, the full
    paths and shortened tails it states, the folded names and addresses it sights."""
    if entry.date is None or entry.digest:
        yield UNDATED
    for link in entry.links:
        yield "link:" + link
    for path in entry.known:
        yield "path:" + path
    for tail in entry.tails:
        yield "tail:" + tail
    for person in entry.people:
        if person.name:
            yield "name:" + normalise_title(person.name)
        yield "mail:" + person.email.strip().lower()


def _key_rows(entries: Iterable[Entry]) -> Iterator[tuple[str, int, str]]:
    for entry in entries:
        at = at_of(entry.date)
        for token in dict.fromkeys(tokens_of(entry)):
            yield token, at, entry.key


def save(conn: sqlite3.Connection, messages: Iterable[tuple[str, Message]]) -> None:
    """Write (or replace) the entries of `messages` (key, message), with their
    `message_keys` rows (a replaced entry's rows go first)."""
    made = {key: entry_of(message) for key, message in messages}
    if not made:
        return
    replaced = read(conn, list(made))
    _stage(conn)
    if replaced:
        gone = list(_key_rows(replaced.values()))
        conn.executemany("DELETE FROM message_keys WHERE token = ? AND at = ? AND key = ?", gone)
        # the staging table has no index: one scan for all the replaced keys, not one a row
        keys = list(replaced)
        for at in range(0, len(keys), 500):
            chunk = keys[at : at + 500]
            marks = ", ".join("?" * len(chunk))
            conn.execute(f"DELETE FROM {_STAGED} WHERE key IN ({marks})", chunk)
    conn.executemany(
        "INSERT OR REPLACE INTO message_index (key, data) VALUES (?, ?)",
        ((key, _encode(entry)) for key, entry in made.items()),
    )
    conn.executemany(f"INSERT INTO {_STAGED} VALUES (?, ?, ?)", _key_rows(made.values()))


#: Where `save` puts `message_keys` rows until `flush` (a connection's temporary table):
#: inserted as they come, a fresh load's quarter of a million rows land at random places of
#: the table's b-tree (1.3 s on virtualization); moved over sorted, they are appended.
_STAGED = "temp.message_keys_staged"


def _stage(conn: sqlite3.Connection) -> None:
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {_STAGED} (token TEXT NOT NULL, at INTEGER NOT NULL, "
        "key TEXT NOT NULL)"
    )


def flush(conn: sqlite3.Connection) -> None:
    """Move the rows `save` staged into `message_keys`, in its key order (before anything
    reads the table, and before the load commits)."""
    staged = conn.execute(
        "SELECT 1 FROM sqlite_temp_master WHERE name = 'message_keys_staged'"
    ).fetchone()
    if staged is None:
        return
    conn.execute(
        f"INSERT OR IGNORE INTO message_keys SELECT token, at, key FROM {_STAGED} "
        "ORDER BY token, at, key"
    )
    conn.execute(f"DELETE FROM {_STAGED}")


def begin(conn: sqlite3.Connection) -> None:
    """Mark a database that holds no message yet as keeping `message_keys` complete (every
    message it will hold gets its rows as it is saved)."""
    if conn.execute("SELECT 1 FROM messages LIMIT 1").fetchone() is None:
        set_meta(conn, KEYS_COMPLETE, "1")


def read(conn: sqlite3.Connection, keys: Sequence[str] | None = None) -> dict[str, Entry]:
    """The stored entries (of `keys`, or all); a message without one is left out."""
    rows: Iterable[tuple[str, str]] = (
        conn.execute("SELECT key, data FROM message_index")
        if keys is None
        else rows_keyed(conn, "key, data FROM message_index", "key", keys)
    )
    return {key: _decode(key, data) for key, data in rows}


class StoredIndex:
    """The index of one database, for a load inside its write transaction: the entries,
    and the `message_keys` rows an update walks (`graphapi.region.walk_region`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._held: dict[str, Entry] = {}

    def read(self) -> dict[str, Entry]:
        return read(self._conn)

    def save(self, messages: Iterable[tuple[str, Message]]) -> None:
        save(self._conn, messages)

    @property
    def complete(self) -> bool:
        """Whether every stored message has its `message_keys` rows (staged ones moved in:
        an update reads the table next)."""
        flush(self._conn)
        return get_meta(self._conn, KEYS_COMPLETE) is not None

    def fill(self, entries: Iterable[Entry]) -> None:
        """Give these entries (every message's) their `message_keys` rows; complete then."""
        rows = sorted(_key_rows(entries))  # appended in the table's order, not scattered
        self._conn.executemany("INSERT OR IGNORE INTO message_keys VALUES (?, ?, ?)", rows)
        set_meta(self._conn, KEYS_COMPLETE, "1")

    def entries(self, keys: Iterable[str]) -> dict[str, Entry]:
        """The entries of `keys` (each decoded once per load)."""
        held = self._held
        missing = [key for key in dict.fromkeys(keys) if key not in held]
        held.update(read(self._conn, missing))
        return {key: held[key] for key in keys if key in held}

    def links(self, keys: Sequence[str]) -> Iterator[str]:
        """The link keys of the entries of `keys` (only they decoded: what a walk reads of
        every message of its region)."""
        loads = json.loads
        for _key, data in rows_keyed(self._conn, "key, data FROM message_index", "key", keys):
            yield from loads(data)[_LINKS]

    def keys_with(self, tokens: Iterable[str]) -> set[str]:
        """The messages holding any of these tokens."""
        select = "key FROM message_keys"
        return {key for (key,) in rows_keyed(self._conn, select, "token", sorted(set(tokens)))}

    def holds(self, token: str) -> bool:
        """Whether any message holds `token`."""
        row = self._conn.execute("SELECT 1 FROM message_keys WHERE token = ? LIMIT 1", (token,))
        return row.fetchone() is not None

    def distinct(self, prefix: str) -> Iterator[str]:
        """Every token starting with `prefix`, once (without the prefix): the table is
        sorted by token, so SQLite skips a token's repeats without handing them over (a
        path named by a hundred messages is one row here, not a hundred)."""
        high = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        rows = self._conn.execute(
            "SELECT DISTINCT token FROM message_keys WHERE token >= ? AND token < ?",
            (prefix, high),
        )
        return (token[len(prefix) :] for (token,) in rows)

    def holders(self, tokens: Iterable[str]) -> Iterator[tuple[str, str]]:
        """(token, message key) of every message holding any of these tokens."""
        select = "token, key FROM message_keys"
        return iter(rows_keyed(self._conn, select, "token", sorted(set(tokens))))

    def sightings(self, token: str) -> Iterator[tuple[int, str]]:
        """(at, key) of the messages holding `token`, earliest first (then by key)."""
        rows = self._conn.execute(
            "SELECT at, key FROM message_keys WHERE token = ? ORDER BY at, key", (token,)
        )
        return iter(rows)


def entries(messages: Mapping[str, Message], index: StoredIndex | None) -> dict[str, Entry]:
    """Every message's entry, in the corpus' order: stored ones as stored, the others made
    from their messages (read together) and stored for next time."""
    stored = index.read() if index is not None else {}
    missing = [key for key in messages if key not in stored]
    unindexed = fetch(messages, missing)
    made = dict(zip(missing, map(entry_of, unindexed), strict=True))
    if index is not None and missing:
        index.save(zip(missing, unindexed, strict=True))
    return {key: stored[key] if key in stored else made[key] for key in messages}
