"""What the store seam answers with: pages of nodes, neighbours, ties and graph views.

Plain frozen records, so that a resolver level costs one store call and both stores' answers
compare equal in the contract suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphapi.model import NodeData

__all__ = ["Page", "Position", "Related", "Tie", "ViewEdge", "ViewGraph", "ViewNode"]


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
    """A subgraph to draw. A bounded view (a neighbourhood's `first` nodes, a review
    network's `first` edges) says how many nodes it would have had unbounded, and whether
    anything was left out, so a front end can say "showing 300 of 4,210"."""

    nodes: list[ViewNode]
    edges: list[ViewEdge]
    #: Nodes of the unbounded view; None: the same as `len(nodes)` (nothing was cut).
    total_nodes: int | None = None
    #: True when nodes or edges of the unbounded view were left out.
    truncated: bool = False

    @property
    def node_total(self) -> int:
        """How many nodes the view would have had without its bound."""
        return len(self.nodes) if self.total_nodes is None else self.total_nodes
