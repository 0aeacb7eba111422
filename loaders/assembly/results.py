"""Records that assembly produces: series, patches, trailers in context, people seen.

These are still loader records (no store, no graph): `graphapi.ingest` maps them onto the
graph ontology. Keys are stable across loads so writing the same records twice changes
nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from loaders.records import (
    Address,
    DependencyRef,
    FileChange,
    Message,
    Trailer,
    TrailerSource,
)

__all__ = [
    "Assembly",
    "LinkedBy",
    "PatchRecord",
    "SeriesKind",
    "SeriesRecord",
    "TrailerUse",
    "VersionEdge",
]


class SeriesKind(enum.Enum):
    """A patch series, or a pull request (`[GIT PULL]`), which is not reviewed as patches."""

    PATCH_SERIES = "PATCH_SERIES"
    PULL_REQUEST = "PULL_REQUEST"


class LinkedBy(enum.Enum):
    """How a version link was found, strongest evidence first.

    CHANGELOG: a `Link to v2:` / `v2: <url>` line names the earlier version;
    CHANGE_ID: b4's `change-id:` is the same; MSGID_SLUG: b4 message-ids carry the same slug;
    PATCH_IDS: a patch of the newer one is byte-for-byte (`git patch-id`) one of the older;
    PATCH_TITLES: the same author sent the same set of patch titles (a re-roll without cover);
    TITLE: the same author sent the same (specific) cover or patch title.
    """

    CHANGELOG = "CHANGELOG"
    CHANGE_ID = "CHANGE_ID"
    MSGID_SLUG = "MSGID_SLUG"
    PATCH_IDS = "PATCH_IDS"
    PATCH_TITLES = "PATCH_TITLES"
    TITLE = "TITLE"


@dataclass(frozen=True, slots=True)
class TrailerUse:
    """A trailer placed on a patch, with where it came from and who sent it.

    `mismatch` marks a reply trailer naming someone other than the reply's sender (someone
    passing on another's tag): kept, but flagged, as b4 does.
    """

    trailer: Trailer
    source: TrailerSource = TrailerSource.BODY
    message_key: str = ""
    mismatch: bool = False
    date: datetime | None = None


@dataclass(frozen=True, slots=True)
class PatchRecord:
    """One patch (`M/N`, M >= 1, or an unnumbered single patch) of a series."""

    key: str
    message_id: str | None
    subject: str
    title: str
    number: int
    total: int
    version: int
    is_rfc: bool
    series_key: str
    lineage: str
    author: Address | None = None
    date: datetime | None = None
    trailers: tuple[TrailerUse, ...] = ()
    files: tuple[FileChange, ...] = ()
    insertions: int | None = None
    deletions: int | None = None


@dataclass(frozen=True, slots=True)
class SeriesRecord:
    """A series: the cover (optional) and its patches; or a placeholder pointed at.

    A placeholder (`resolved=False`) is known only because something links to it (an
    earlier version, a dependency) and carries what the link said (message-id, version,
    label). It resolves when a load brings the series itself under the same key.
    """

    key: str
    title: str
    version: int
    is_rfc: bool
    total: int
    resolved: bool = True
    message_id: str | None = None
    author: Address | None = None
    date: datetime | None = None
    cover_key: str | None = None
    numbers_seen: tuple[int, ...] = ()
    base_commit: str | None = None
    base_ref: str | None = None
    change_id: str | None = None
    url: str | None = None
    dependencies: tuple[DependencyRef, ...] = ()
    files: tuple[FileChange, ...] = ()
    contributors: tuple[tuple[str, int], ...] = ()
    is_resend: bool = False
    kind: SeriesKind = SeriesKind.PATCH_SERIES
    is_backport: bool = False  # a stable backport (`[PATCH 5.4 3/9]`): never a re-roll
    patch_titles: frozenset[str] = frozenset()  # normalised, to match a cover-less re-roll
    # (`git patch-id --stable`, normalised title) of each patch: the same change, sent again
    patch_fingerprints: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True, slots=True)
class VersionEdge:
    """`newer` is the next version after `older` in one lineage; `linked_by` says which
    evidence made the link (a changelog pointer is the best, a title match the weakest)."""

    newer: str
    older: str
    linked_by: LinkedBy = LinkedBy.CHANGELOG


@dataclass(slots=True)
class Assembly:
    """Everything one load adds, ready to be written to a store."""

    messages: list[Message] = field(default_factory=list)
    series: list[SeriesRecord] = field(default_factory=list)
    patches: list[PatchRecord] = field(default_factory=list)
    versions: list[VersionEdge] = field(default_factory=list)
    people: list[Address] = field(default_factory=list)
    duplicates: int = 0
    aliases: dict[str, str] = field(default_factory=dict)

    def counts(self) -> tuple[int, int]:
        """How many series (resolved ones) and patches it holds, as a load reports them."""
        return sum(1 for s in self.series if s.resolved), len(self.patches)

    def series_key(self, key: str) -> str:
        """The loaded series a message-id names (a patch's id names its series)."""
        return self.aliases.get(key, key)
