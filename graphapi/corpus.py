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
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from loaders.mail.footers import strip_footers
from loaders.mail.patchid import patch_id
from loaders.records import Address, Message
from loaders.sources.gitrepo import CodeCommit

REUSED_SEPARATOR = "#"  # `<msgid>#<12 hex>`: the key of a different message under a used id

__all__ = ["Corpus"]


@dataclass(slots=True)
class Corpus:
    """Messages by key in arrival order, people named outside messages, archive positions,
    and the identity and ownership files loaded (MAINTAINERS, .mailmap, aliases, company map),
    kept as text so every rebuild applies them to all messages, whatever the load order; and
    the commits of code trees with each tree's last head (a reload reads only new commits),
    so every rebuild matches all patches with all commits (`graphapi.merge_graph`)."""

    messages: dict[str, Message] = field(default_factory=dict)
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
            if message.message_id is None or fingerprint(held) == fingerprint(message):
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
