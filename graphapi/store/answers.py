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
    nodes: list[ViewNode]
    edges: list[ViewEdge]
