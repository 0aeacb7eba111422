"""Pair posted patches with the commits they became: "was it merged, which version, when".

Three signals, each kept on the pair (`Signal`):

- PATCH_ID: the commit's `git patch-id --stable` equals the mailed diff's (applied as posted);
- SUBJECT: the same author (after identity merging) and the same normalised title, the commit
  made after the posting (a patch touched up on the way in keeps its title and author);
- LINK: a `Link:` / `Message-Id:` trailer of the commit names the patch's message.

Why one winner per commit: a patch is usually posted several times (v1, v2, a resend) and every
version can match the commit's title, often its diff too. The version applied is the latest one
posted before the commit was made, so that one wins; earlier versions stay unmerged (their
series' lineage still reaches the merge). A LINK names the applied message outright, so when the
trailers are used a linked candidate is preferred; the trailers confirm matches, they are never
needed to find one (most commits carry none).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loaders.records import Address
from loaders.sources.gitrepo import CodeCommit

__all__ = ["CommitMatch", "PostedPatch", "Signal", "match_commits", "normalise_subject"]

# a subject-only pair further apart than this is a different change under a reused title
SUBJECT_WINDOW = timedelta(days=400)
# the commit's date may be written by a clock a little behind the mail server's
CLOCK_SKEW = timedelta(hours=1)


class Signal(enum.Enum):
    """Why a patch and a commit were paired."""

    PATCH_ID = "PATCH_ID"
    SUBJECT = "SUBJECT"
    LINK = "LINK"


@dataclass(frozen=True, slots=True)
class PostedPatch:
    """What the matcher needs of a mailed patch; `author` is the canonical person key."""

    key: str
    posted_at: datetime | None
    author: str
    title: str
    patch_id: str | None = None
    message_id: str | None = None
    series_key: str = ""


@dataclass(frozen=True, slots=True)
class CommitMatch:
    """A patch that became a commit, and the signals that say so (in `Signal` order)."""

    patch_key: str
    sha: str
    signals: tuple[Signal, ...]


def normalise_subject(title: str) -> str:
    """A title as compared with a commit's: case, whitespace and a final full stop folded."""
    return " ".join(title.split()).lower().rstrip(".").strip()


def _default_person(address: Address) -> str:
    return address.email.lower()


@dataclass(slots=True)
class _Index:
    """The posted patches by patch-id, by (author, subject) and by Message-ID."""

    by_patch_id: dict[str, list[PostedPatch]]
    by_subject: dict[tuple[str, str], list[PostedPatch]]
    by_message: dict[str, list[PostedPatch]]

    @staticmethod
    def of(patches: Iterable[PostedPatch]) -> _Index:
        index = _Index(defaultdict(list), defaultdict(list), defaultdict(list))
        for patch in patches:
            if patch.patch_id:
                index.by_patch_id[patch.patch_id].append(patch)
            if patch.author and patch.title:
                index.by_subject[(patch.author, normalise_subject(patch.title))].append(patch)
            if patch.message_id:
                index.by_message[patch.message_id].append(patch)
        return index


def match_commits(
    patches: Iterable[PostedPatch],
    commits: Iterable[CodeCommit],
    *,
    use_links: bool = True,
    person: Callable[[Address], str] = _default_person,
) -> list[CommitMatch]:
    """Every (patch, commit) pair found, commits in the order given.

    `person` maps a commit author to the key patch authors carry (identity merging);
    `use_links=False` withholds the trailers, as the evaluation does.
    """
    index = _Index.of(patches)
    found: list[CommitMatch] = []
    for commit in commits:
        winner = _best(_candidates(index, commit, use_links, person), commit)
        if winner is not None:
            found.append(winner)
    return found


def _candidates(
    index: _Index, commit: CodeCommit, use_links: bool, person: Callable[[Address], str]
) -> dict[str, tuple[PostedPatch, set[Signal]]]:
    """The patches any signal pairs with the commit, with the signals that do."""
    seen: dict[str, tuple[PostedPatch, set[Signal]]] = {}

    def add(items: Sequence[PostedPatch], signal: Signal) -> None:
        for patch in items:
            seen.setdefault(patch.key, (patch, set()))[1].add(signal)

    if commit.patch_id:
        add(index.by_patch_id.get(commit.patch_id, ()), Signal.PATCH_ID)
    subject = (person(commit.author), normalise_subject(commit.title))
    add(
        [p for p in index.by_subject.get(subject, ()) if _subject_in_window(p, commit)],
        Signal.SUBJECT,
    )
    if use_links:
        for message_id in commit.links:
            add(index.by_message.get(message_id, ()), Signal.LINK)
    return seen


def _aware(moment: datetime) -> datetime:
    """A date without a zone (a mail Date of `-0000`) read as UTC, so any two compare."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _subject_in_window(patch: PostedPatch, commit: CodeCommit) -> bool:
    if patch.posted_at is None:
        return False
    gap = _aware(commit.committed_at) - _aware(patch.posted_at)
    return -CLOCK_SKEW <= gap <= SUBJECT_WINDOW


def _best(
    candidates: dict[str, tuple[PostedPatch, set[Signal]]], commit: CodeCommit
) -> CommitMatch | None:
    """The linked candidate if any, else the latest posted before the commit was made."""
    if not candidates:
        return None
    linked = [c for c in candidates.values() if Signal.LINK in c[1]]
    if linked:
        pool = linked
    else:
        limit = _aware(commit.committed_at) + CLOCK_SKEW
        pool = [
            c for c in candidates.values() if c[0].posted_at and _aware(c[0].posted_at) <= limit
        ]
    if not pool:
        return None
    patch, signals = max(pool, key=lambda c: (_stamp(c[0]), c[0].key))
    ordered = tuple(s for s in Signal if s in signals)
    return CommitMatch(patch.key, commit.sha, ordered)


def _stamp(patch: PostedPatch) -> float:
    return _aware(patch.posted_at).timestamp() if patch.posted_at else float("-inf")
