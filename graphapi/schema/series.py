"""Series, patches and messages in the API: versions, dependencies, trailers, first reviews."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graphapi.model import (
    DependencyKind,
    EdgeKind,
    LinkedBy,
    NodeData,
    NodeKind,
    SeriesKind,
    TrailerKind,
    TrailerSource,
)
from graphapi.schema.commits import PatchCommit, SeriesMerge, patch_commits, series_merge
from graphapi.schema.common import (
    Node,
    Top,
    parse_date,
)
from graphapi.schema.context import Info
from graphapi.schema.errors import check_first
from graphapi.schema.files import FileTouch, touches
from graphapi.schema.people import Person, PersonCount, ReviewTie
from graphapi.schema.relations import kind_names, neighbour, related, resolved_at_once
from graphapi.store.base import Related, TieQuery

if TYPE_CHECKING:
    from graphapi.schema.subsystems import SeriesSubsystem

__all__ = ["Dependency", "FirstReview", "Message", "Patch", "Series", "Trailer"]


@strawberry.type(description="One trailer line of a patch, from its body or from a reply.")
class Trailer:
    kind: TrailerKind = strawberry.field(
        description="The normalised kind (typos such as Reviwed-by are recognised)."
    )
    name: str = strawberry.field(description="The name as written, typos included.")
    value: str = strawberry.field(description="The value as written, comments included.")
    person: Person | None = strawberry.field(
        description="The person a person-valued trailer names; null for Fixes, Link, ..."
    )
    source: TrailerSource = strawberry.field(description="Where the trailer was found.")
    mismatch: bool = strawberry.field(
        description="A reply trailer naming someone other than its sender."
    )


@strawberry.type(description="A patch: one numbered message of a series (or a single patch).")
class Patch(Node):
    message_id: str | None = strawberry.field(
        description="The Message-ID (without <>); null only for digest entries."
    )
    subject: str = strawberry.field(description="The subject line as sent, prefixes included.")
    title: str = strawberry.field(description="The subject without [PATCH ...] prefixes.")
    number: int = strawberry.field(description="M of [PATCH M/N]; 1 for a single patch.")
    total: int = strawberry.field(description="N of [PATCH M/N]; 1 for a single patch.")
    version: int = strawberry.field(description="vN of the subject; 1 when unlabeled.")
    date: datetime | None = strawberry.field(description="The Date: header, in UTC.")
    insertions: int | None = strawberry.field(description="Lines added by the diff.")
    deletions: int | None = strawberry.field(description="Lines removed by the diff.")
    _data: strawberry.Private[NodeData]

    @strawberry.field(description="The series this patch is part of.")
    @resolved_at_once
    async def series(self, info: Info) -> Series | None:
        return info.context.objects.optional(
            Series.of, await neighbour(info, self._data, EdgeKind.PART_OF, "out")
        )

    @strawberry.field(
        description="The author: a first body line `From:` when present, else the sender."
    )
    @resolved_at_once
    async def author(self, info: Info) -> Person | None:
        return info.context.objects.optional(
            Person.of, await neighbour(info, self._data, EdgeKind.AUTHORED, "in")
        )

    @strawberry.field(description="Trailers in body order, then those given in replies.")
    @resolved_at_once
    async def trailers(
        self,
        info: Info,
        kinds: Annotated[
            list[TrailerKind] | None,
            strawberry.argument(description="Only trailers of these kinds (default: all)."),
        ] = None,
    ) -> list[Trailer]:
        wanted = {k.name for k in kinds} if kinds else None
        found = await related(info, self._data, EdgeKind.TRAILER, "in")
        rows: list[tuple[dict[str, Any], Person | None]] = [
            (r.edge, info.context.objects.of(Person.of, r.node)) for r in found
        ]
        rows += [(t, None) for t in self._data.get("otherTrailers") or []]
        rows.sort(key=lambda row: row[0].get("order", 0))
        return [
            _trailer(edge, person)
            for edge, person in rows
            if wanted is None or edge["trailerKind"] in wanted
        ]

    @strawberry.field(description="Files the patch's diff touches (else its diffstat's).")
    @resolved_at_once
    async def files(self, info: Info) -> list[FileTouch]:
        return await touches(info, self._data)

    @strawberry.field(description="The commits of loaded code trees this patch became.")
    @resolved_at_once
    async def commits(self, info: Info) -> list[PatchCommit]:
        return await patch_commits(info, self._data)

    @strawberry.field(description="The commits this patch fixes (values of its Fixes: trailers).")
    def fixes(self) -> list[str]:
        return [
            t["value"] for t in self._data.get("otherTrailers") or [] if t["trailerKind"] == "FIXES"
        ]

    @staticmethod
    def of(data: NodeData) -> Patch:
        return Patch(
            id=strawberry.ID(data.id),
            message_id=data.get("messageId"),
            subject=data.get("subject") or "",
            title=data.get("title") or "",
            number=data.get("number") or 0,
            total=data.get("total") or 0,
            version=data.get("version") or 1,
            date=parse_date(data.get("date")),
            insertions=data.get("insertions"),
            deletions=data.get("deletions"),
            _data=data,
        )


def _trailer(edge: dict[str, Any], person: Person | None) -> Trailer:
    return Trailer(
        kind=TrailerKind[edge["trailerKind"]],
        name=edge["name"],
        value=edge["value"],
        person=person,
        source=TrailerSource(edge["source"]),
        mismatch=bool(edge.get("mismatch")),
    )


@strawberry.type(description="A message: a cover letter, patch, or reply.")
class Message(Node):
    message_id: str | None = strawberry.field(
        description="The Message-ID (without <>); null only for digest entries."
    )
    subject: str = strawberry.field(description="The Subject: header, decoded.")
    date: datetime | None = strawberry.field(description="The Date: header, in UTC.")
    _data: strawberry.Private[NodeData]

    @strawberry.field(
        description="The text body (the first text part of MIME mail; at most 256 KiB). "
        "Read from the database only when asked for."
    )
    @resolved_at_once
    async def body(self, info: Info) -> str:
        return await info.context.dataloaders.message_bodies().load(self._data.key) or ""

    @strawberry.field(description="The sender.")
    @resolved_at_once
    async def author(self, info: Info) -> Person | None:
        return info.context.objects.optional(
            Person.of, await neighbour(info, self._data, EdgeKind.AUTHORED, "in")
        )

    @strawberry.field(name="inReplyTo", description="The message this one answers, when known.")
    @resolved_at_once
    async def in_reply_to(self, info: Info) -> Message | None:
        return info.context.objects.optional(
            Message.of, await neighbour(info, self._data, EdgeKind.REPLY_TO, "out")
        )

    @strawberry.field(description="Messages answering this one.")
    @resolved_at_once
    async def replies(self, info: Info) -> list[Message]:
        found = await related(info, self._data, EdgeKind.REPLY_TO, "in")
        return [info.context.objects.of(Message.of, r.node) for r in found]

    @staticmethod
    def of(data: NodeData) -> Message:
        return Message(
            id=strawberry.ID(data.id),
            message_id=data.get("messageId"),
            subject=data.get("subject") or "",
            date=parse_date(data.get("date")),
            _data=data,
        )


@strawberry.type(description="Something a series needs: another series, or a tree/commit URL.")
class Dependency:
    kind: DependencyKind = strawberry.field(description="How the dependency was stated.")
    declared: bool = strawberry.field(
        description="False when inferred from prose rather than declared."
    )
    label: str | None = strawberry.field(
        description='The text that names it: a footnote\'s own text ("DPAMT v4") or the '
        "phrase citing it."
    )
    url: str | None = strawberry.field(description="The URL given, if any.")
    message_id: str | None = strawberry.field(description="The target's Message-ID, if known.")
    series: Series | None = strawberry.field(
        description="The target series (resolved or a placeholder); null for a tree or commit URL."
    )


def _dependency(
    related: Related, target_is_other: bool, series_of: Callable[[NodeData], Series]
) -> Dependency:
    node = related.node
    edge = related.edge
    return Dependency(
        kind=DependencyKind(edge["depKind"]),
        declared=bool(edge.get("declared")),
        label=edge.get("label"),
        url=edge.get("url"),
        message_id=edge.get("messageId"),
        series=series_of(node) if node.kind is NodeKind.SERIES and target_is_other else None,
    )


@strawberry.type(description="A patch series: one version of one piece of work.")
class Series(Node):
    message_id: str | None = strawberry.field(
        description="Message-ID of the cover letter, or of the first patch without one."
    )
    title: str = strawberry.field(
        description="The cover letter's title, else the first patch's, without prefixes."
    )
    version: int = strawberry.field(description="vN of the subjects; 1 when unlabeled.")
    is_rfc: bool = strawberry.field(description="Sent as [RFC PATCH ...].")
    total: int = strawberry.field(description="N of [PATCH M/N]: the patches announced.")
    resolved: bool = strawberry.field(
        description="False for a series known only because something points at it."
    )
    date: datetime | None = strawberry.field(
        description="When it was posted (the cover's date, else the first patch's), in UTC."
    )
    base_commit: str | None = strawberry.field(
        description="The b4 base-commit: line, the commit the series applies to."
    )
    base_ref: str | None = strawberry.field(description='"6.19-rc4", "kvm/next" when stated.')
    change_id: str | None = strawberry.field(description="b4 change-id shared by every version.")
    kind: SeriesKind = strawberry.field(
        description="PULL_REQUEST for [GIT PULL] mails and pull bombs, never split into series."
    )
    _data: strawberry.Private[NodeData]

    @strawberry.field(
        name="linkedBy",
        description="How this series was linked to its previous version (null without one).",
    )
    @resolved_at_once
    async def linked_by(self, info: Info) -> LinkedBy | None:
        found = await related(info, self._data, EdgeKind.PREVIOUS_VERSION, "out")
        value = found[0].edge.get("linkedBy") if found else None
        return LinkedBy(value) if value else None  # None too for a graph saved before links said

    @strawberry.field(
        description="Patch numbers that arrived (a series may miss some, or have extras)."
    )
    def received(self) -> list[int]:
        return [int(n) for n in self._data.get("numbersSeen") or []]

    @strawberry.field(description="Patch numbers 1..total that never arrived.")
    def missing(self) -> list[int]:
        seen = set(self._data.get("numbersSeen") or [])
        total = int(self._data.get("total") or 0)
        return (
            [n for n in range(1, total + 1) if n not in seen] if self._data.get("resolved") else []
        )

    @strawberry.field(description="Who sent the series.")
    @resolved_at_once
    async def author(self, info: Info) -> Person | None:
        return info.context.objects.optional(
            Person.of, await neighbour(info, self._data, EdgeKind.AUTHORED, "in")
        )

    @strawberry.field(name="coverLetter", description="The 0/N message, when one was sent.")
    @resolved_at_once
    async def cover_letter(self, info: Info) -> Message | None:
        return info.context.objects.optional(
            Message.of, await neighbour(info, self._data, EdgeKind.COVER, "out")
        )

    @strawberry.field(description="The patches that arrived, by number.")
    @resolved_at_once
    async def patches(self, info: Info) -> list[Patch]:
        found = await related(info, self._data, EdgeKind.PART_OF, "in")
        return [info.context.objects.of(Patch.of, r.node) for r in found]

    @strawberry.field(description="Whether it landed in a loaded code tree (null: none loaded).")
    def merge(self) -> SeriesMerge | None:
        return series_merge(self._data)

    @strawberry.field(
        name="previousVersion",
        description="The version before this one (linked by changelog, b4 change-id, or the "
        "same author and title).",
    )
    @resolved_at_once
    async def previous_version(self, info: Info) -> Series | None:
        found = await neighbour(info, self._data, EdgeKind.PREVIOUS_VERSION, "out")
        return info.context.objects.optional(Series.of, found)

    @strawberry.field(name="nextVersion", description="The version after this one.")
    @resolved_at_once
    async def next_version(self, info: Info) -> Series | None:
        found = await neighbour(info, self._data, EdgeKind.PREVIOUS_VERSION, "in")
        return info.context.objects.optional(Series.of, found)

    @strawberry.field(description="The whole lineage, oldest first, this one included.")
    @resolved_at_once
    async def versions(self, info: Info) -> list[Series]:
        chain = await info.context.dataloaders.lineage().load(self._data.key)
        series_of = info.context.objects.converter(Series.of)
        return [series_of(s) for s in chain]

    @strawberry.field(
        name="unresolvedPrerequisites",
        description="b4 prerequisite-patch-ids that match no loaded patch (not shown as "
        "dependencies until the patch is loaded).",
    )
    def unresolved_prerequisites(self) -> int:
        return int(self._data.get("unresolvedPatchIds") or 0)

    @strawberry.field(description="What this series needs.")
    @resolved_at_once
    async def dependencies(self, info: Info) -> list[Dependency]:
        found = await related(info, self._data, EdgeKind.DEPENDS_ON, "out")
        series_of = info.context.objects.converter(Series.of)
        return [_dependency(r, True, series_of) for r in found]

    @strawberry.field(description="What needs this series (each entry's series is the dependent).")
    @resolved_at_once
    async def dependents(self, info: Info) -> list[Dependency]:
        found = await related(info, self._data, EdgeKind.DEPENDS_ON, "in")
        return [
            Dependency(
                kind=DependencyKind(r.edge["depKind"]),
                declared=bool(r.edge.get("declared")),
                label=r.edge.get("label"),
                url=r.edge.get("url"),
                message_id=r.edge.get("messageId"),
                series=info.context.objects.of(Series.of, r.node),
            )
            for r in found
        ]

    @strawberry.field(
        description="Files the series touches (the cover's diffstat, else its patches')."
    )
    @resolved_at_once
    async def files(self, info: Info) -> list[FileTouch]:
        return await touches(info, self._data)

    @strawberry.field(description="Who gave review trailers on the series' patches, most first.")
    @resolved_at_once
    async def reviewers(self, info: Info, first: Top = 20) -> list[ReviewTie]:
        query = TieQuery("series", "reviewers", tuple(kind_names(None)))
        loader = info.context.dataloaders.ties(query, check_first(first))
        return [ReviewTie.of(t, info.context.objects) for t in await loader.load(self._data.key)]

    @strawberry.field(
        name="firstReview",
        description="The earliest review given by reply to this version: who, when, and how "
        "many hours after posting.",
    )
    @resolved_at_once
    async def first_review(self, info: Info) -> FirstReview | None:
        found = await info.context.dataloaders.first_review().load(self._data.key)
        if found is None:
            return None
        person, when = found
        date = datetime.fromisoformat(when)
        posted = parse_date(self._data.get("date"))
        hours = (date - posted).total_seconds() / 3600 if posted else None
        return FirstReview(person=Person.of(person), date=date, hours_after_posting=hours)

    @strawberry.field(
        description="People named in the cover letter's shortlog, with their patch counts."
    )
    @resolved_at_once
    async def contributors(self, info: Info) -> list[PersonCount]:
        found = await related(info, self._data, EdgeKind.CONTRIBUTED, "in")
        return [
            PersonCount(
                person=info.context.objects.of(Person.of, r.node), count=int(r.edge.get("count", 0))
            )
            for r in found
        ]

    @strawberry.field(
        description="Subsystems whose files the series touches (most precise first), and "
        "whether a maintainer or designated reviewer of each gave Reviewed-by/Acked-by."
    )
    @resolved_at_once
    async def subsystems(
        self, info: Info
    ) -> list[Annotated[SeriesSubsystem, strawberry.lazy("graphapi.schema.subsystems")]]:
        from graphapi.schema.subsystems import series_subsystems

        return await series_subsystems(info, self._data.key)

    @staticmethod
    def of(data: NodeData) -> Series:
        return Series(
            id=strawberry.ID(data.id),
            message_id=data.get("messageId"),
            title=data.get("title") or data.key,
            version=data.get("version") or 1,
            is_rfc=bool(data.get("isRfc")),
            total=data.get("total") or 0,
            resolved=bool(data.get("resolved")),
            date=parse_date(data.get("date")),
            base_commit=data.get("baseCommit"),
            base_ref=data.get("baseRef"),
            change_id=data.get("changeId"),
            kind=SeriesKind(data.get("seriesKind") or SeriesKind.PATCH_SERIES.value),
            _data=data,
        )


@strawberry.type(description="The first review a series received.")
class FirstReview:
    person: Person = strawberry.field(description="Who gave it.")
    date: datetime = strawberry.field(description="When the reply carrying it was sent (UTC).")
    hours_after_posting: float | None = strawberry.field(
        description="Hours from the series' posting to that reply."
    )
