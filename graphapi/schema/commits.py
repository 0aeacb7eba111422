"""Was it merged? Commits of loaded code trees, the patches they came from, series' merges.

Every field reads what `graphapi.merge_graph` wrote: Commit nodes, Patch -[MERGED_AS]->
Commit edges carrying `matchedBy`, and each series' merge summary. A graph without a code
tree has no summary, so `Series.merge` is null there rather than a misleading NOT_MERGED.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graphapi.model import EdgeKind, NodeData, NodeKind
from graphapi.schema.common import Node, parse_date
from graphapi.schema.context import Info
from graphapi.schema.errors import ApiError
from graphapi.schema.relations import resolved_at_once

if TYPE_CHECKING:
    from graphapi.schema.types import Patch, Person

__all__ = [
    "Commit",
    "MatchSignal",
    "MergeState",
    "PatchCommit",
    "SeriesMerge",
    "commit_by_sha",
    "patch_commits",
    "series_merge",
]

_TYPES = "graphapi.schema.types"
MIN_SHA_PREFIX = 7


@strawberry.enum(description="Why a patch was paired with a commit.")
class MatchSignal(enum.Enum):
    PATCH_ID = strawberry.enum_value(
        "PATCH_ID", description="The same `git patch-id --stable`: the same diff."
    )
    SUBJECT = strawberry.enum_value(
        "SUBJECT",
        description="The same author (after identity merging) and normalised title, "
        "committed after the posting.",
    )
    LINK = strawberry.enum_value(
        "LINK", description="The commit's Link: or Message-Id: trailer names the patch's mail."
    )


@strawberry.enum(description="How much of a series landed in a loaded code tree.")
class MergeState(enum.Enum):
    MERGED = strawberry.enum_value("MERGED", description="Every patch became a commit.")
    PARTIALLY_MERGED = strawberry.enum_value(
        "PARTIALLY_MERGED", description="Some patches became commits, not all."
    )
    NOT_MERGED = strawberry.enum_value(
        "NOT_MERGED", description="No patch matches a commit of the loaded trees."
    )


async def _person(info: Info, key: str | None) -> Person | None:
    from graphapi.schema.types import Person

    if not key:
        return None
    found = await info.context.dataloaders.node(NodeKind.PERSON).load(key)
    return Person.of(found) if found else None


@strawberry.type(description="A non-merge commit of a loaded code tree (`graphapi load TREE`).")
class Commit(Node):
    sha: str = strawberry.field(description="The full commit id.")
    title: str = strawberry.field(description="The first line of the commit message.")
    repository: str = strawberry.field(description="The tree it was loaded from.")
    author_name: str = strawberry.field(description="The author as the commit names them.")
    author_email: str = strawberry.field(description="The author's address in the commit.")
    committer_name: str = strawberry.field(description="Who applied it (a maintainer).")
    committer_email: str = strawberry.field(description="The committer's address.")
    authored_at: datetime | None = strawberry.field(description="The author date (UTC).")
    committed_at: datetime | None = strawberry.field(
        description="When it was applied to the tree (UTC)."
    )
    _data: strawberry.Private[NodeData]

    @strawberry.field(description="The author, when they are a person of the graph.")
    @resolved_at_once
    async def author(self, info: Info) -> Annotated[Person, strawberry.lazy(_TYPES)] | None:
        return await _person(info, self._data.get("authorKey"))

    @strawberry.field(description="The committer, when they are a person of the graph.")
    @resolved_at_once
    async def committer(self, info: Info) -> Annotated[Person, strawberry.lazy(_TYPES)] | None:
        return await _person(info, self._data.get("committerKey"))

    @strawberry.field(description="The posted patches this commit was made from.")
    @resolved_at_once
    async def patches(self, info: Info) -> list[Annotated[Patch, strawberry.lazy(_TYPES)]]:
        from graphapi.schema.types import Patch

        loader = info.context.dataloaders.related(NodeKind.COMMIT, EdgeKind.MERGED_AS, "in")
        return [Patch.of(r.node) for r in await loader.load(self._data.key)]

    @staticmethod
    def of(data: NodeData) -> Commit:
        return Commit(
            id=strawberry.ID(data.id),
            sha=data.key,
            title=data.get("title") or "",
            repository=data.get("repository") or "",
            author_name=data.get("authorName") or "",
            author_email=data.get("authorEmail") or "",
            committer_name=data.get("committerName") or "",
            committer_email=data.get("committerEmail") or "",
            authored_at=parse_date(data.get("authoredAt")),
            committed_at=parse_date(data.get("committedAt")),
            _data=data,
        )


@strawberry.type(description="A commit a patch became, and the signals that paired them.")
class PatchCommit:
    commit: Commit = strawberry.field(description="The commit.")
    matched_by: list[MatchSignal] = strawberry.field(
        description="Every signal that paired them (a trailer confirms, it is not needed)."
    )


@strawberry.type(description="Whether a series landed in a loaded code tree, and how fast.")
class SeriesMerge:
    state: MergeState = strawberry.field(description="All, some or none of it landed.")
    merged_patches: int = strawberry.field(description="Patches that became commits.")
    total_patches: int = strawberry.field(description="Patches the series has.")
    first_commit_at: datetime | None = strawberry.field(
        description="When its first commit was applied (UTC)."
    )
    last_commit_at: datetime | None = strawberry.field(
        description="When its last commit was applied (UTC)."
    )
    hours_to_merge: float | None = strawberry.field(
        description="Hours from this version's posting to its first commit."
    )
    hours_from_first_version: float | None = strawberry.field(
        description="Hours from the first version's posting to the first commit."
    )


async def patch_commits(info: Info, patch: NodeData) -> list[PatchCommit]:
    """The commits a patch became (usually one), with their signals."""
    loader = info.context.dataloaders.related(NodeKind.PATCH, EdgeKind.MERGED_AS, "out")
    return [
        PatchCommit(
            commit=Commit.of(r.node),
            matched_by=[MatchSignal(s) for s in r.edge.get("matchedBy") or []],
        )
        for r in await loader.load(patch.key)
    ]


def series_merge(series: NodeData) -> SeriesMerge | None:
    """The merge summary `sync_merges` wrote, or None when no code tree is loaded."""
    state = series.get("mergeState")
    if not state:
        return None
    return SeriesMerge(
        state=MergeState(state),
        merged_patches=int(series.get("mergedPatches") or 0),
        total_patches=int(series.get("mergeTotal") or 0),
        first_commit_at=parse_date(series.get("firstCommitAt")),
        last_commit_at=parse_date(series.get("lastCommitAt")),
        hours_to_merge=series.get("hoursToMerge"),
        hours_from_first_version=series.get("hoursToMergeFromFirstVersion"),
    )


def commit_by_sha(info: Info, sha: str) -> Commit | None:
    """A commit by its full sha or an unambiguous prefix of at least 7 hex digits."""
    value = sha.strip().lower()
    if len(value) < MIN_SHA_PREFIX or any(c not in "0123456789abcdef" for c in value):
        raise ApiError(f"'sha' must be at least {MIN_SHA_PREFIX} hex digits, got {sha!r}")
    store = info.context.store
    found = store.get_many(NodeKind.COMMIT, [value])[0]
    if found is not None:
        return Commit.of(found)
    page = store.list_nodes(NodeKind.COMMIT, prefix=value, first=2)
    if page.total > 1:
        raise ApiError(f"sha prefix {sha!r} names {page.total} commits; give more digits")
    return Commit.of(page.items[0]) if page.items else None
