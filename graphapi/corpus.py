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

from loaders.patchid import patch_id
from loaders.records import Address, Message

__all__ = ["Corpus"]


@dataclass(slots=True)
class Corpus:
    """Messages by key in arrival order, people named outside messages, archive positions,
    and the identity and ownership files loaded (MAINTAINERS, .mailmap, aliases, company map),
    kept as text so every rebuild applies them to all messages, whatever the load order."""

    messages: dict[str, Message] = field(default_factory=dict)
    people: dict[tuple[str, str], Address] = field(default_factory=dict)
    inbox_heads: dict[str, str] = field(default_factory=dict)
    maintainers_text: str | None = None
    mailmap_text: str | None = None
    aliases_text: str | None = None
    company_map_text: str | None = None
    patch_ids: dict[str, str | None] = field(default_factory=dict)

    def patch_ids_for_prerequisites(self) -> dict[str, str]:
        """Patch-ids of the patches, computed (once, then kept) only when some message
        names a prerequisite by patch-id: `git patch-id --stable` costs a pass over the diff."""
        if not any(d.patch_id for m in self.messages.values() for d in m.info.dependencies):
            return {}
        for key, message in self.messages.items():
            if key not in self.patch_ids and message.info.has_diff and not message.subject.is_reply:
                self.patch_ids[key] = patch_id(message.body)
        return {key: pid for key, pid in self.patch_ids.items() if pid}

    def add_messages(self, messages: Iterable[Message]) -> list[Message]:
        """Add the messages not seen before; returns them (first of each key)."""
        added = []
        for message in messages:
            if message.key not in self.messages:
                self.messages[message.key] = message
                added.append(message)
        return added

    def add_people(self, people: Iterable[Address]) -> None:
        for person in people:
            self.people.setdefault((person.email, person.name), person)
