"""People and companies in the API, and the review ties between them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from graphapi.model import (
    EdgeKind,
    NodeData,
    NodeKind,
    TrailerKind,
)
from graphapi.schema.common import (
    After,
    Connection,
    First,
    Node,
    ReviewKinds,
    Top,
    build_connection,
    register_enum,
)
from graphapi.schema.context import Info
from graphapi.schema.errors import check_first
from graphapi.schema.kept import KeptObjects
from graphapi.schema.relations import kind_names, neighbour, page_of, resolved_at_once
from graphapi.store.base import Tie, TieQuery, TieSide
from graphapi.suggest import AliasEvidence, possible_aliases

if TYPE_CHECKING:
    from graphapi.schema.series import Patch, Series

__all__ = [
    "Company",
    "CompanyTie",
    "NameCount",
    "Person",
    "PersonCount",
    "PossibleAlias",
    "ReviewTie",
]


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
    @resolved_at_once
    async def company(self, info: Info) -> Company | None:
        return info.context.objects.optional(
            Company.of, await neighbour(info, self._data, EdgeKind.EMPLOYED_BY, "out")
        )

    @strawberry.field(description="Series this person authored, newest first.")
    @resolved_at_once
    async def series(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Annotated[Series, strawberry.lazy("graphapi.schema.series")]]:
        from graphapi.schema.series import Series

        page = await page_of(info, NodeKind.SERIES, self._data, EdgeKind.AUTHORED, first, after)
        return build_connection(page, Series.of, info.context.objects)

    @strawberry.field(description="Patches this person authored.")
    @resolved_at_once
    async def patches(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Annotated[Patch, strawberry.lazy("graphapi.schema.series")]]:
        from graphapi.schema.series import Patch

        page = await page_of(info, NodeKind.PATCH, self._data, EdgeKind.AUTHORED, first, after)
        return build_connection(page, Patch.of, info.context.objects)

    @strawberry.field(
        description="Who gave review trailers on this person's patches, most first. "
        "kinds defaults to REVIEWED_BY, ACKED_BY, TESTED_BY; count = distinct patches."
    )
    @resolved_at_once
    async def reviewers(
        self, info: Info, kinds: ReviewKinds = None, first: Top = 20
    ) -> list[ReviewTie]:
        return await _review_ties(info, self._data, "reviewers", kinds, first)

    @strawberry.field(description="Whose patches this person gave review trailers on, most first.")
    @resolved_at_once
    async def reviewees(
        self, info: Info, kinds: ReviewKinds = None, first: Top = 20
    ) -> list[ReviewTie]:
        return await _review_ties(info, self._data, "reviewees", kinds, first)

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
    info: Info, person: NodeData, side: TieSide, kinds: list[TrailerKind] | None, first: int
) -> list[ReviewTie]:
    query = TieQuery("person", side, tuple(kind_names(kinds)))
    loader = info.context.dataloaders.ties(query, check_first(first))
    return [ReviewTie.of(t, info.context.objects) for t in await loader.load(person.key)]


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
    @resolved_at_once
    async def patches(
        self, info: Info, first: Top = 20
    ) -> list[Annotated[Patch, strawberry.lazy("graphapi.schema.series")]]:
        from graphapi.schema.series import Patch

        keys = self._patch_keys[: check_first(first)]
        found = await info.context.dataloaders.node(NodeKind.PATCH).load_many(keys)
        return [Patch.of(p) for p in found if p]

    @staticmethod
    def of(tie: Tie, objects: KeptObjects) -> ReviewTie:
        return ReviewTie(
            person=objects.of(Person.of, tie.node),
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
    @resolved_at_once
    async def people(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Person]:
        page = await page_of(info, NodeKind.PERSON, self._data, EdgeKind.EMPLOYED_BY, first, after)
        return build_connection(page, Person.of, info.context.objects)

    @strawberry.field(
        description="Companies whose people reviewed this company's patches, most first."
    )
    @resolved_at_once
    async def reviewers(self, info: Info, first: Top = 20) -> list[CompanyTie]:
        return await _company_ties(info, self._data, "reviewers", first)

    @strawberry.field(
        description="Companies whose patches this company's people reviewed, most first."
    )
    @resolved_at_once
    async def reviewees(self, info: Info, first: Top = 20) -> list[CompanyTie]:
        return await _company_ties(info, self._data, "reviewees", first)

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
    info: Info, company: NodeData, side: TieSide, first: int
) -> list[CompanyTie]:
    loader = info.context.dataloaders.ties(TieQuery("company", side), check_first(first))
    ties = await loader.load(company.key)
    company_of = info.context.objects.converter(Company.of)
    return [CompanyTie(company=company_of(t.node), count=t.count) for t in ties]


@strawberry.type(description="A person and how many patches they count for.")
class PersonCount:
    person: Person = strawberry.field(description="The person.")
    count: int = strawberry.field(description="Distinct patches.")


@strawberry.type(description="A name (a domain or company) and its count.")
class NameCount:
    name: str = strawberry.field(description="The domain or company.")
    count: int = strawberry.field(description="Patches contributed.")
