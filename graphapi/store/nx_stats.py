"""Whole-graph figures on the networkx graph: counts, top contributors, review statistics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from graphapi.model import EdgeKind, NodeKind, node_id
from graphapi.store import rules
from graphapi.store.aggregate import MergeFacts, hours_between, review_stats_table
from graphapi.store.nx_graph import PULL_REQUEST, Graph, in_nodes, nodes_of, out_nodes, to_data
from graphapi.store.nx_reviews import company_of, first_review, in_window


def stats(graph: Graph, first: int) -> dict[str, Any]:
    """Counts per kind and the top domains, companies and contributors by patches."""
    counts: dict[int, int] = defaultdict(int)  # by id: an enum member hashes in Python
    for attrs in graph._node.values():
        if not attrs.get("placeholder"):
            counts[id(attrs["kind"])] += 1
    per_person = _patches_per_person(graph)
    domains: dict[str, int] = defaultdict(int)
    companies: dict[str, int] = defaultdict(int)
    for person, count in per_person.items():
        emails = graph.nodes[person]["props"].get("emails") or []
        if emails:
            domains[emails[0].rpartition("@")[2]] += count
        company = company_of(graph, person)
        if company is not None:
            companies[graph.nodes[company]["props"]["name"]] += count
    return {
        "counts": {kind.value: counts[id(kind)] for kind in NodeKind},
        "topDomains": rules.top(domains, first),
        "topCompanies": rules.top(companies, first),
        "topContributors": [(to_data(graph.nodes[p]), c) for p, c in rules.top(per_person, first)],
    }


def _patches_per_person(graph: Graph) -> dict[str, int]:
    """Patches contributed: a cover's shortlog counts for its series, else authored patches.

    Read from the predecessor dicts directly: networkx's edge views cost more than the
    counting, and a server computes this again after every load it takes up."""
    totals: dict[str, int] = defaultdict(int)
    pred = graph._pred
    for attrs in nodes_of(graph, NodeKind.SERIES):
        into = pred[node_id(NodeKind.SERIES, attrs["key"])]
        contributed = [
            (s, d.get("count", 0))
            for s, keyed in into.items()
            for d in keyed.values()
            if d["kind"] is EdgeKind.CONTRIBUTED
        ]
        if contributed:
            for person, count in contributed:
                totals[person] += count
            continue
        for patch, keyed in into.items():
            for d in keyed.values():
                if d["kind"] is EdgeKind.PART_OF:
                    for person in _sources(pred[patch], EdgeKind.AUTHORED):
                        totals[person] += 1
    return totals


def _sources(into: dict[str, dict[str, Any]], kind: EdgeKind) -> Iterator[str]:
    """The source of every edge of `kind` in a predecessor dict (once per edge)."""
    for source, keyed in into.items():
        for d in keyed.values():
            if d["kind"] is kind:
                yield source


def review_stats(
    graph: Graph,
    group_by: str,
    since: datetime | None,
    until: datetime | None,
    include_pull_requests: bool = False,
) -> list[dict[str, Any]]:
    """Per company (of the author) or subsystem: series posted, share reviewed, median delay.
    Pull requests are left out unless asked for: nobody reviews a pull as patches."""
    groups: dict[str, list[float | None]] = defaultdict(list)
    merges: dict[str, list[MergeFacts]] = defaultdict(list)
    for attrs in nodes_of(graph, NodeKind.SERIES):
        props = attrs["props"]
        if attrs.get("placeholder") or not props.get("date"):
            continue
        if not include_pull_requests and props.get("seriesKind") == PULL_REQUEST:
            continue
        if not in_window(props["date"], since, until):
            continue
        delay = _hours_to_first_review(graph, attrs["key"], props["date"])
        for name in _group_names(graph, attrs["key"], group_by):
            groups[name].append(delay)
            merges[name].append((props.get("mergeState"), props.get("hoursToMerge")))
    return review_stats_table(groups, merges)


def _hours_to_first_review(graph: Graph, series_key: str, posted: str) -> float | None:
    found = first_review(graph, series_key)
    return hours_between(posted, found[1]) if found else None


def _group_names(graph: Graph, series_key: str, group_by: str) -> list[str]:
    series = node_id(NodeKind.SERIES, series_key)
    if group_by == "SUBSYSTEM":
        names = {
            graph.nodes[s]["props"]["name"]
            for f in out_nodes(graph, series, EdgeKind.TOUCHES)
            for s in out_nodes(graph, f, EdgeKind.IN_SUBSYSTEM)
        }
        return sorted(names) or ["(no subsystem)"]
    author = next(in_nodes(graph, series, EdgeKind.AUTHORED), None)
    company = company_of(graph, author) if author else None
    return [graph.nodes[company]["props"]["name"] if company else "(independent or unknown)"]
