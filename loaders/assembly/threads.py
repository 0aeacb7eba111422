"""Threads and series grouping: which messages are patches, covers, replies; which go together.

Series are grouped by threading first (a patch answering a cover, or patch 1/N), then by the
Patchwork fallback: same author, same version, same total, RFC or not, sent close together
(or undated, as in digests). Versions of one series are deliberately *not* threaded together
in kernel practice, so threading never merges two versions.

A patch whose In-Reply-To is a member of a group (its cover, or the previous patch when sent
with --chain-reply-to) and that has the same total joins that group whatever its version
label: `[PATCH net-next v3 0/4]` answered by unlabeled `[PATCH 1/4]`..`[PATCH 4/4]` is one
series, and so is a `v2 00/16` cover answered by `v3` patches (a label typo in one mail).
Which version the series gets is `SeriesGroup.version`.

Pull requests (`[GIT PULL]`, `[GIT PULL n/N]`) are grouped apart: the patches of a pull bomb
keep their original authors, so the same-author fallback would split them; instead every
pull message joins the pull group of any message above it in its thread, and is never split.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from loaders.records import Message

__all__ = [
    "SeriesGroup",
    "first_of_each_key",
    "group_series",
    "is_backport",
    "is_cover",
    "is_patch_message",
    "is_pull_request",
    "labelled_version",
    "thread_parents",
]

_FALLBACK_WINDOW = timedelta(hours=2)
# An explicit version label in the bracket prefix: `v3`, `PATCHv3`, `RFC-v2` (not `1/4`).
# A stable-tree target in the prefix: `[PATCH 5.4 12/99]`, `[PATCH 6.1.y]`, `[PATCH AUTOSEL ...]`.
_STABLE_TAG = re.compile(r"^(?:\d+\.\d+(?:\.\d+)?(?:\.y|-stable)?|autosel|stable)$", re.IGNORECASE)
_LABEL = re.compile(r"(?<![a-z0-9])(?:patch|rfc)?[-_]?v(\d{1,6})(?![0-9])", re.IGNORECASE)


def first_of_each_key(messages: Iterable[Message]) -> tuple[list[Message], int]:
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


def is_pull_request(message: Message) -> bool:
    """A `[GIT PULL]` mail or one mail of a `[GIT PULL n/N]` bomb (also `[PULL ...]`)."""
    return any(tag.upper() == "PULL" for tag in message.subject.tags)


def is_backport(message: Message) -> bool:
    """A stable-tree backport or stable review mail (`[PATCH 5.4 12/99]`, `AUTOSEL`): the
    patch of an earlier series sent again for another tree, not a new version of it."""
    return any(_STABLE_TAG.match(tag) for tag in message.subject.tags)


def is_patch_message(message: Message) -> bool:
    """A patch, cover letter or pull request (not a reply about one).

    A reply is known by `Re:`, or, as b4 reads it, by answering another message with no diff
    of its own: an unnumbered `[PATCH]` subject kept by a reply that lost its `Re:` (a
    numbered one is a patch of a thread, whatever its body).
    """
    subject = message.subject
    if subject.is_reply:
        return False
    if is_pull_request(message):
        return True
    if message.info.has_diff:
        return True
    answers = message.in_reply_to is not None and subject.number is None
    return subject.is_patch and not answers


def is_cover(message: Message) -> bool:
    """A `0/N` cover, or a pull request mail that carries no diff (the request itself)."""
    subject = message.subject
    if subject.number == 0 and (subject.total or 0) > 0:
        return True
    return subject.number is None and is_pull_request(message) and not message.info.has_diff


def labelled_version(message: Message) -> int | None:
    """The version the subject's bracket prefix states, or None when it states none
    (`SubjectParts.version` says 1 for both `[PATCH v1 1/4]` and `[PATCH 1/4]`)."""
    raw, title = message.subject.raw, message.subject.title
    cut = raw.rfind(title) if title else -1
    match = _LABEL.search(raw[:cut] if cut > 0 else raw)
    return int(match.group(1)) if match else None


def thread_parents(message: Message) -> Iterator[str]:
    """Keys of the messages this one answers, nearest first."""
    if message.in_reply_to:
        yield message.in_reply_to
    yield from reversed(message.references)


@dataclass(slots=True)
class SeriesGroup:
    """A cover (optional) and the patches that belong with it.

    `first` and `is_pull` are asked for very often while grouping (every lookup, every
    member's alias), so they are kept, and updated as patches join through `add`: a group
    without cover is led by its lowest-numbered patch (the earliest of equals), which a
    lower-numbered patch joining later replaces.
    """

    cover: Message | None
    patches: list[Message] = field(default_factory=list)
    _first: Message | None = field(default=None, init=False, repr=False, compare=False)
    _pull: bool = field(default=False, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._lead(self.cover, *self.patches)

    def add(self, patch: Message) -> None:
        """Append a patch (the one way members join, so `first` stays true)."""
        self.patches.append(patch)
        if self.cover is None:
            self._lead(patch)

    def _lead(self, *candidates: Message | None) -> None:
        for message in candidates:
            if message is None:
                continue
            current = self._first
            if current is None or (message.subject.number or 0) < (current.subject.number or 0):
                self._first, self._pull = message, is_pull_request(message)
            if message is self.cover:
                return  # a cover leads whatever patches there are

    @property
    def first(self) -> Message:
        assert self._first is not None, "a group has a cover or a patch"
        return self._first

    @property
    def key(self) -> str:
        return self.first.key

    @property
    def is_pull(self) -> bool:
        return self._pull

    @property
    def version(self) -> int:
        """The cover's label, the usual truth; but when every patch states one same other
        label (a `v2 00/16` cover over sixteen `v3` patches), the patches outvote it.
        Unlabeled patches state nothing, so `v3 0/4` over `1/4`..`4/4` stays v3."""
        stated = self.first.subject.version
        if self.cover is None or not self.patches:
            return stated
        labels = Counter(labelled_version(p) for p in self.patches)
        if len(labels) == 1:
            (only,) = labels
            if only is not None and only != stated:
                return only
        return stated


def _fallback_key(message: Message) -> tuple[str, int, bool, int]:
    subject = message.subject
    email = message.author.email if message.author else ""
    return (email, subject.version, subject.is_rfc, subject.total or 0)


def _close_in_time(a: Message, b: Message) -> bool:
    if a.date is None or b.date is None:
        return True
    return abs(a.date - b.date) <= _FALLBACK_WINDOW


_FallbackKey = tuple[str, int, bool, int]


class _Grouper:
    """Accumulates groups; a helper object so each rule stays a short method.

    The fallback looks for the most recently created group, not a pull request, whose first
    message has the patch's fallback key: `by_fallback` holds, per key, the groups whose
    first message has it now, in creation order (a group moves when a lower-numbered patch
    from elsewhere becomes its first), so a lookup reads only the groups of that key.
    """

    def __init__(self) -> None:
        self.groups: list[SeriesGroup] = []
        self.by_member: dict[str, SeriesGroup] = {}
        self.by_fallback: dict[_FallbackKey, list[tuple[int, SeriesGroup]]] = {}
        # per group (by id): its creation index, its fallback key (None: a pull request,
        # never a fallback), and the patch numbers it holds
        self.created: dict[int, int] = {}
        self.indexed: dict[int, _FallbackKey | None] = {}
        self.numbers: dict[int, set[int | None]] = {}

    def add_cover(self, cover: Message) -> None:
        group = self._new_group(cover)
        self.by_member[cover.key] = group

    def add_patch(self, patch: Message) -> None:
        if is_pull_request(patch):
            group = self._pull_group(patch)
        else:
            group = (
                self._answered_group(patch)
                or self._threaded_group(patch)
                or self._fallback_group(patch)
            )
            if group is not None and self._has_number(group, patch):
                group = None
        if group is None:
            group = self._new_group(None)
        group.add(patch)
        self.numbers[id(group)].add(patch.subject.number)
        self._reindex(group)
        self.by_member[patch.key] = group

    def _new_group(self, cover: Message | None) -> SeriesGroup:
        group = SeriesGroup(cover)
        self.created[id(group)] = len(self.groups)
        self.groups.append(group)
        self.numbers[id(group)] = set()
        self.indexed[id(group)] = None
        if cover is not None:
            self._reindex(group)
        return group

    def _reindex(self, group: SeriesGroup) -> None:
        """File the group under its first message's fallback key, if that changed."""
        wanted = None if group.is_pull else _fallback_key(group.first)
        filed = self.indexed[id(group)]
        if wanted == filed:
            return
        if filed is not None:
            entries = self.by_fallback[filed]
            entries.pop(next(i for i, (_, g) in enumerate(entries) if g is group))
        if wanted is not None:
            bisect.insort(
                self.by_fallback.setdefault(wanted, []),
                (self.created[id(group)], group),
                key=_index_of,
            )
        self.indexed[id(group)] = wanted

    def _pull_group(self, patch: Message) -> SeriesGroup | None:
        """The pull request above this mail in its thread: one pull is never split."""
        for parent in thread_parents(patch):
            group = self.by_member.get(parent)
            if group is not None and group.is_pull:
                return group
        return None

    def _answered_group(self, patch: Message) -> SeriesGroup | None:
        """The group of the message this patch directly answers, when the totals agree:
        labels may disagree (see module docstring), the thread and the count do not."""
        group = self.by_member.get(patch.in_reply_to or "")
        if group is None or group.is_pull:
            return None
        first = group.first.subject
        same_total = (first.total or 0) == (patch.subject.total or 0)
        return group if same_total and patch.subject.total else None

    def _threaded_group(self, patch: Message) -> SeriesGroup | None:
        for parent in thread_parents(patch):
            group = self.by_member.get(parent)
            if group is None or group.is_pull:
                continue
            if _fallback_key(group.first)[1:] == _fallback_key(patch)[1:]:
                return group
        return None

    def _fallback_group(self, patch: Message) -> SeriesGroup | None:
        """The newest group of the patch's fallback key whose first was sent close to it."""
        if patch.subject.number is None:
            return None
        for _, group in reversed(self.by_fallback.get(_fallback_key(patch), ())):
            if _close_in_time(group.first, patch):
                return group
        return None

    def _has_number(self, group: SeriesGroup, patch: Message) -> bool:
        """A second `3/5` means another send of the series (or spam): not the same group."""
        return patch.subject.number in self.numbers[id(group)]


def _index_of(entry: tuple[int, SeriesGroup]) -> int:
    return entry[0]


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
