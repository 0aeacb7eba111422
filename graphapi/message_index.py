"""Per message, what an update needs of it to find its region (`graphapi.region`) and the
whole corpus' first sightings of names (`region_write.name_indexes`), kept beside the
message in the database (`message_index`), so that an update decodes only the records of
its region, not every message of the corpus.

A row is written whenever its message is (`snapshot._save_messages`); a message stored by
an older version has none, and its entry is made from the message when an update needs it
(and stored then: `missing`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from graphapi.corpus import fetch
from graphapi.database import rows_keyed
from graphapi.region import links_of
from loaders.assembly.assemble import people_of
from loaders.mail.files import is_full, raw_files, shortened_tail
from loaders.records import Address, Message

__all__ = ["Entry", "StoredIndex", "entries", "entry_of", "read", "save"]


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


def save(conn: sqlite3.Connection, messages: Iterable[tuple[str, Message]]) -> None:
    """Write (or replace) the entries of `messages` (key, message)."""
    conn.executemany(
        "INSERT OR REPLACE INTO message_index (key, data) VALUES (?, ?)",
        ((key, _encode(entry_of(message))) for key, message in messages),
    )


def read(conn: sqlite3.Connection, keys: Sequence[str] | None = None) -> dict[str, Entry]:
    """The stored entries (of `keys`, or all); a message without one is left out."""
    if keys is None:
        rows: Iterable[tuple[str, str]] = conn.execute("SELECT key, data FROM message_index")
        return {key: _decode(key, data) for key, data in rows}
    rows = rows_keyed(conn, "key, data FROM message_index", "key", keys)
    return {key: _decode(key, data) for key, data in rows}


class StoredIndex:
    """The index of one database, for a load inside its write transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def read(self) -> dict[str, Entry]:
        return read(self._conn)

    def save(self, messages: Iterable[tuple[str, Message]]) -> None:
        save(self._conn, messages)


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
