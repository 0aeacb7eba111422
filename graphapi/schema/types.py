"""The node types of the API: people, companies, series, patches, messages, files.

Each type wraps a `NodeData` from the store; scalar fields are read from it. Relation
fields are async and ask the request's DataLoaders (`Context.loaders`), so the same field
of every item of a list is answered by one batched store call: one per resolver level.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry

from graphapi.model import (
    REVIEW_KINDS,
    DependencyKind,
    EdgeKind,
    LinkedBy,
    NodeData,
    NodeKind,
    SeriesKind,
    TrailerKind,
    TrailerSource,
)
from graphapi.schema.commits import Commit, PatchCommit, SeriesMerge, patch_commits, series_merge
from graphapi.schema.common import (
    After,
    Connection,
    First,
    Node,
    ReviewKinds,
    Top,
    build_connection,
    decode_cursor,
    parse_date,
    register_enum,
)
from graphapi.schema.context import Info
from graphapi.schema.errors import check_first
from graphapi.store.base import Page, Related, Tie
from graphapi.suggest import AliasEvidence, possible_aliases

if TYPE_CHECKING:
    from graphapi.schema.subsystems import SeriesSubsystem, Subsystem

__all__ = ["Company", "File", "Message", "Patch", "Person", "Series", "to_node"]

T = TypeVar("T")


def _kinds(kinds: list[TrailerKind] | None) -> list[str]:
    return [k.name for k in (kinds if kinds else REVIEW_KINDS)]


async def _related(info: Info, data: NodeData, edge: EdgeKind, direction: str) -> list[Related]:
    """`data`'s neighbours over `edge`, batched with the same question about its siblings."""
    return await info.context.loaders.related(data.kind, edge, direction).load(data.key)


async def _one(info: Info, data: NodeData, edge: EdgeKind, direction: str) -> NodeData | None:
    """The first neighbour over `edge` (author, cover letter, ...), if any."""
    found = await _related(info, data, edge, direction)
    return found[0].node if found else None


async def _page(
    info: Info,
    kind: NodeKind,
    owner: NodeData,
    edge: EdgeKind,
    first: int | None,
    after: str | None,
) -> Page:
    size, position = check_first(first), decode_cursor(after)
    loader = info.context.loaders.pages(kind, edge, owner.kind, position, size)
    return await loader.load(owner.key)


def _optional(convert: Callable[[NodeData], T], data: NodeData | None) -> T | None:
    return convert(data) if data is not None else None


@strawberry.type(description="A person: one identity behind one or more addresses.")
class Person(Node):
    name: str = strawberry.field(
        description="The most used full name (a bare login or a shorter spelling loses to it)."
    )
    emails: list[str] = strawberry.field(
        description="Every address merged into this person (case and +tags folded, .mailmap "
        "and aliases applied); the first is the canonical one."
    )
    names: list[str] = strawberry.field(description="Every name this person was seen under.")
    _data: strawberry.Private[NodeData]

    @strawberry.field(
        description="The person's employer, from the address domain and the company map."
    )
    async def company(self, info: Info) -> Company | None:
        return _optional(Company.of, await _one(info, self._data, EdgeKind.EMPLOYED_BY, "out"))

    @strawberry.field(description="Series this person authored, newest first.")
    async def series(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Series]:
        page = await _page(info, NodeKind.SERIES, self._data, EdgeKind.AUTHORED, first, after)
        return build_connection(page, Series.of)

    @strawberry.field(description="Patches this person authored.")
    async def patches(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Patch]:
        page = await _page(info, NodeKind.PATCH, self._data, EdgeKind.AUTHORED, first, after)
        return build_connection(page, Patch.of)

    @strawberry.field(
        description="Who gave review trailers on this person's patches, most first. "
        "kinds defaults to REVIEWED_BY, ACKED_BY, TESTED_BY; count = distinct patches."
    )
    async def reviewers(
        self, info: Info, kinds: ReviewKinds = None, first: Top = 20
    ) -> list[ReviewTie]:
        return await _review_ties(info, self._data, False, kinds, first)

    @strawberry.field(description="Whose patches this person gave review trailers on, most first.")
    async def reviewees(
        self, info: Info, kinds: ReviewKinds = None, first: Top = 20
    ) -> list[ReviewTie]:
        return await _review_ties(info, self._data, True, kinds, first)

    @strawberry.field(
        name="possibleAliases",
        description="Other people with the same full name (two words or more; case, accents "
        "and a trailing parenthetical affiliation ignored), most evidence first. A suggestion "
        "only: the graph never merges people by name; confirm one with a .mailmap or an "
        "aliases file.",
    )
    def possible_aliases(self, info: Info) -> list[PossibleAlias]:
        return [
            PossibleAlias(
                person=Person.of(s.person),
                evidence=list(s.evidence),
                shared_files=s.shared_files,
            )
            for s in possible_aliases(info.context.store, self._data)
        ]

    @staticmethod
    def of(data: NodeData) -> Person:
        return Person(
            id=strawberry.ID(data.id),
            name=data.get("name") or data.key,
            emails=list(data.get("emails") or []),
            names=list(data.get("names") or []),
            _data=data,
        )


async def _review_ties(
    info: Info, person: NodeData, as_reviewer: bool, kinds: list[TrailerKind] | None, first: int
) -> list[ReviewTie]:
    loader = info.context.loaders.review_ties(as_reviewer, tuple(_kinds(kinds)), check_first(first))
    return [ReviewTie.of(t) for t in await loader.load(person.key)]


register_enum(
    AliasEvidence,
    "AliasEvidence",
    "Why two people with one name may be one person.",
    {
        "SAME_COMPANY": "They share an employer.",
        "SAME_FILES": "Their patches touch a file in common.",
        "CC_IN_THREADS": "One is named in a trailer (Cc: included) on the other's patches.",
    },
)


@strawberry.type(description="Another person with the same name, and why they may be one.")
class PossibleAlias:
    person: Person = strawberry.field(description="The other person.")
    evidence: list[AliasEvidence] = strawberry.field(
        description="What they have in common, strongest first."
    )
    shared_files: int = strawberry.field(description="Files both people's patches touch.")


@strawberry.type(description="A review relation between two people.")
class ReviewTie:
    person: Person = strawberry.field(description="The other person of the tie.")
    count: int = strawberry.field(description="Distinct patches reviewed.")
    lineages: int = strawberry.field(
        description="Distinct patch lineages (v3 1/4 and v4 1/5 of one change are one)."
    )
    _patch_keys: strawberry.Private[tuple[str, ...]]

    @strawberry.field(description="The patches behind this tie.")
    async def patches(self, info: Info, first: Top = 20) -> list[Patch]:
        keys = self._patch_keys[: check_first(first)]
        found = await info.context.loaders.node(NodeKind.PATCH).load_many(keys)
        return [Patch.of(p) for p in found if p]

    @staticmethod
    def of(tie: Tie) -> ReviewTie:
        return ReviewTie(
            person=Person.of(tie.node),
            count=tie.count,
            lineages=tie.lineages,
            _patch_keys=tie.patch_keys,
        )


@strawberry.type(description="A company, known by the address domains of its people.")
class Company(Node):
    name: str = strawberry.field(description='The company\'s name ("Intel", "Red Hat").')
    domains: list[str] = strawberry.field(
        description="Address domains mapped to it; sub-domains roll up (linux.intel.com)."
    )
    _data: strawberry.Private[NodeData]

    @strawberry.field(description="People employed by this company.")
    async def people(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Person]:
        page = await _page(info, NodeKind.PERSON, self._data, EdgeKind.EMPLOYED_BY, first, after)
        return build_connection(page, Person.of)

    @strawberry.field(
        description="Companies whose people reviewed this company's patches, most first."
    )
    async def reviewers(self, info: Info, first: Top = 20) -> list[CompanyTie]:
        return await _company_ties(info, self._data, False, first)

    @strawberry.field(
        description="Companies whose patches this company's people reviewed, most first."
    )
    async def reviewees(self, info: Info, first: Top = 20) -> list[CompanyTie]:
        return await _company_ties(info, self._data, True, first)

    @staticmethod
    def of(data: NodeData) -> Company:
        return Company(
            id=strawberry.ID(data.id),
            name=data.get("name") or data.key,
            domains=list(data.get("domains") or []),
            _data=data,
        )


@strawberry.type(description="A review relation between two companies; count = distinct patches.")
class CompanyTie:
    company: Company = strawberry.field(description="The other company of the tie.")
    count: int = strawberry.field(
        description="Distinct patches, each counted at the reviewer's employer on the review date."
    )


async def _company_ties(
    info: Info, company: NodeData, as_reviewer: bool, first: int
) -> list[CompanyTie]:
    loader = info.context.loaders.company_ties(as_reviewer, check_first(first))
    ties = await loader.load(company.key)
    return [CompanyTie(company=Company.of(t.node), count=t.count) for t in ties]


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


@strawberry.type(description="A file touched by a patch or series, with line counts when known.")
class FileTouch:
    file: File = strawberry.field(description="The file.")
    insertions: int | None = strawberry.field(
        description="Lines added, from the diff or diffstat; null when unknown."
    )
    deletions: int | None = strawberry.field(
        description="Lines removed, from the diff or diffstat; null when unknown."
    )


async def _touches(info: Info, data: NodeData) -> list[FileTouch]:
    found = await _related(info, data, EdgeKind.TOUCHES, "out")
    return [
        FileTouch(
            file=File.of(r.node),
            insertions=r.edge.get("insertions"),
            deletions=r.edge.get("deletions"),
        )
        for r in sorted(found, key=lambda r: r.node.key)
    ]


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
    async def series(self, info: Info) -> Series | None:
        return _optional(Series.of, await _one(info, self._data, EdgeKind.PART_OF, "out"))

    @strawberry.field(
        description="The author: a first body line `From:` when present, else the sender."
    )
    async def author(self, info: Info) -> Person | None:
        return _optional(Person.of, await _one(info, self._data, EdgeKind.AUTHORED, "in"))

    @strawberry.field(description="Trailers in body order, then those given in replies.")
    async def trailers(
        self,
        info: Info,
        kinds: Annotated[
            list[TrailerKind] | None,
            strawberry.argument(description="Only trailers of these kinds (default: all)."),
        ] = None,
    ) -> list[Trailer]:
        wanted = {k.name for k in kinds} if kinds else None
        found = await _related(info, self._data, EdgeKind.TRAILER, "in")
        rows: list[tuple[dict[str, Any], Person | None]] = [
            (r.edge, Person.of(r.node)) for r in found
        ]
        rows += [(t, None) for t in self._data.get("otherTrailers") or []]
        rows.sort(key=lambda row: row[0].get("order", 0))
        return [
            _trailer(edge, person)
            for edge, person in rows
            if wanted is None or edge["trailerKind"] in wanted
        ]

    @strawberry.field(description="Files the patch's diff touches (else its diffstat's).")
    async def files(self, info: Info) -> list[FileTouch]:
        return await _touches(info, self._data)

    @strawberry.field(description="The commits of loaded code trees this patch became.")
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
    async def body(self, info: Info) -> str:
        return await info.context.loaders.message_bodies().load(self._data.key) or ""

    @strawberry.field(description="The sender.")
    async def author(self, info: Info) -> Person | None:
        return _optional(Person.of, await _one(info, self._data, EdgeKind.AUTHORED, "in"))

    @strawberry.field(name="inReplyTo", description="The message this one answers, when known.")
    async def in_reply_to(self, info: Info) -> Message | None:
        return _optional(Message.of, await _one(info, self._data, EdgeKind.REPLY_TO, "out"))

    @strawberry.field(description="Messages answering this one.")
    async def replies(self, info: Info) -> list[Message]:
        found = await _related(info, self._data, EdgeKind.REPLY_TO, "in")
        return [Message.of(r.node) for r in found]

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


def _dependency(related: Related, target_is_other: bool) -> Dependency:
    node = related.node
    edge = related.edge
    return Dependency(
        kind=DependencyKind(edge["depKind"]),
        declared=bool(edge.get("declared")),
        label=edge.get("label"),
        url=edge.get("url"),
        message_id=edge.get("messageId"),
        series=Series.of(node) if node.kind is NodeKind.SERIES and target_is_other else None,
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
    async def linked_by(self, info: Info) -> LinkedBy | None:
        found = await _related(info, self._data, EdgeKind.PREVIOUS_VERSION, "out")
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
    async def author(self, info: Info) -> Person | None:
        return _optional(Person.of, await _one(info, self._data, EdgeKind.AUTHORED, "in"))

    @strawberry.field(name="coverLetter", description="The 0/N message, when one was sent.")
    async def cover_letter(self, info: Info) -> Message | None:
        return _optional(Message.of, await _one(info, self._data, EdgeKind.COVER, "out"))

    @strawberry.field(description="The patches that arrived, by number.")
    async def patches(self, info: Info) -> list[Patch]:
        found = await _related(info, self._data, EdgeKind.PART_OF, "in")
        return [Patch.of(r.node) for r in found]

    @strawberry.field(description="Whether it landed in a loaded code tree (null: none loaded).")
    def merge(self) -> SeriesMerge | None:
        return series_merge(self._data)

    @strawberry.field(
        name="previousVersion",
        description="The version before this one (linked by changelog, b4 change-id, or the "
        "same author and title).",
    )
    async def previous_version(self, info: Info) -> Series | None:
        found = await _one(info, self._data, EdgeKind.PREVIOUS_VERSION, "out")
        return _optional(Series.of, found)

    @strawberry.field(name="nextVersion", description="The version after this one.")
    async def next_version(self, info: Info) -> Series | None:
        found = await _one(info, self._data, EdgeKind.PREVIOUS_VERSION, "in")
        return _optional(Series.of, found)

    @strawberry.field(description="The whole lineage, oldest first, this one included.")
    async def versions(self, info: Info) -> list[Series]:
        chain = await info.context.loaders.lineage().load(self._data.key)
        return [Series.of(s) for s in chain]

    @strawberry.field(
        name="unresolvedPrerequisites",
        description="b4 prerequisite-patch-ids that match no loaded patch (not shown as "
        "dependencies until the patch is loaded).",
    )
    def unresolved_prerequisites(self) -> int:
        return int(self._data.get("unresolvedPatchIds") or 0)

    @strawberry.field(description="What this series needs.")
    async def dependencies(self, info: Info) -> list[Dependency]:
        found = await _related(info, self._data, EdgeKind.DEPENDS_ON, "out")
        return [_dependency(r, True) for r in found]

    @strawberry.field(description="What needs this series (each entry's series is the dependent).")
    async def dependents(self, info: Info) -> list[Dependency]:
        found = await _related(info, self._data, EdgeKind.DEPENDS_ON, "in")
        return [
            Dependency(
                kind=DependencyKind(r.edge["depKind"]),
                declared=bool(r.edge.get("declared")),
                label=r.edge.get("label"),
                url=r.edge.get("url"),
                message_id=r.edge.get("messageId"),
                series=Series.of(r.node),
            )
            for r in found
        ]

    @strawberry.field(
        description="Files the series touches (the cover's diffstat, else its patches')."
    )
    async def files(self, info: Info) -> list[FileTouch]:
        return await _touches(info, self._data)

    @strawberry.field(description="Who gave review trailers on the series' patches, most first.")
    async def reviewers(self, info: Info, first: Top = 20) -> list[ReviewTie]:
        loader = info.context.loaders.series_reviewers(tuple(_kinds(None)), check_first(first))
        return [ReviewTie.of(t) for t in await loader.load(self._data.key)]

    @strawberry.field(
        name="firstReview",
        description="The earliest review given by reply to this version: who, when, and how "
        "many hours after posting.",
    )
    async def first_review(self, info: Info) -> FirstReview | None:
        found = await info.context.loaders.first_review().load(self._data.key)
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
    async def contributors(self, info: Info) -> list[PersonCount]:
        found = await _related(info, self._data, EdgeKind.CONTRIBUTED, "in")
        return [
            PersonCount(person=Person.of(r.node), count=int(r.edge.get("count", 0))) for r in found
        ]

    @strawberry.field(
        description="Subsystems whose files the series touches (most precise first), and "
        "whether a maintainer or designated reviewer of each gave Reviewed-by/Acked-by."
    )
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


@strawberry.type(description="A file path touched by patches.")
class File(Node):
    path: str = strawberry.field(description="The path in the tree, as the diff names it.")
    directory: str = strawberry.field(description="The directory part of the path.")
    _data: strawberry.Private[NodeData]

    @strawberry.field(description="Patches touching this file.")
    async def patches(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Patch]:
        page = await _page(info, NodeKind.PATCH, self._data, EdgeKind.TOUCHES, first, after)
        return build_connection(page, Patch.of)

    @strawberry.field(description="Authors of patches touching this file, by patch count.")
    async def authors(self, info: Info, first: Top = 20) -> list[PersonCount]:
        return await _file_people(info, self._data, False, first)

    @strawberry.field(description="Reviewers of patches touching this file, by patch count.")
    async def reviewers(self, info: Info, first: Top = 20) -> list[PersonCount]:
        return await _file_people(info, self._data, True, first)

    @strawberry.field(description="MAINTAINERS subsystems covering this file, most precise first.")
    async def subsystems(
        self, info: Info
    ) -> list[Annotated[Subsystem, strawberry.lazy("graphapi.schema.subsystems")]]:
        from graphapi.schema.subsystems import file_subsystems

        return await file_subsystems(info, self._data.key)

    @staticmethod
    def of(data: NodeData) -> File:
        return File(
            id=strawberry.ID(data.id),
            path=data.get("path") or data.key,
            directory=data.get("directory") or "",
            _data=data,
        )


@strawberry.type(description="The first review a series received.")
class FirstReview:
    person: Person = strawberry.field(description="Who gave it.")
    date: datetime = strawberry.field(description="When the reply carrying it was sent (UTC).")
    hours_after_posting: float | None = strawberry.field(
        description="Hours from the series' posting to that reply."
    )


@strawberry.type(description="A person and how many patches they count for.")
class PersonCount:
    person: Person = strawberry.field(description="The person.")
    count: int = strawberry.field(description="Distinct patches.")


async def _file_people(
    info: Info, file: NodeData, reviewers: bool, first: int
) -> list[PersonCount]:
    ties = await info.context.loaders.file_people(reviewers, check_first(first)).load(file.key)
    return [PersonCount(person=Person.of(t.node), count=t.count) for t in ties]


@strawberry.type(description="A name (a domain or company) and its count.")
class NameCount:
    name: str = strawberry.field(description="The domain or company.")
    count: int = strawberry.field(description="Patches contributed.")


_CONVERTERS = {
    NodeKind.PERSON: Person.of,
    NodeKind.COMPANY: Company.of,
    NodeKind.SERIES: Series.of,
    NodeKind.PATCH: Patch.of,
    NodeKind.MESSAGE: Message.of,
    NodeKind.FILE: File.of,
    NodeKind.COMMIT: Commit.of,
}


def to_node(data: NodeData) -> Node | None:
    convert = _CONVERTERS.get(data.kind)
    return convert(data) if convert else None
