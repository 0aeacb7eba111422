"""The parsed messages behind the embedded graph, kept in its database.

The embedded graph is a pure function of every message loaded so far: each load adds the new
messages here and the graph is re-assembled from all of them. So the order of loads cannot
matter (a series whose cover arrives in a later load than its patches is still one series,
a reply in a later epoch still finds its patch), and loading an archive in two halves gives
the same graph as loading it at once. Parsing, the expensive part, happens once per message.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import sys
from collections.abc import (
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
    ValuesView,
)
from dataclasses import dataclass, field
from typing import Any, Protocol

from loaders.assembly.replies import review_trailers
from loaders.mail.footers import strip_footers
from loaders.mail.patchid import patch_id
from loaders.records import Address, Message
from loaders.sources.gitrepo import CodeCommit

REUSED_SEPARATOR = "#"  # `<msgid>#<12 hex>`: the key of a different message under a used id

__all__ = ["Corpus", "Spool", "StoredMessages", "fetch", "slim"]


class Spool(Protocol):
    """Where a corpus writes its messages as they come (the load's database), and reads one
    back whole (`graphapi.snapshot`)."""

    def save(self, messages: Sequence[tuple[str, Message]]) -> None:
        """Store these messages (key, record) whole, in this order."""

    def message(self, key: str) -> Message | None:
        """The message stored under `key`, whole."""


class StoredMessages(MutableMapping[str, Message]):
    """A corpus' messages by key, in order, each read from the database only when asked
    for (an update decodes the records of its region, not all: `graphapi.region`); asking
    for all of them (`values`, `items`) reads the missing ones in one pass."""

    def __init__(
        self, keys: Iterable[str], read: Callable[[Sequence[str]], dict[str, Message]]
    ) -> None:
        self._held: dict[str, Message | None] = dict.fromkeys(keys)
        self._read = read

    def __getitem__(self, key: str) -> Message:
        held = self._held[key]
        if held is None:
            held = self._held[key] = self._read([key])[key]
        return held

    def __setitem__(self, key: str, message: Message) -> None:
        self._held[key] = message

    def __delitem__(self, key: str) -> None:
        del self._held[key]

    def __contains__(self, key: object) -> bool:
        return key in self._held

    def __iter__(self) -> Iterator[str]:
        return iter(self._held)

    def __reversed__(self) -> Iterator[str]:
        return reversed(self._held)

    def __len__(self) -> int:
        return len(self._held)

    def fetch(self, keys: Sequence[str]) -> list[Message]:
        """The messages of `keys`, the missing ones read together."""
        missing = [key for key in keys if self._held[key] is None]
        if missing:
            self._held.update(self._read(missing))
        return [self[key] for key in keys]

    def values(self) -> ValuesView[Message]:
        self.fetch(list(self._held))
        return ValuesView(self)

    def forget(self) -> None:
        """Drop every decoded message (each is read again when asked for). A whole rebuild
        calls it once assembly holds them: they die as the graph is built from it, and the
        graph grows in their place (a load's memory peak is the graph, not both)."""
        self._held = dict.fromkeys(self._held)

    def items(self) -> ItemsView[str, Message]:
        self.fetch(list(self._held))
        return ItemsView(self)


def _reversed(messages: Mapping[str, Message]) -> Iterator[str]:
    """The keys, last first (a dict's or `StoredMessages`' order)."""
    if isinstance(messages, (dict, StoredMessages)):
        return reversed(messages)
    return reversed(list(messages))


def fetch(messages: Mapping[str, Message], keys: Sequence[str]) -> list[Message]:
    """`messages[key]` for each key, read together when they are `StoredMessages`."""
    if isinstance(messages, StoredMessages):
        return messages.fetch(keys)
    return [messages[key] for key in keys]


@dataclass(slots=True)
class Corpus:
    """Messages by key in arrival order, people named outside messages, archive positions,
    and the identity and ownership files loaded (MAINTAINERS, .mailmap, aliases, company map),
    kept as text so every rebuild applies them to all messages, whatever the load order; and
    the commits of code trees with each tree's last head (a reload reads only new commits),
    so every rebuild matches all patches with all commits (`graphapi.merge_graph`)."""

    messages: MutableMapping[str, Message] = field(default_factory=dict)
    people: dict[tuple[str, str], Address] = field(default_factory=dict)
    #: Where snapshots of formats 1-3 kept public-inbox positions; read only to migrate one
    #: (cursors live in the database now, `graphapi.cursors`).
    inbox_heads: dict[str, str] = field(default_factory=dict)
    maintainers_text: str | None = None
    mailmap_text: str | None = None
    aliases_text: str | None = None
    company_map_text: str | None = None
    commits: dict[str, CodeCommit] = field(default_factory=dict)  # code trees' commits by sha
    code_heads: dict[str, str] = field(default_factory=dict)  # tree name -> last HEAD read
    #: Keys of `messages` added or replaced since the corpus was read from the database at
    #: `saved_in` (a resolved path): a write there stores only these; elsewhere, all.
    dirty: set[str] = field(default_factory=set)
    saved_in: str | None = None
    #: Where `spill` writes the dirty messages during a load (None: they stay in memory
    #: until the corpus is written). Once a message is spilled the corpus holds it `slim`.
    spool: Spool | None = None
    #: How many of `messages` (the first ones, in order) have a row in `saved_in`.
    saved_count: int = 0
    #: True once some messages are held `slim`: only `saved_in` has them whole.
    partial: bool = False
    #: One copy of each equal part slim messages hold (`slim(message, shared)`).
    shared: dict[Any, Any] = field(default_factory=dict)

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:
        """Unpickle by slot name, ignoring slots of older versions (`patch_ids`, a cache
        of formats 1 and 2) and leaving new ones at their defaults."""
        defaults = Corpus()
        for name in self.__slots__:
            object.__setattr__(self, name, state[1].get(name, getattr(defaults, name)))

    def fill_patch_ids(self) -> None:
        """Give the records of a corpus saved before patch-ids were part of `BodyInfo`
        (snapshot formats 1 and 2) their patch-ids, computed as parse_body now does."""
        for message in self.messages.values():
            info = message.info
            value = patch_id(message.body) if info.has_diff else None
            object.__setattr__(info, "patch_id", value)  # frozen record, upgraded once

    def add_messages(
        self, messages: Iterable[Message], reused: list[Message] | None = None
    ) -> list[Message]:
        """Add the messages not seen before; returns them (`reused` gets those kept under a
        Message-ID that a different message has).

        A copy of a message already held (same sender, same text once list footers and
        whitespace are set aside: cross-posted copies differ only there) is a duplicate. A
        *different* message under a Message-ID already used is kept too (issue 11, item 8):
        the earliest of them (by date, then content) holds the plain key, every other one
        `<msgid>#<first 12 hex of its content hash>`. Both keys depend only on the messages,
        never on the order of loads, so any load order gives the same graph.
        """
        added = []
        for message in messages:
            held = self.messages.get(message.key)
            if held is None:
                self.messages[message.key] = message
                self.dirty.add(message.key)
                added.append(message)
                continue
            if message.message_id is None:
                continue
            held = self._whole(message.key, held)
            if fingerprint(held) == fingerprint(message):
                continue
            if _derived(message) in self.messages:
                continue  # a copy of a variant already held under a derived key
            first, other = sorted((held, message), key=_precedence)
            derived = _derived(other)
            if derived in self.messages:
                continue  # that variant is held already
            self.messages[message.key] = first
            self.messages[derived] = dataclasses.replace(other, key=derived)
            self.dirty.update((message.key, derived))
            added.append(message)
            if reused is not None:
                reused.append(message)
        return added

    def _whole(self, key: str, held: Message) -> Message:
        """`held` with its body and commit message: read back from the spool when it was
        spilled (a message not dirty was saved), else as held."""
        if self.spool is None or key in self.dirty:
            return held
        return self.spool.message(key) or held

    def spill(self) -> None:
        """Write the dirty messages to the spool and keep them `slim` (a no-op without a
        spool). Why: a load of a million messages cannot hold every body at once.

        The rows get the places a single write at the end would give them: new keys in the
        order they were added (they are the last ones of `messages`), replaced ones in place.
        """
        if self.spool is None or not self.dirty:
            return
        added = len(self.messages) - self.saved_count
        fresh: list[str] = list(itertools.islice(_reversed(self.messages), added))[::-1]
        known = set(fresh)
        keys = fresh + sorted(key for key in self.dirty if key not in known)
        self.spool.save([(key, self.messages[key]) for key in keys])
        for key in keys:
            slim(self.messages[key], self.shared)
        self.dirty.clear()
        self.saved_count = len(self.messages)
        self.partial = True

    def add_commits(self, commits: Iterable[CodeCommit]) -> list[CodeCommit]:
        """Add the commits not seen before; returns them."""
        added = []
        for commit in commits:
            if commit.sha not in self.commits:
                self.commits[commit.sha] = commit
                added.append(commit)
        return added

    def add_people(self, people: Iterable[Address]) -> None:
        for person in people:
            self.people.setdefault((person.email, person.name), person)


def slim(message: Message, shared: dict[Any, Any] | None = None) -> None:
    """Drop, in place, the text assembly does not read (the database keeps it whole), and
    with `shared`, hold one copy of equal parts (see `_share`).

    Assembly reads a message's text only for the trailers a reply gives
    (`loaders.assembly.replies.review_trailers`): a mail with a diff gives them from its
    commit message, so its body goes; one without gives them from its body, so its commit
    message goes, and its body too when it gives none (most replies: their quoted text is
    the bulk of a list's bytes). `tests/graphapi/test_spill.py` checks that assembling slim
    messages gives the same graph.
    """
    if shared is not None:
        _share(message, shared)
    if message.info.has_diff:
        object.__setattr__(message, "body", "")
        return
    if message.info.commit_message:
        object.__setattr__(message.info, "commit_message", "")
    if message.body and next(review_trailers(message), None) is None:
        object.__setattr__(message, "body", "")


def _share(message: Message, shared: dict[Any, Any]) -> None:
    """Replace, in place, the parts many messages hold equal copies of by one copy: the
    Message-IDs a reply names (its parent's key), the sender, trailers (a reviewer's
    `Reviewed-by` repeats), files touched. Records are frozen and compared by value, so an
    equal copy is the same to every reader; a million messages hold far fewer objects."""
    one = shared.setdefault
    put = object.__setattr__
    put(message, "key", sys.intern(message.key))
    if message.in_reply_to is not None:
        put(message, "in_reply_to", sys.intern(message.in_reply_to))
    if message.references:
        put(message, "references", tuple(sys.intern(ref) for ref in message.references))
    if message.author is not None:
        put(message, "author", one(message.author, message.author))
    info = message.info
    if info.trailers:
        put(info, "trailers", tuple(one(trailer, trailer) for trailer in info.trailers))
    if info.diff_files:
        put(info, "diff_files", tuple(one(change, change) for change in info.diff_files))
    if info.diffstat is not None and info.diffstat.files:
        files = tuple(one(change, change) for change in info.diffstat.files)
        put(info.diffstat, "files", files)


def fingerprint(message: Message) -> str:
    """What makes two messages under one Message-ID the same: sender and text, with list
    footers and whitespace set aside."""
    sender = message.author.email if message.author else ""
    text = " ".join(strip_footers(message.body).split())
    digest = hashlib.sha256(f"{sender}\n{text}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def is_reused_key(key: str) -> bool:
    """A key derived for a different message under a Message-ID already used."""
    return REUSED_SEPARATOR in key and not key.startswith("synthetic:")


def _derived(message: Message) -> str:
    return f"{message.message_id}{REUSED_SEPARATOR}{fingerprint(message)[:12]}"


def _precedence(message: Message) -> tuple[bool, str, str]:
    """Earliest first (undated last), then by content: the same order whatever the arrival."""
    date = message.date.isoformat() if message.date else ""
    return (message.date is None, date, fingerprint(message))
