"""Graph views on the networkx graph: dependencies, neighbourhoods, review networks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from graphapi.model import EdgeKind
from graphapi.store import rules
from graphapi.store.base import ViewEdge, ViewGraph, ViewNode
from graphapi.store.nx_graph import Graph, to_data
from graphapi.store.nx_reviews import company_triples, review_triples


def _view_node(graph: Graph, nid: str, weight: float | None = None) -> ViewNode:
    return rules.view_node(to_data(graph.nodes[nid]), weight)


def dependency_graph(graph: Graph, start: str, direction: str, max_depth: int) -> ViewGraph:
    """Series reachable over DEPENDS_ON, up- or downstream (`rules.dependency_walk`)."""
    if start not in graph:
        return ViewGraph([], [])

    def edges_of(nid: str, outgoing: bool) -> Iterator[tuple[str, str, dict[str, Any]]]:
        found = graph.out_edges(nid, data=True) if outgoing else graph.in_edges(nid, data=True)
        return ((s, t, d) for s, t, d in found if d["kind"] is EdgeKind.DEPENDS_ON)

    seen, edges = rules.dependency_walk(start, direction, max_depth, edges_of)
    return ViewGraph([_view_node(graph, n) for n in seen], edges)


def neighborhood(graph: Graph, start: str, depth: int, first: int | None = None) -> ViewGraph:
    """The nodes within `depth` edges of `start` (either direction), at most `first` of them
    (`rules.NEIGHBORHOOD_ORDER`), and the edges among those kept.

    A plain walk over the adjacency (no subgraph views: their per-edge filters made a hub's
    2-hop neighbourhood cost ~0.3 s); parallel edges of one kind are one view edge. The walk
    still visits every ring to count the unbounded view (`total_nodes`), but only the kept
    nodes are made into view nodes and only their edges are read.
    """
    if start not in graph:
        return ViewGraph([], [])
    rings = _rings(graph, start, depth)
    total = sum(len(ring) for ring in rings)
    kept = _kept_nodes(graph, rings, total if first is None else max(first, 1))
    adjacency = graph._succ  # the plain dicts behind graph.succ: its views cost ~5 us a step
    edges = {
        (source, target, data["kind"])
        for source in kept
        for target, parallel in adjacency[source].items()
        if target in kept
        for data in parallel.values()
    }
    nodes = [_view_node(graph, n) for n in sorted(kept)]
    found = sorted((s, t, k.value) for s, t, k in edges)
    cut = len(kept) < total
    return ViewGraph(nodes, [ViewEdge(s, t, k) for s, t, k in found], total, cut)


def _rings(graph: Graph, start: str, depth: int) -> list[set[str]]:
    """`start`, then the nodes at each distance up to `depth` (breadth first, either way)."""
    seen = {start}
    rings = [{start}]
    for _ in range(depth):
        following: set[str] = set()
        for node in rings[-1]:
            following.update(graph._succ[node])
            following.update(graph._pred[node])
        ring = following - seen
        if not ring:
            break
        seen |= ring
        rings.append(ring)
    return rings


def _kept_nodes(graph: Graph, rings: list[set[str]], first: int) -> set[str]:
    """Whole rings, nearest first, while they fit; the first ring that does not fit gives
    its places to the nodes most tied to the ring before it (`rules.rank_ring`)."""
    kept: set[str] = set()
    for distance, ring in enumerate(rings):
        room = first - len(kept)
        if len(ring) <= room:
            kept |= ring
            continue
        if room > 0:
            ties = _ties(graph, rings[distance - 1], ring)
            kept.update(rules.rank_ring(ties, room))
        break
    return kept


def _ties(graph: Graph, nearer: set[str], ring: set[str]) -> dict[str, tuple[int, int]]:
    """Per node of `ring`: its view edges (distinct neighbour, kind and direction) to
    `nearer`, the ring before it, and its distinct neighbours (`rules.rank_ring`)."""
    ties = dict.fromkeys(ring, 0)
    for adjacency in (graph._succ, graph._pred):
        for node in nearer:
            for other, parallel in adjacency[node].items():
                if other in ties:
                    ties[other] += len({data["kind"] for data in parallel.values()})
    succ, pred = graph._succ, graph._pred
    return {n: (count, len(succ[n].keys() | pred[n].keys())) for n, count in ties.items()}


def review_network(
    graph: Graph,
    level: str,
    kinds: set[str],
    since: datetime | None,
    until: datetime | None,
    min_weight: int,
    first: int,
) -> ViewGraph:
    """Reviewer -> author edges weighted by distinct patches, at person or company level."""
    weights: dict[tuple[str, str], set[str]] = defaultdict(set)
    triples = company_triples if level == "COMPANY" else review_triples
    for reviewer, author, patch in triples(graph, kinds, since, until):
        weights[(reviewer, author)].add(patch)
    kept = ((pair, len(p)) for pair, p in weights.items() if len(p) >= min_weight)
    return rules.weighted_view(kept, lambda n: to_data(graph.nodes[n]), first)
