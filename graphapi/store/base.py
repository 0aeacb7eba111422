"""The store seam: the bulk write and the read queries the API needs, nothing more.

`NetworkXStore` (embedded default) and a Neo4j store implement `GraphStore`; the GraphQL
layer only ever talks to this protocol, and one contract test suite demands identical
answers from every implementation. Each read returns plain data (`NodeData`, tuples), so a
resolver level costs one store call.

The questions a resolver asks about each item of a list (a series' author, a person's
company, ...) are asked for many keys at once (`*_many`, `related_pages`): one call answers
them for a list of keys, in the order of the keys, duplicates and unknown keys included.
The GraphQL layer's DataLoaders call those, so a list of twenty items costs the store what
one item costs. The answers' types live in `answers`, the rules they follow in `rules`;
`StoreMaintenance` is what a load needs besides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from graphapi.model import EdgeKind, GraphBatch, NodeData, NodeKind
from graphapi.store.answers import (
    Page,
    Position,
    Related,
    Tie,
    ViewEdge,
    ViewGraph,
    ViewNode,
)
from graphapi.store.rules import DEFAULT_REVIEW_KINDS

__all__ = [
    "DependencyDirection",
    "Direction",
    "GraphStore",
    "GroupBy",
    "Level",
    "Lookup",
    "MaintainedStore",
    "Page",
    "Position",
    "Rederiving",
    "Related",
    "StoreMaintenance",
    "Tie",
    "TieOwner",
    "TieQuery",
    "TieSide",
    "ViewEdge",
    "ViewGraph",
    "ViewNode",
]

#: Which way an edge is followed from the node asked about.
Direction = Literal["out", "in"]
#: Which way dependencies are followed: what a series needs, what needs it, or both.
DependencyDirection = Literal["UPSTREAM", "DOWNSTREAM", "BOTH"]
#: Whom a review network links: people, or their employers on the review date.
Level = Literal["PERSON", "COMPANY"]
#: What review statistics are grouped by: the author's company, or the subsystem touched.
GroupBy = Literal["COMPANY", "SUBSYSTEM"]
#: How `get_many` finds a node: by its key, or a person by any of their addresses.
Lookup = Literal["key", "address"]
#: Whose ties a `TieQuery` asks for, and which side of the review.
TieOwner = Literal["person", "company", "file", "series"]
TieSide = Literal["reviewers", "reviewees", "authors"]

_TIE_SIDES: dict[str, tuple[str, ...]] = {
    "person": ("reviewers", "reviewees"),
    "company": ("reviewers", "reviewees"),
    "file": ("reviewers", "authors"),
    "series": ("reviewers",),
}
_DEFAULT_KINDS = tuple(sorted(DEFAULT_REVIEW_KINDS))


@dataclass(frozen=True, slots=True)
class TieQuery:
    """Which review ties `GraphStore.ties_many` answers, for keys of one kind of node.

    - person reviewers: who reviewed the person's patches; reviewees: whose patches the
      person reviewed;
    - company reviewers/reviewees: the same between employers on the review date;
    - file authors/reviewers: who wrote or reviewed the patches touching the path;
    - series reviewers: who reviewed the series' patches.

    `kinds` (trailer kind names) choose what counts as a review for people and series;
    company and file ties always count the default kinds (`model.REVIEW_KINDS`).
    """

    owner: TieOwner
    side: TieSide = "reviewers"
    kinds: tuple[str, ...] = _DEFAULT_KINDS

    def __post_init__(self) -> None:
        if self.side not in _TIE_SIDES.get(self.owner, ()):
            raise ValueError(f"no {self.side} ties for a {self.owner}")
        if self.owner in ("company", "file") and self.kinds != _DEFAULT_KINDS:
            raise ValueError(f"{self.owner} ties count the default review kinds only")
        object.__setattr__(self, "kinds", tuple(sorted(set(self.kinds))))


class GraphStore(Protocol):
    """What the API needs from a graph backend: one bulk write and the reads of the API."""

    def write(self, batch: GraphBatch) -> None:
        """Merge the batch's records (see `node_merge` for how a node merges)."""
        ...

    def get_many(
        self, kind: NodeKind, keys: Sequence[str], *, by: Lookup = "key"
    ) -> list[NodeData | None]:
        """The node of each key (None when unknown). `by="address"` (people only): a key is
        any address of the person, case and spaces ignored, not only the canonical one."""
        ...

    def message_bodies(self, keys: Sequence[str]) -> list[str | None]:
        """The bodies of the messages with these keys (None for an unknown key)."""
        ...

    def company_by_name(self, name: str) -> NodeData | None:
        """The company with this name (case ignored) or one of its address domains."""
        ...

    def series_by_message(self, message_id: str) -> NodeData | None:
        """The series of a cover letter's or a patch's Message-ID."""
        ...

    def list_nodes(
        self,
        kind: NodeKind,
        *,
        search: str | None = None,
        related_to: tuple[EdgeKind, NodeKind, str] | None = None,
        prefix: str | None = None,
        after: Position | None = None,
        first: int = 20,
        where: Mapping[str, Any] | None = None,
    ) -> Page:
        """Up to `first` nodes of a kind after `after` in `rules.list_position` order; `where`
        keeps the nodes whose properties equal its values."""
        ...

    def related_many(
        self, kind: NodeKind, keys: Sequence[str], edge: EdgeKind, direction: Direction
    ) -> list[list[Related]]:
        """Each node's neighbours over `edge`, with the edge's properties, in
        `rules.related_order`."""
        ...

    def related_pages(
        self,
        kind: NodeKind,
        edge: EdgeKind,
        owner_kind: NodeKind,
        owner_keys: Sequence[str],
        *,
        after: Position | None = None,
        first: int = 20,
    ) -> list[Page]:
        """`list_nodes(kind, related_to=(edge, owner_kind, key), after=, first=)` per key."""
        ...

    def ties_many(self, query: TieQuery, keys: Sequence[str], first: int) -> list[list[Tie]]:
        """Each key's review ties (`TieQuery`), most patches first, then by key."""
        ...

    def lineage_many(self, series_keys: Sequence[str]) -> list[list[NodeData]]:
        """Each series' whole version chain, oldest first (`rules.version_walk`)."""
        ...

    def series_subsystems_many(
        self, series_keys: Sequence[str]
    ) -> list[list[tuple[NodeData, list[NodeData]]]]:
        """Each series' subsystems (most precise first), each with the maintainers and
        designated reviewers of it who gave Reviewed-by or Acked-by."""
        ...

    def first_review_many(self, series_keys: Sequence[str]) -> list[tuple[NodeData, str] | None]:
        """Each series' earliest review given by reply (not carried, not a self-review), and
        its date."""
        ...

    def dependency_graph(
        self, series_key: str, direction: DependencyDirection, max_depth: int
    ) -> ViewGraph:
        """Series reachable over DEPENDS_ON (`rules.dependency_walk`)."""
        ...

    def neighborhood(
        self, kind: NodeKind, key: str, depth: int, first: int | None = None
    ) -> ViewGraph:
        """The nodes within `depth` edges of one node, at most `first` of them (None: all)
        in the order of `rules.NEIGHBORHOOD_ORDER`, and the edges among them."""
        ...

    def review_network(
        self,
        *,
        level: Level,
        kinds: Sequence[str],
        since: datetime | None,
        until: datetime | None,
        min_weight: int,
        first: int,
    ) -> ViewGraph:
        """Reviewer -> author edges weighted by distinct patches (`rules.weighted_view`)."""
        ...

    def stats(self, first: int) -> dict[str, Any]:
        """Counts per kind and the top domains, companies and contributors."""
        ...

    def review_stats(
        self,
        *,
        group_by: GroupBy,
        since: datetime | None,
        until: datetime | None,
        include_pull_requests: bool = False,
    ) -> list[dict[str, Any]]:
        """Per company or subsystem: series posted, share reviewed, delays, merges."""
        ...


class Rederiving(Protocol):
    """The in-place writes that re-apply changed identity or ownership files to what a store
    holds (`graphapi.incremental.rederive`)."""

    def write(self, batch: GraphBatch) -> None: ...

    def node_keys(self, kind: NodeKind) -> list[str]:
        """The key of every node of `kind`, sorted."""
        ...

    def person_identities(self) -> list[tuple[str, list[str], dict[str, int]]]:
        """(key, addresses, name sightings) of every person."""
        ...

    def delete_nodes(self, kind: NodeKind) -> None: ...

    def move_people(self, moves: Mapping[str, str]) -> None:
        """Move every relationship of person `old` to person `new`, delete `old`."""
        ...

    def delete_employment(self, keys: Sequence[str] | None) -> None:
        """Delete the EMPLOYED_BY edges of these people (None: of everybody)."""
        ...

    def delete_unemployed_companies(self) -> None: ...


class StoreMaintenance(Protocol):
    """What a load asks of a store besides the API's reads, answered by every store, so that
    no code outside `store/` needs to ask which store it holds."""

    def kept_files(self) -> dict[str, str]:
        """The identity and ownership files' text kept for later loads, by `KeptFiles` name."""
        ...

    def keep_files(self, files: Mapping[str, str]) -> None:
        """Keep these files' text for later loads, replacing what was kept."""
        ...

    def load_cursors(self) -> dict[str, str]:
        """A copy of how far each source was read (`graphapi.cursors`)."""
        ...

    def record_load(self, files: Mapping[str, str] | None, cursors: Mapping[str, str]) -> None:
        """The end of a load: keep `files` (None: unchanged) and the `cursors` it moved (the
        others stay as they are: a concurrent load's are not undone)."""
        ...

    def delete_edges(self, kind: EdgeKind) -> None:
        """Delete every edge of `kind` (edges re-derived whole, such as MERGED_AS)."""
        ...

    def rederiving(self) -> Rederiving | None:
        """The means to re-apply changed files in place, or None for a store that re-derives
        by rebuilding from the corpus it keeps (the embedded store: `load_sources`)."""
        ...


class MaintainedStore(GraphStore, StoreMaintenance, Protocol):
    """A store a load writes into: the API's seam and its maintenance."""
