"""How a whole load resolves shortlog names, as an in-place update needs to know it.

A pull request's shortlog names people by name only ("Alice Example (3):"); a whole load
resolves a folded name to the person first sighted under it, in the corpus' canonical order
(`assemble.canonical_order`: date, then key), after the people named outside messages
(`name_index_of`). An update (`graphapi.region_write`) asks this for the names its region's
shortlogs use, before its new messages and with them, and which names its new messages may
resolve otherwise. Two ways to answer:

- `name_indexes`: from every message's index entry, sorted (a corpus held in memory, or a
  database whose `message_keys` are not complete yet);
- `stored_names`: from the `message_keys` rows of a database, per name asked for: the
  messages sighting it (under the folded name, or an address the mailmap gives that name
  to) earliest first, until one whose people give it. Reads a few rows per name, not the
  whole corpus.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from graphapi.identity import Identities
from graphapi.ingest import person_key
from graphapi.message_index import Entry, StoredIndex
from loaders.assembly.assemble import normalise_title
from loaders.records import Address

__all__ = ["Lookup", "Names", "name_index_of", "name_indexes", "stored_names"]


class Lookup(Protocol):
    """Folded name -> the person key it resolves to (None: nobody known by it)."""

    def get(self, folded: str, /) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Names:
    """Shortlog names before this load (`before`) and with it (`after`); `candidates`: the
    folded names this load's messages may make resolve otherwise (no other can move)."""

    before: Lookup
    after: Lookup
    candidates: Iterable[str]


def _produced(written: Address, identities: Identities) -> tuple[str, list[str]]:
    """The person key a sighting resolves to, and the folded names it is sighted under (as
    `ingest._Builder._resolve` records them: the mailmap's name, and the name as written
    when they differ)."""
    address, named_by_mailmap = identities.resolve(written)
    also = written.name if named_by_mailmap and written.name != address.name else ""
    return person_key(address), [normalise_title(n) for n in (address.name, also) if n]


def name_index_of(people: Iterable[Address], identities: Identities) -> dict[str, str]:
    """Folded name -> the person a shortlog name resolves to: the first of `people` (an
    assembly's `people`, in its order) sighted under it."""
    index: dict[str, str] = {}
    seen: set[Address] = set()
    for written in people:
        if written in seen:
            continue
        seen.add(written)
        key, names = _produced(written, identities)
        for name in names:
            index.setdefault(name, key)
    return index


def name_indexes(
    index: Mapping[str, Entry], people: Iterable[Address], added: set[str], identities: Identities
) -> Names:
    """`Names` from every message's entry (`index`), in the whole corpus' order (every
    entry is dated, or there is no region)."""
    ordered = sorted(index.values(), key=_date_and_key)
    named = list(people)
    before = name_index_of(
        named + [p for e in ordered if e.key not in added for p in e.people], identities
    )
    after = name_index_of(named + [p for e in ordered for p in e.people], identities)
    return Names(before, after, before.keys() | after.keys())


def _date_and_key(entry: Entry) -> tuple[datetime, str]:
    assert entry.date is not None  # an undated message refuses the region
    return entry.date, entry.key


def stored_names(
    index: StoredIndex, people: Iterable[Address], added: set[str], identities: Identities
) -> Names:
    """`Names` read from a database's `message_keys` (complete), per name when asked."""
    sightings = _Sightings(index, list(people), added, identities)
    candidates = {
        name
        for entry in index.entries(added).values()
        for written in entry.people
        for name in _produced(written, identities)[1]
    }
    return Names(_Side(sightings, 0), _Side(sightings, 1), candidates)


class _Sightings:
    """First sightings of folded names, before this load (0) and with it (1)."""

    def __init__(
        self, index: StoredIndex, people: list[Address], added: set[str], identities: Identities
    ) -> None:
        self._index, self._added, self._identities = index, added, identities
        self._named = name_index_of(people, identities)  # sighted before every message
        self._mailmap_names: dict[str, set[str]] = defaultdict(set)
        for entry in identities.mailmap.entries if identities.mailmap is not None else ():
            if entry.proper_name:
                address = entry.commit_email.strip().lower()
                self._mailmap_names[normalise_title(entry.proper_name)].add(address)
        self._found: dict[str, tuple[str | None, str | None]] = {}

    def first(self, folded: str) -> tuple[str | None, str | None]:
        found = self._found.get(folded)
        if found is None:
            found = self._found[folded] = self._first(folded)
        return found

    def _first(self, folded: str) -> tuple[str | None, str | None]:
        if folded in self._named:
            return self._named[folded], self._named[folded]
        before: str | None = None
        after: str | None = None
        for key in self._messages(folded):
            person = self._giver(key, folded)
            if person is None:
                continue
            after = after or person
            if key not in self._added:
                before = person
                break
        return before, after

    def _messages(self, folded: str) -> Iterator[str]:
        """Keys of the messages that may sight `folded`, earliest first (a superset: under
        that name as written, or from an address the mailmap names so)."""
        tokens = ["name:" + folded, *("mail:" + a for a in sorted(self._mailmap_names[folded]))]
        last: tuple[int, str] | None = None
        for sighting in heapq.merge(*(self._index.sightings(token) for token in tokens)):
            if sighting != last:
                last = sighting
                yield sighting[1]

    def _giver(self, key: str, folded: str) -> str | None:
        """The first person of message `key` sighted under `folded`, if any."""
        for written in self._index.entries([key])[key].people:
            person, names = _produced(written, self._identities)
            if folded in names:
                return person
        return None


class _Side:
    """One side (before or after) of `_Sightings`, as a `Lookup`."""

    def __init__(self, sightings: _Sightings, side: int) -> None:
        self._sightings, self._side = sightings, side

    def get(self, folded: str, /) -> str | None:
        return self._sightings.first(folded)[self._side]
