"""Threads and series grouping: which messages are patches, covers, replies; which go together.

Series are grouped by threading first (a patch answering a cover, or patch 1/N), then by the
Patchwork fallback: same author, same version, same total, RFC or not, sent close together
(or undated, as in digests). Versions of one series are deliberately *not* threaded together
in kernel practice, so threading never merges two versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from loaders.records import Message

__all__ = [
    "SeriesGroup",
    "dedupe",
    "group_series",
    "is_cover",
    "is_patch_message",
    "thread_parents",
]

_FALLBACK_WINDOW = timedelta(hours=2)


def dedupe(messages: Iterable[Message]) -> tuple[list[Message], int]:
    """Keep the first message of each key; count the others as duplicates."""
    seen: set[str] = set()
    unique: list[Message] = []
    duplicates = 0
    for message in messages:
        if message.key in seen:
            duplicates += 1
            continue
        seen.add(message.key)
        unique.append(message)
    return unique, duplicates


def is_patch_message(message: Message) -> bool:
    """A patch or cover letter (not a reply about one)."""
    subject = message.subject
    if subject.is_reply:
        return False
    return subject.is_patch or message.info.has_diff


def is_cover(message: Message) -> bool:
    return message.subject.number == 0 and (message.subject.total or 0) > 0


def thread_parents(message: Message) -> Iterator[str]:
    """Keys of the messages this one answers, nearest first."""
    if message.in_reply_to:
        yield message.in_reply_to
    yield from reversed(message.references)


@dataclass(slots=True)
class SeriesGroup:
    """A cover (optional) and the patches that belong with it."""

    cover: Message | None
    patches: list[Message] = field(default_factory=list)

    @property
    def first(self) -> Message:
        if self.cover is not None:
            return self.cover
        return min(self.patches, key=lambda m: m.subject.number or 0)

    @property
    def key(self) -> str:
        return self.first.key


def _fallback_key(message: Message) -> tuple[str, int, bool, int]:
    subject = message.subject
    email = message.author.email if message.author else ""
    return (email, subject.version, subject.is_rfc, subject.total or 0)


def _close_in_time(a: Message, b: Message) -> bool:
    if a.date is None or b.date is None:
        return True
    return abs(a.date - b.date) <= _FALLBACK_WINDOW


class _Grouper:
    """Accumulates groups; a helper object so each rule stays a short method."""

    def __init__(self) -> None:
        self.groups: list[SeriesGroup] = []
        self.by_member: dict[str, SeriesGroup] = {}

    def add_cover(self, cover: Message) -> None:
        group = SeriesGroup(cover)
        self.groups.append(group)
        self.by_member[cover.key] = group

    def add_patch(self, patch: Message) -> None:
        group = self._threaded_group(patch) or self._fallback_group(patch)
        if group is None or self._has_number(group, patch):
            group = SeriesGroup(None)
            self.groups.append(group)
        group.patches.append(patch)
        self.by_member[patch.key] = group

    def _threaded_group(self, patch: Message) -> SeriesGroup | None:
        for parent in thread_parents(patch):
            group = self.by_member.get(parent)
            if group is not None and _fallback_key(group.first)[1:] == _fallback_key(patch)[1:]:
                return group
        return None

    def _fallback_group(self, patch: Message) -> SeriesGroup | None:
        if patch.subject.number is None:
            return None
        wanted = _fallback_key(patch)
        for group in reversed(self.groups):
            first = group.first
            if _fallback_key(first) == wanted and _close_in_time(first, patch):
                return group
        return None

    @staticmethod
    def _has_number(group: SeriesGroup, patch: Message) -> bool:
        """A second `3/5` means another send of the series (or spam): not the same group."""
        number = patch.subject.number
        return any(p.subject.number == number for p in group.patches)


def group_series(messages: Iterable[Message]) -> list[SeriesGroup]:
    """Group patch messages (covers first) into series, in arrival order."""
    patch_messages = [m for m in messages if is_patch_message(m)]
    grouper = _Grouper()
    for message in patch_messages:
        if is_cover(message):
            grouper.add_cover(message)
    for message in patch_messages:
        if not is_cover(message):
            grouper.add_patch(message)
    return grouper.groups
