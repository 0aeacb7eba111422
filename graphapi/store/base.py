"""The store seam: the bulk write and the read queries the API needs, nothing more.

`NetworkXStore` (embedded default) and a Neo4j store implement `GraphStore`; the GraphQL
layer only ever talks to this protocol, and one contract test suite demands identical
answers from every implementation. Each read returns plain data (`NodeData`, tuples), so a
resolver level costs one store call.

The questions a resolver asks about each item of a list (a series' author, a person's
company, ...) have a batched form, `*_many` (and `related_pages`): one call answers them for
a list of keys, each answer exactly what the single-key form gives (ordering included), in
the order of the keys, duplicates and unknown keys included. The GraphQL layer's DataLoaders
call those, so a list of twenty items costs the store what one item costs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from graphapi.model import EdgeKind, GraphBatch, NodeData, NodeKind

__all__ = [
    "Direction",
    "GraphStore",
    "Page",
    "Position",
    "Related",
    "Tie",
    "ViewEdge",
    "ViewGraph",
    "ViewNode",
]

Direction = str  # "out" | "in"


#: Where a node stands in its kind's list order: (sort text, key). Keyset cursors carry it,
#: so a page continues after that place even when a reload has inserted nodes before it.
Position = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: the items after a position, how many there are in all, and
    whether any come before the page or after it."""

    items: list[NodeData]
    total: int
    has_previous: bool = False
    has_next: bool = False


@dataclass(frozen=True, slots=True)
class Related:
    """A neighbour and the properties of the edge that leads to it."""

    node: NodeData
    edge: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Tie:
    """An aggregated review relation: `count` distinct patches, `lineages` distinct lineages."""

    node: NodeData
    count: int
    lineages: int = 0
    patch_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ViewNode:
    id: str
    kind: str
    label: str
    weight: float | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ViewEdge:
    source: str
    target: str
    kind: str
    weight: float | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ViewGraph:
    nodes: list[ViewNode]
    edges: list[ViewEdge]


class GraphStore(Protocol):
    """What the API needs from a graph backend."""

    def write(self, batch: GraphBatch) -> None: ...

    def get_many(self, kind: NodeKind, keys: Sequence[str]) -> list[NodeData | None]: ...

    def message_bodies(self, keys: Sequence[str]) -> list[str | None]:
        """The bodies of the messages with these keys (None for an unknown key)."""
        ...

    def person_by_email(self, email: str) -> NodeData | None: ...

    def company_by_name(self, name: str) -> NodeData | None: ...

    def series_by_message(self, message_id: str) -> NodeData | None: ...

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
        """Up to `first` nodes of a kind after `after` in `list_position` order; `where` keeps
        the nodes whose properties equal its values."""
        ...

    def related(
        self, kind: NodeKind, key: str, edge: EdgeKind, direction: Direction
    ) -> list[Related]: ...

    def related_many(
        self, kind: NodeKind, keys: Sequence[str], edge: EdgeKind, direction: Direction
    ) -> list[list[Related]]:
        """`related` for each key, in one call."""
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

    def review_ties(
        self, person_key: str, *, as_reviewer: bool, kinds: Sequence[str], first: int
    ) -> list[Tie]: ...

    def company_ties(self, company_key: str, *, as_reviewer: bool, first: int) -> list[Tie]: ...

    def file_people(self, path: str, *, reviewers: bool, first: int) -> list[Tie]: ...

    def series_reviewers(self, series_key: str, kinds: Sequence[str], first: int) -> list[Tie]: ...

    def lineage(self, series_key: str) -> list[NodeData]: ...

    def review_ties_many(
        self, person_keys: Sequence[str], *, as_reviewer: bool, kinds: Sequence[str], first: int
    ) -> list[list[Tie]]:
        """`review_ties` for each person, in one call."""
        ...

    def company_ties_many(
        self, company_keys: Sequence[str], *, as_reviewer: bool, first: int
    ) -> list[list[Tie]]:
        """`company_ties` for each company, in one call."""
        ...

    def file_people_many(
        self, paths: Sequence[str], *, reviewers: bool, first: int
    ) -> list[list[Tie]]:
        """`file_people` for each file, in one call."""
        ...

    def series_reviewers_many(
        self, series_keys: Sequence[str], kinds: Sequence[str], first: int
    ) -> list[list[Tie]]:
        """`series_reviewers` for each series, in one call."""
        ...

    def lineage_many(self, series_keys: Sequence[str]) -> list[list[NodeData]]:
        """`lineage` for each series, in one call."""
        ...

    def dependency_graph(self, series_key: str, direction: str, max_depth: int) -> ViewGraph: ...

    def neighborhood(self, kind: NodeKind, key: str, depth: int) -> ViewGraph: ...

    def review_network(
        self,
        *,
        level: str,
        kinds: Sequence[str],
        since: datetime | None,
        until: datetime | None,
        min_weight: int,
        first: int,
    ) -> ViewGraph: ...

    def stats(self, first: int) -> dict[str, Any]: ...

    def series_subsystems(self, series_key: str) -> list[tuple[NodeData, list[NodeData]]]: ...

    def first_review(self, series_key: str) -> tuple[NodeData, str] | None: ...

    def series_subsystems_many(
        self, series_keys: Sequence[str]
    ) -> list[list[tuple[NodeData, list[NodeData]]]]:
        """`series_subsystems` for each series, in one call."""
        ...

    def first_review_many(self, series_keys: Sequence[str]) -> list[tuple[NodeData, str] | None]:
        """`first_review` for each series, in one call."""
        ...

    def review_stats(
        self,
        *,
        group_by: str,
        since: datetime | None,
        until: datetime | None,
        include_pull_requests: bool = False,
    ) -> list[dict[str, Any]]: ...
