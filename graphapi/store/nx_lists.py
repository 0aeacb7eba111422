"""Lists of nodes, pages after a position, neighbours and version chains on the networkx graph."""

from __future__ import annotations

import weakref
from bisect import bisect_right
from functools import partial
from typing import Any

from graphapi.model import EdgeKind, NodeData, NodeKind, node_id
from graphapi.store import rules
from graphapi.store.base import Page, Position, Related
from graphapi.store.nx_graph import (
    Graph,
    in_nodes,
    kept_in,
    nodes_of,
    out_nodes,
    per_graph,
    to_data,
)
from graphapi.store.rules import list_position, matches, related_order


def page_after(items: list[NodeData], after: Position | None, first: int) -> Page:
    """The page of sorted `items` that follows `after`: found by bisection, so an item
    inserted before `after` by a reload shifts nothing, and none is repeated or skipped."""
    start = 0 if after is None else bisect_right(items, after, key=list_position)
    return Page(items[start : start + first], len(items), start > 0, start + first < len(items))


def list_nodes(
    graph: Graph,
    kind: NodeKind,
    search: str | None,
    related_to: tuple[EdgeKind, NodeKind, str] | None,
) -> list[NodeData]:
    """Nodes of a kind, optionally searched and limited to those linked to another node."""
    if related_to is None:  # the kept listing is sorted already; filtering keeps its order
        listing = _listing(graph, kind)
        return [c for c in listing if matches(c, search)] if search else listing
    edge, other_kind, other_key = related_to
    other = node_id(other_kind, other_key)
    ids = set(in_nodes(graph, other, edge)) | set(out_nodes(graph, other, edge))
    candidates = [to_data(graph.nodes[n]) for n in ids if graph.nodes[n]["kind"] is kind]
    if search:
        candidates = [c for c in candidates if matches(c, search)]
    return sorted(candidates, key=list_position)


_LISTINGS: weakref.WeakKeyDictionary[Any, dict[NodeKind, list[NodeData]]] = per_graph()


def build_listings(graph: Graph) -> None:
    """Build every kind's listing now (`warm`), not on the first request for it."""
    for kind in NodeKind:
        _listing(graph, kind)


def _listing(graph: Graph, kind: NodeKind) -> list[NodeData]:
    """Every non-placeholder node of a kind in list order, kept per graph: a page of the
    unfiltered lists (allSeries, people, ...) was a scan and sort of the whole graph."""
    by_kind = _LISTINGS.setdefault(graph, {})
    listing = by_kind.get(kind)
    if listing is None:
        nodes = [to_data(a) for a in nodes_of(graph, kind) if not a.get("placeholder")]
        listing = by_kind[kind] = sorted(nodes, key=list_position)
    return listing


def related(graph: Graph, nid: str, edge: EdgeKind, direction: str) -> list[Related]:
    """Neighbours over one edge kind with the edge's properties, in a stable order.

    Read off the adjacency dicts (`_succ`/`_pred`: {neighbour: {key: edge data}}) rather than
    through `out_edges(data=True)`, whose view costs a generator step per edge: a series has
    an edge to every file it touches, and this scan was half of a page of twenty series."""
    adjacency = (graph._succ if direction == "out" else graph._pred).get(nid)
    if adjacency is None:
        return []
    found: list[Related] = []
    for other, parallel in adjacency.items():
        for data in parallel.values():
            if data["kind"] is edge:
                props = {k: v for k, v in data.items() if k != "kind"}
                found.append(Related(to_data(graph.nodes[other]), props))
    found.sort(key=related_order)
    return found


#: Neighbour lists kept per graph (`kept_related`), in an LRU of their own.
RELATED_KEPT = 32_768
_RELATED: weakref.WeakKeyDictionary[Any, Any] = per_graph()


def kept_related(graph: Graph, nid: str, edge: EdgeKind, direction: str) -> list[Related]:
    """`related`, kept per graph until the next write (callers must not mutate it)."""
    return kept_in(
        _RELATED,
        RELATED_KEPT,
        graph,
        (nid, edge, direction),
        partial(related, graph, nid, edge, direction),
    )


_ADDRESS_INDEX: weakref.WeakKeyDictionary[Any, dict[str, str]] = per_graph()


def person_by_address(graph: Graph, email: str) -> str | None:
    """The person node that has `email` among its addresses.

    A person's key is the canonical address a .mailmap or aliases file chose; the other
    addresses they wrote from are kept in `emails` and must find them too. Where two people
    list one address (an aliases file and a mailmap disagreeing), the smaller key wins, so
    the answer does not depend on load order.
    """
    index = _ADDRESS_INDEX.get(graph)
    if index is None:
        index = {}
        for attrs in nodes_of(graph, NodeKind.PERSON):
            nid = node_id(NodeKind.PERSON, attrs["key"])
            for address in attrs["props"].get("emails") or ():
                if address not in index or nid < index[address]:
                    index[address] = nid
        _ADDRESS_INDEX[graph] = index
    return index.get(email)


def lineage(graph: Graph, series: str) -> list[NodeData]:
    """The whole version chain through `series`, oldest first (cycle-safe)."""
    if series not in graph:
        return []
    older = rules.version_walk(lambda n: out_nodes(graph, n, EdgeKind.PREVIOUS_VERSION), series)
    newer = rules.version_walk(lambda n: in_nodes(graph, n, EdgeKind.PREVIOUS_VERSION), series)
    chain = [*reversed(older), series, *newer]
    return [to_data(graph.nodes[n]) for n in chain]
