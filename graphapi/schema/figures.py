"""What the root Query answers besides nodes: graph views for drawing, graph totals, review
statistics, and the store's spelling of their arguments."""

from __future__ import annotations

import enum

import strawberry
from strawberry.scalars import JSON

from graphapi.model import NodeData
from graphapi.schema.commits import MergeState
from graphapi.schema.common import Direction, NetworkLevel, Top
from graphapi.schema.errors import check_first
from graphapi.schema.types import NameCount, Person, PersonCount
from graphapi.store.base import DependencyDirection, GroupBy, Level, ViewGraph
from graphapi.views import cytoscape_json, graphology_json

__all__ = [
    "DIRECTIONS",
    "GROUPS",
    "LEVELS",
    "GraphEdge",
    "GraphNode",
    "GraphView",
    "ReviewGroup",
    "ReviewStatsRow",
    "Stats",
]


@strawberry.type(description="A graph node ready for drawing.")
class GraphNode:
    id: strawberry.ID = strawberry.field(description="The node's global ID (`Kind:key`).")
    kind: str = strawberry.field(description="Person, Company, Series, Patch, File, Ref, ...")
    label: str = strawberry.field(description="A short label to draw (a name, a title).")
    weight: float | None = strawberry.field(
        description="A size hint: for network views, the node's total edge weight."
    )
    resolved: bool | None = strawberry.field(
        default=None, description="For series: false when known only as a link target."
    )
    merged: MergeState | None = strawberry.field(
        default=None,
        description="For series: how much of it landed in a loaded code tree (null: none "
        "loaded), so a dependency graph shows which prerequisites are satisfied.",
    )


@strawberry.type(description="A graph edge ready for drawing.")
class GraphEdge:
    source: strawberry.ID = strawberry.field(
        description="The source node's ID; for reviews, the reviewer."
    )
    target: strawberry.ID = strawberry.field(
        description="The target node's ID; for reviews, the author reviewed."
    )
    kind: str = strawberry.field(description="The relation (REVIEWED, DEPENDS_ON, AUTHORED, ...).")
    weight: float | None = strawberry.field(
        description="For review networks, the distinct patches behind the edge."
    )
    declared: bool | None = strawberry.field(
        default=None, description="For dependencies: false when inferred from prose."
    )


@strawberry.type(
    description="A subgraph ready for Cytoscape.js / Graphology / D3 without reshaping."
)
class GraphView:
    """Built from the store's view only when a field asks: a client that takes `cytoscape`
    (one JSON value) does not pay for thousands of typed nodes and edges it never reads."""

    _view: strawberry.Private[ViewGraph]

    @strawberry.field(description="The nodes of the view.")
    def nodes(self) -> list[GraphNode]:
        return [
            GraphNode(
                id=strawberry.ID(n.id),
                kind=n.kind,
                label=n.label,
                weight=n.weight,
                resolved=n.data.get("resolved"),
                merged=MergeState(n.data["mergeState"]) if n.data.get("mergeState") else None,
            )
            for n in self._view.nodes
        ]

    @strawberry.field(description="The edges of the view.")
    def edges(self) -> list[GraphEdge]:
        return [
            GraphEdge(
                source=strawberry.ID(e.source),
                target=strawberry.ID(e.target),
                kind=e.kind,
                weight=e.weight,
                declared=e.data.get("declared"),
            )
            for e in self._view.edges
        ]

    @strawberry.field(
        description="True when the view leaves out nodes or edges of the whole answer: a "
        "neighbourhood cut at `first` nodes, a review network cut at `first` edges. A "
        "dependency graph is never cut."
    )
    def truncated(self) -> bool:
        return self._view.truncated

    @strawberry.field(
        name="totalNodes",
        description="How many nodes the view would have without its bound (equal to the "
        'number of `nodes` when nothing was cut), so a client can say "showing 200 of '
        '4,210".',
    )
    def total_nodes(self) -> int:
        return self._view.node_total

    @strawberry.field(description="Cytoscape.js elements JSON (`cy.add(view.cytoscape.elements)`).")
    def cytoscape(self) -> JSON:
        return JSON(cytoscape_json(self._view))

    @strawberry.field(
        description="The same data as Graphology's serialised JSON (`graph.import(...)`)."
    )
    def graphology(self) -> JSON:
        return JSON(graphology_json(self._view))

    @staticmethod
    def of(view: ViewGraph) -> GraphView:
        return GraphView(_view=view)


@strawberry.type(
    description="Counts, and the tallies a list digest prints — by person and company."
)
class Stats:
    messages: int = strawberry.field(description="Messages loaded (patches, covers, replies).")
    people: int = strawberry.field(description="People, after merging their identities.")
    companies: int = strawberry.field(description="Companies known from address domains.")
    series: int = strawberry.field(description="Series, every version counted once.")
    patches: int = strawberry.field(description="Patch messages.")
    files: int = strawberry.field(description="Distinct file paths touched.")
    _top_domains: strawberry.Private[list[tuple[str, int]]]
    _top_companies: strawberry.Private[list[tuple[str, int]]]
    #: (person, count) as the store keeps them: only the `first` asked for become typed
    #: objects (stats are kept to depth 100, and most pages show 15).
    _top_contributors: strawberry.Private[list[tuple[NodeData, int]]]

    @strawberry.field(name="topDomains", description="Address domains by patches contributed.")
    def top_domains(self, first: Top = 15) -> list[NameCount]:
        return [NameCount(name=n, count=c) for n, c in self._top_domains[: check_first(first)]]

    @strawberry.field(name="topCompanies", description="Companies by patches contributed.")
    def top_companies(self, first: Top = 15) -> list[NameCount]:
        return [NameCount(name=n, count=c) for n, c in self._top_companies[: check_first(first)]]

    @strawberry.field(name="topContributors", description="People by patches contributed.")
    def top_contributors(self, first: Top = 15) -> list[PersonCount]:
        return [
            PersonCount(person=Person.of(p), count=c)
            for p, c in self._top_contributors[: check_first(first)]
        ]


@strawberry.enum(description="How review statistics are grouped.")
class ReviewGroup(enum.Enum):
    COMPANY = strawberry.enum_value(
        "COMPANY", description="By the author's company on the posting date."
    )
    SUBSYSTEM = strawberry.enum_value(
        "SUBSYSTEM", description="By the MAINTAINERS subsystems of the files the series touches."
    )


#: The store's spelling of each argument value (the `Literal` types of `store.base`).
LEVELS: dict[NetworkLevel, Level] = {
    NetworkLevel.PERSON: "PERSON",
    NetworkLevel.COMPANY: "COMPANY",
}


DIRECTIONS: dict[Direction, DependencyDirection] = {
    Direction.UPSTREAM: "UPSTREAM",
    Direction.DOWNSTREAM: "DOWNSTREAM",
    Direction.BOTH: "BOTH",
}


GROUPS: dict[ReviewGroup, GroupBy] = {
    ReviewGroup.COMPANY: "COMPANY",
    ReviewGroup.SUBSYSTEM: "SUBSYSTEM",
}


@strawberry.type(description="Review statistics of one company or subsystem over a time window.")
class ReviewStatsRow:
    name: str = strawberry.field(description="The company or subsystem.")
    series_posted: int = strawberry.field(description="Series posted in the window.")
    series_reviewed: int = strawberry.field(description="Series that got a review by reply.")
    share_reviewed: float = strawberry.field(description="seriesReviewed / seriesPosted (0..1).")
    median_hours_to_first_review: float | None = strawberry.field(
        description="Median hours from posting to the first review of the reviewed series."
    )
    series_merged: int | None = strawberry.field(
        description="Series that landed in a loaded code tree, in full or in part "
        "(null: no code tree loaded)."
    )
    share_merged: float | None = strawberry.field(
        description="seriesMerged / seriesPosted (0..1; null: no code tree loaded)."
    )
    median_hours_to_merge: float | None = strawberry.field(
        description="Median hours from a landed series' posting to its first commit."
    )
