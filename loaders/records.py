"""Frozen records that loaders yield: the contract between parsing and the graph.

Loaders are pure (bytes in, records out). Everything here is immutable and carries no
reference to a store, so the same records can be written to networkx or Neo4j, compared in
golden tests, or pickled into a worker pool.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "Address",
    "BodyInfo",
    "DependencyKind",
    "DependencyRef",
    "Diffstat",
    "FileChange",
    "Footnote",
    "Message",
    "ShortlogGroup",
    "SubjectParts",
    "Trailer",
    "TrailerKind",
    "TrailerSource",
    "VersionLink",
]


class TrailerKind(enum.Enum):
    """The trailer kinds the API names; anything unrecognised is OTHER (never dropped)."""

    SIGNED_OFF_BY = "Signed-off-by"
    CO_DEVELOPED_BY = "Co-developed-by"
    REVIEWED_BY = "Reviewed-by"
    ACKED_BY = "Acked-by"
    TESTED_BY = "Tested-by"
    REPORTED_BY = "Reported-by"
    SUGGESTED_BY = "Suggested-by"
    CC = "Cc"
    FIXES = "Fixes"
    LINK = "Link"
    CLOSES = "Closes"
    OTHER = "Other"


class TrailerSource(enum.Enum):
    """Where a trailer was found: the patch body, a reply to it, or a reply to its cover;
    or CARRIED: given by reply to an earlier version of this same unchanged patch (same
    patch-id), applied here as b4 does. A CARRIED trailer is no new review: review counts,
    ties and first reviews leave it out."""

    BODY = "BODY"
    REPLY = "REPLY"
    COVER_REPLY = "COVER_REPLY"
    CARRIED = "CARRIED"


class DependencyKind(enum.Enum):
    """How one series needs another (the API's `DependencyKind`)."""

    PREREQUISITE = "PREREQUISITE"
    DEPENDS_ON = "DEPENDS_ON"
    BASED_ON = "BASED_ON"
    FIXUP = "FIXUP"


@dataclass(frozen=True, slots=True)
class Address:
    """A person as written in a header or trailer.

    `name` is normalised for display ("Edgecombe, Rick P" -> "Rick P Edgecombe", quotes and
    RFC 2047 removed) and may be empty; `email` is lower-cased; `raw` is the text as found.
    """

    name: str
    email: str
    raw: str = ""


@dataclass(frozen=True, slots=True)
class SubjectParts:
    """What a subject line says: `[RFC PATCH v3 07/24] title` -> version 3, number 7 of 24."""

    raw: str
    title: str
    version: int = 1
    number: int | None = None
    total: int | None = None
    is_rfc: bool = False
    is_resend: bool = False
    is_reply: bool = False
    is_patch: bool = False
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Trailer:
    """One `Name: value` trailer line. `name` is kept raw (typos included)."""

    kind: TrailerKind
    name: str
    value: str
    person: Address | None = None
    comment: str = ""


@dataclass(frozen=True, slots=True)
class FileChange:
    """A file touched by a patch; counts are None when the source does not say."""

    path: str
    insertions: int | None = None
    deletions: int | None = None
    shortened: bool = False
    binary: bool = False
    changes: int | None = None  # a diffstat line's total `N`, kept when its graph is scaled


@dataclass(frozen=True, slots=True)
class Diffstat:
    """A diffstat block: per-file lines plus the `N files changed, ...` summary."""

    files: tuple[FileChange, ...]
    files_changed: int | None = None
    insertions: int | None = None
    deletions: int | None = None


@dataclass(frozen=True, slots=True)
class Footnote:
    """A numbered reference `[N] label: url`, and the prose phrase that cites `[N]`."""

    number: str
    url: str
    label: str = ""
    citation: str = ""


@dataclass(frozen=True, slots=True)
class VersionLink:
    """A changelog pointer to an earlier version of the same series."""

    url: str
    message_id: str | None = None
    version: int | None = None
    is_rfc: bool = False


@dataclass(frozen=True, slots=True)
class DependencyRef:
    """Something a series needs: another series (by message-id, change-id, patch-id) or a tree."""

    kind: DependencyKind
    declared: bool
    label: str = ""
    url: str | None = None
    message_id: str | None = None
    change_id: str | None = None
    patch_id: str | None = None
    version: int | None = None


@dataclass(frozen=True, slots=True)
class ShortlogGroup:
    """A cover letter's `Author Name (N):` block with the full patch titles under it."""

    author_name: str
    count: int
    titles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BodyInfo:
    """Everything `parse_body` finds in a patch or cover-letter body."""

    commit_message: str = ""
    trailers: tuple[Trailer, ...] = ()
    diffstat: Diffstat | None = None
    diff_files: tuple[FileChange, ...] = ()
    footnotes: tuple[Footnote, ...] = ()
    version_links: tuple[VersionLink, ...] = ()
    dependencies: tuple[DependencyRef, ...] = ()
    base_commit: str | None = None
    base_ref: str | None = None
    change_id: str | None = None
    from_override: Address | None = None
    shortlog: tuple[ShortlogGroup, ...] = ()
    has_diff: bool = False
    patch_id: str | None = None  # `git patch-id --stable` of the diff (loaders.mail.patchid)
    # The Reviewed/Acked/...-by trailers the text gives when read as a reply
    # (`loaders.mail.replytext`); None in a record stored before they were kept.
    review_trailers: tuple[Trailer, ...] | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """One message (or digest entry) after parsing, before assembly into series.

    `key` is the Message-ID when there is one, else a deterministic synthetic key.
    `defects` lists reasons the input was not fully well-formed; a message with defects is
    still loaded as far as it could be parsed.
    """

    key: str
    origin: str
    subject: SubjectParts
    author: Address | None
    body: str
    info: BodyInfo
    message_id: str | None = None
    date: datetime | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    source_kind: str = "mail"
    defects: tuple[str, ...] = field(default_factory=tuple)
