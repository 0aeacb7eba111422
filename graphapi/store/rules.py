"""The rules every store answers by, written once: list and search keys, orders of ties and
neighbours, the version and dependency walks, what a view shows of a node, the default
review kinds.

Both backends import these instead of spelling them again, so the contract suite's demand
(identical answers, ordering included) holds by construction rather than by care. Nothing
here knows a backend: the walks take a function that gives a node's neighbours.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from graphapi.model import REVIEW_KINDS, NodeData, NodeKind
from graphapi.store.aggregate import top_counts
from graphapi.store.answers import Position, Related, Tie, ViewEdge, ViewGraph, ViewNode

__all__ = [
    "DEFAULT_REVIEW_KINDS",
    "MAX_NEIGHBORHOOD_FIRST",
    "NEIGHBORHOOD_FIRST",
    "NEIGHBORHOOD_ORDER",
    "SEARCHED",
    "SUBSYSTEM_REVIEW_KINDS",
    "dep_data",
    "dependency_walk",
    "list_position",
    "matches",
    "neg_date",
    "node_label",
    "rank_ring",
    "related_order",
    "search_text",
    "sort_text",
    "sorted_ties",
    "top",
    "version_walk",
    "view_node",
    "weighted_view",
]

#: The trailer kinds a review counts by when a question names none (`model.REVIEW_KINDS`).
DEFAULT_REVIEW_KINDS: frozenset[str] = frozenset(kind.name for kind in REVIEW_KINDS)
#: The trailers that count as a subsystem owner's word on a series.
SUBSYSTEM_REVIEW_KINDS: frozenset[str] = frozenset({"REVIEWED_BY", "ACKED_BY"})
#: The properties a search looks for its words in.
SEARCHED = ("name", "title", "path", "emails", "domains")
#: How many nodes a neighbourhood keeps unless asked otherwise, and at most. A few hundred
#: nodes is what a force layout draws legibly in a browser (Cytoscape.js slows past a few
#: thousand), and keeps a busy person's 2-hop reply to tens of kilobytes instead of megabytes.
NEIGHBORHOOD_FIRST = 200
MAX_NEIGHBORHOOD_FIRST = 5000
#: Which nodes a bounded neighbourhood keeps (`rank_ring`), as the API documents it.
NEIGHBORHOOD_ORDER = (
    "the start node, then nearer rings before farther ones (a whole ring while it fits); in "
    "the ring that does not fit, the nodes with the most edges to the ring before it (each "
    "distinct neighbour, kind and direction counted once), then those with the most "
    "neighbours, then by id"
)
#: What a graph view carries of a node besides its label.
_VIEW_KEEP = ("resolved", "version", "isRfc", "messageId", "url", "placeholder", "mergeState")


# -- list order and search -------------------------------------------------------------------
def list_position(data: NodeData) -> Position:
    """The place of `data` in list order: series newest first, everything else by name (or
    path, or title), ties by key. Every store sorts lists by this, and a cursor holds it."""
    return (sort_text(data.kind, data.props), data.key)


def sort_text(kind: NodeKind, props: Mapping[str, Any]) -> str:
    """The first half of `list_position`, from a node's properties."""
    if kind is NodeKind.SERIES:
        return neg_date(props.get("date"))
    return str(props.get("name") or props.get("path") or props.get("title") or "")


def neg_date(value: Any) -> str:
    """Newest first under an ascending sort: invert the ISO string's characters."""
    if not value:
        return "~"
    return "".join(chr(0x7F - ord(c)) for c in str(value))


def search_text(props: Mapping[str, Any]) -> str:
    """The lower-cased haystack a search looks for each of its words in."""
    return " ".join(str(v) for k, v in props.items() if k in SEARCHED).lower()


def matches(data: NodeData, search: str) -> bool:
    """Whether every word of `search` occurs in the node's searched properties."""
    haystack = search_text(data.props)
    return all(word in haystack for word in search.lower().split())


# -- orders ------------------------------------------------------------------------------------
def related_order(found: Related) -> tuple[Any, ...]:
    """Neighbours by edge order, then number, then key, then kind (a series and its first
    patch share a key, and both touch the same files)."""
    edge = found.edge
    return (edge.get("order", 0), edge.get("number", 0), found.node.key, found.node.kind.value)


def sorted_ties(ties: Iterable[Tie]) -> list[Tie]:
    """Ties by count (distinct patches), most first, then by key: a total order."""
    return sorted(ties, key=lambda t: (-t.count, t.node.key))


def top(counts: Mapping[str, int], first: int) -> list[tuple[str, int]]:
    """The `first` largest tallies (see `aggregate.top_counts`)."""
    return top_counts(counts, first)


# -- walks -------------------------------------------------------------------------------------
def version_walk(steps: Callable[[str], Iterable[str]], start: str) -> list[str]:
    """Follow one direction of a version chain from `start` (not included): at a fork the
    smallest id wins; a node seen before ends the walk (cycle-safe)."""
    seen = {start}
    chain: list[str] = []
    current = start
    while True:
        following = sorted(n for n in steps(current) if n not in seen)
        if not following:
            return chain
        current = following[0]
        seen.add(current)
        chain.append(current)


#: A node's DEPENDS_ON edges as (source, target, edge properties), in the store's edge order.
DependencyEdges = Callable[[str, bool], Iterable[tuple[str, str, Mapping[str, Any]]]]


def dependency_walk(
    start: str, direction: str, max_depth: int, edges_of: DependencyEdges
) -> tuple[list[str], list[ViewEdge]]:
    """Series reachable over DEPENDS_ON from `start`, breadth first and cycle-safe: the node
    ids (sorted) and the distinct edges walked over (sorted; of parallel edges, the last).

    `edges_of(node, outgoing)` gives a node's outgoing (upstream) or incoming (downstream)
    dependency edges."""
    seen = {start}
    frontier = [start]
    edges: list[ViewEdge] = []
    for _ in range(max_depth):
        following: list[str] = []
        for nid in frontier:
            for source, target, data in _dependency_edges(nid, direction, edges_of):
                edges.append(ViewEdge(source, target, data["depKind"], None, dep_data(data)))
                other = target if source == nid else source
                if other not in seen:
                    seen.add(other)
                    following.append(other)
        frontier = sorted(following)
    unique = {(e.source, e.target, e.kind): e for e in edges}
    return sorted(seen), sorted(unique.values(), key=lambda e: (e.source, e.target, e.kind))


def _dependency_edges(
    nid: str, direction: str, edges_of: DependencyEdges
) -> Iterable[tuple[str, str, Mapping[str, Any]]]:
    if direction in ("UPSTREAM", "BOTH"):
        yield from edges_of(nid, True)
    if direction in ("DOWNSTREAM", "BOTH"):
        yield from edges_of(nid, False)


def dep_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """What a dependency edge shows in a view."""
    return {"declared": data.get("declared"), "label": data.get("label"), "url": data.get("url")}


# -- views -------------------------------------------------------------------------------------
def node_label(data: NodeData) -> str:
    """What a node is called on screen."""
    props = data.props
    if data.kind is NodeKind.SERIES:
        version = props.get("version") or 1
        prefix = "RFC " if props.get("isRfc") else ""
        return f"{props.get('title') or data.key} ({prefix}v{version})"
    for name in ("name", "title", "path", "subject", "url"):
        value = props.get(name)
        if value:
            return str(value)
    return data.key


def view_node(data: NodeData, weight: float | None = None) -> ViewNode:
    """A node as a graph view shows it: label, kind, weight, a few properties."""
    keep = {k: data.props[k] for k in _VIEW_KEEP if k in data.props}
    return ViewNode(data.id, data.kind.value, node_label(data), weight, keep)


def rank_ring(ties: Mapping[str, tuple[int, int]], room: int) -> list[str]:
    """The `room` nodes kept of the ring a bound cuts, in order (`NEIGHBORHOOD_ORDER`).

    `ties` gives each node's (edges to the ring before it, distinct neighbours): the most
    tied first, then the best connected (a series or a company before one of its messages),
    then by id, so the cut is the same on every store. A partial sort: a hub's ring has
    tens of thousands of nodes and a bound of a few hundred.
    """
    return heapq.nsmallest(room, ties, key=lambda n: (-ties[n][0], -ties[n][1], n))


def weighted_view(
    weights: Iterable[tuple[tuple[str, str], int]], node: Callable[[str], NodeData], first: int
) -> ViewGraph:
    """The review network: the `first` REVIEWED edges weighted by distinct patches, heaviest
    first (then by ids); each node weighted by the sum of its edges. `total_nodes` counts the
    nodes of every edge given, `truncated` says `first` left edges out."""
    given = sorted(weights, key=lambda item: (-item[1], item[0]))
    ranked = given[: max(first, 0)]
    edges = [ViewEdge(s, t, "REVIEWED", float(w)) for (s, t), w in ranked]
    totals: dict[str, float] = defaultdict(float)
    for edge in edges:
        totals[edge.source] += edge.weight or 0
        totals[edge.target] += edge.weight or 0
    everyone = {n for pair, _ in given for n in pair}
    nodes = [view_node(node(n), totals[n]) for n in sorted(totals)]
    return ViewGraph(nodes, edges, len(everyone), len(given) > len(ranked))
