"""The parsed messages behind the embedded graph, kept in its snapshot.

The embedded graph is a pure function of every message loaded so far: each load adds the new
messages here and the graph is re-assembled from all of them. So the order of loads cannot
matter (a series whose cover arrives in a later load than its patches is still one series,
a reply in a later epoch still finds its patch), and loading an archive in two halves gives
the same graph as loading it at once. Parsing, the expensive part, happens once per message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from loaders.gitrepo import CodeCommit
from loaders.patchid import patch_id
from loaders.records import Address, Message

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
    inbox_heads: dict[str, str] = field(default_factory=dict)
    maintainers_text: str | None = None
    mailmap_text: str | None = None
    aliases_text: str | None = None
    company_map_text: str | None = None
    commits: dict[str, CodeCommit] = field(default_factory=dict)  # code trees' commits by sha
    code_heads: dict[str, str] = field(default_factory=dict)  # tree name -> last HEAD read

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

    def add_messages(self, messages: Iterable[Message]) -> list[Message]:
        """Add the messages not seen before; returns them (first of each key)."""
        added = []
        for message in messages:
            if message.key not in self.messages:
                self.messages[message.key] = message
                added.append(message)
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
