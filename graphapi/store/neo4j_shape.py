"""Shaping Cypher rows into the store's answers, by the rules the embedded store
answers by (`rules`).

Each function takes the rows of one statement. Orderings are finished here, in Python,
with the keys of `rules`, so ties come out in the same order whatever order
Neo4j returned them in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from graphapi.model import NodeData, NodeKind, node_id
from graphapi.store import rules
from graphapi.store.aggregate import MergeFacts, hours_between, review_stats_table
from graphapi.store.base import Page, Related, Tie, ViewEdge, ViewGraph
from graphapi.store.neo4j_codec import decode_edge, kind_of, node_data
from graphapi.store.rules import related_order, view_node

__all__ = [
    "by_key",
    "dependency_view",
    "first_review",
    "lineage_chain",
    "neighborhood_view",
    "network_view",
    "node_of",
    "page",
    "related",
    "review_stats_rows",
    "stats_answer",
    "subsystems",
    "ties",
]


def node_of(props: Mapping[str, Any], labels: Iterable[str]) -> NodeData:
    return node_data(kind_of(labels), props)


def _projected(row: Mapping[str, Any]) -> NodeData:
    """A node from `neo4j_cypher.view_of`'s projection."""
    return node_of(row, row["_labels"])


def by_key(rows: Iterable[Mapping[str, Any]], keys: Sequence[str]) -> list[list[Mapping[str, Any]]]:
    """The rows of a `neo4j_cypher.per_key` statement regrouped: each key's, in `keys` order."""
    groups: dict[str, list[Mapping[str, Any]]] = {key: [] for key in keys}
    for row in rows:
        groups[row["key"]].append(row)
    return [groups[key] for key in keys]


def related(rows: Iterable[Mapping[str, Any]]) -> list[Related]:
    """`nx_lists.related`: neighbours in `related_order`."""
    found = [
        Related(node_of(row["props"], row["labels"]), decode_edge(row["edge"])) for row in rows
    ]
    found.sort(key=related_order)
    return found


def page(rows: Sequence[Mapping[str, Any]], kind: NodeKind) -> Page:
    """One page of `neo4j_cypher.list_nodes` (its single row)."""
    if not rows:
        return Page([], 0)
    row = rows[0]
    items = [node_of(props, [kind.value]) for props in row["items"]]
    return Page(items, int(row["total"]), bool(row["before"]), bool(row["more"]))


def first_review(rows: Sequence[Mapping[str, Any]]) -> tuple[NodeData, str] | None:
    """The reviewer and date of `neo4j_cypher_reviews.FIRST_REVIEW`'s row, if any."""
    if not rows:
        return None
    return node_of(rows[0]["props"], rows[0]["labels"]), str(rows[0]["date"])


def _lineage_value(key: str, lineage: Any, is_null: bool) -> Any:
    if lineage is not None or is_null:
        return lineage
    return node_id(NodeKind.PATCH, key)


def ties(rows: Iterable[Mapping[str, Any]], first: int) -> list[Tie]:
    """`nx_reviews._ties`: by count (distinct patches) then key; lineages distinct."""
    found = []
    for row in rows:
        patches = row["patches"]
        lineages = {_lineage_value(k, lineage, null) for k, lineage, null in patches}
        keys = tuple(sorted(k for k, _, _ in patches))
        found.append(Tie(node_of(row["props"], row["labels"]), len(keys), len(lineages), keys))
    return rules.sorted_ties(found)[:first]


def lineage_chain(rows: Iterable[Mapping[str, Any]], start: str) -> list[NodeData]:
    """`nx_lists.lineage`: walk older then newer versions, smallest id first, cycle-safe."""
    nodes: dict[str, NodeData] = {}
    older: dict[str, list[str]] = defaultdict(list)
    newer: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        data = node_of(row["props"], row["labels"])
        nodes[data.id] = data
        for label, key in row["out"]:
            target = node_id(NodeKind(label), key)
            if target not in older[data.id]:
                older[data.id].append(target)
                newer[target].append(data.id)
    if start not in nodes:
        return []
    older_chain = rules.version_walk(lambda n: older.get(n, ()), start)
    chain = [*reversed(older_chain), start, *rules.version_walk(lambda n: newer.get(n, ()), start)]
    return [nodes[n] for n in chain]


def dependency_view(
    rows: Iterable[Mapping[str, Any]], start: str, direction: str, max_depth: int
) -> ViewGraph:
    """`rules.dependency_walk` over the reachable part the statement returned."""
    nodes: dict[str, NodeData] = {}
    edges: list[tuple[str, str, dict[str, Any]]] = []
    for row in rows:
        data = _projected(row["node"])
        nodes[data.id] = data
        for label, key, props in row["out"]:
            edges.append((data.id, node_id(NodeKind(label), key), decode_edge(props)))
    if start not in nodes:
        return ViewGraph([], [])
    edges.sort(key=lambda e: e[2].get("order", 0))  # parallel edges: the last one written wins
    outgoing: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    incoming: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    for edge in edges:
        outgoing[edge[0]].append(edge)
        incoming[edge[1]].append(edge)

    def edges_of(nid: str, out: bool) -> list[tuple[str, str, dict[str, Any]]]:
        return (outgoing if out else incoming).get(nid, [])

    seen, walked = rules.dependency_walk(start, direction, max_depth, edges_of)
    return ViewGraph([view_node(nodes[n]) for n in seen], walked)


def neighborhood_view(rows: Sequence[Mapping[str, Any]]) -> ViewGraph:
    """`nx_views.neighborhood`: the kept nodes by id, distinct (source, target, type) edges,
    and the unbounded count every row carries (no rows: the start node does not exist)."""
    nodes: dict[str, NodeData] = {}
    edges: set[tuple[str, str, str]] = set()
    for row in rows:
        data = _projected(row["node"])
        nodes[data.id] = data
        for label, key, kind in row["out"]:
            edges.add((data.id, node_id(NodeKind(label), key), kind))
    if not rows:
        return ViewGraph([], [])
    total = int(rows[0]["total"])
    return ViewGraph(
        [view_node(nodes[n]) for n in sorted(nodes)],
        [ViewEdge(s, t, k) for s, t, k in sorted(edges)],
        total,
        len(nodes) < total,
    )


def network_view(rows: Sequence[Mapping[str, Any]], first: int) -> ViewGraph:
    """`rules.weighted_view` from the one row of the statement: its ranked `top` (source,
    target, weight) and the network's size uncut (`pairs`, `people`)."""
    weights = []
    nodes: dict[str, NodeData] = {}
    row: Mapping[str, Any] = rows[0] if rows else {"top": [], "pairs": 0, "people": 0}
    for pair in row["top"]:
        source, target = _projected(pair["source"]), _projected(pair["target"])
        nodes[source.id], nodes[target.id] = source, target
        weights.append(((source.id, target.id), int(pair["w"])))
    view = rules.weighted_view(weights, nodes.__getitem__, first)
    return replace(view, total_nodes=int(row["people"]), truncated=int(row["pairs"]) > len(weights))


def _top(counts: Iterable[Sequence[Any]], first: int) -> list[tuple[str, int]]:
    return rules.top({str(name): int(count) for name, count in counts}, first)


def stats_answer(row: Mapping[str, Any], first: int) -> dict[str, Any]:
    """`nx_stats.stats` from the one row of the stats statement."""
    counts = {label: int(count) for label, count in row["counts"]}
    top = [(node_data(NodeKind.PERSON, props), int(count)) for props, count in row["top"]]
    top.sort(key=lambda item: (-item[1], item[0].id))
    return {
        "counts": {kind.value: counts.get(kind.value, 0) for kind in NodeKind},
        "topDomains": _top(row["domains"], first),
        "topCompanies": _top(row["companies"], first),
        "topContributors": top[:first],
    }


def _group_names(row: Mapping[str, Any], group_by: str) -> list[str]:
    if group_by == "SUBSYSTEM":
        return sorted(set(row["subsystems"])) or ["(no subsystem)"]
    return [row["company"] if row["company"] is not None else "(independent or unknown)"]


def review_stats_rows(rows: Iterable[Mapping[str, Any]], group_by: str) -> list[dict[str, Any]]:
    """`nx_stats.review_stats` from one row per series posted in the window."""
    groups: dict[str, list[float | None]] = defaultdict(list)
    merges: dict[str, list[MergeFacts]] = defaultdict(list)
    for row in rows:
        delay = hours_between(row["posted"], row["reviewed"])
        for name in _group_names(row, group_by):
            groups[name].append(delay)
            merges[name].append((row["mergeState"], row["hoursToMerge"]))
    return review_stats_table(groups, merges)


def subsystems(rows: Iterable[Mapping[str, Any]]) -> list[tuple[NodeData, list[NodeData]]]:
    """`nx_reviews.series_subsystems`: most precise (lowest rank) first, then by id."""
    found = []
    for row in rows:
        subsystem = node_of(row["props"], row["labels"])
        given = {p.id: p for p in (node_of(props, labels) for props, labels in row["given"])}
        rank = min(99, *row["ranks"])
        found.append((rank, subsystem, [given[i] for i in sorted(given)]))
    found.sort(key=lambda item: (item[0], item[1].id))
    return [(subsystem, given) for _, subsystem, given in found]
