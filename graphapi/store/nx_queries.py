"""Graph queries as plain functions over the networkx graph of `NetworkXStore`.

Each answers one question of the API in one pass; orderings are total (count, then key)
so every store can reproduce them exactly.
"""

from __future__ import annotations

import weakref
from bisect import bisect_right
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from graphapi.model import EdgeKind, NodeData, NodeKind, SeriesKind, TrailerSource, node_id
from graphapi.store import rules
from graphapi.store.aggregate import MergeFacts, hours_between, review_stats_table
from graphapi.store.base import Page, Position, Related, Tie, ViewEdge, ViewGraph, ViewNode
from graphapi.store.rules import DEFAULT_REVIEW_KINDS, list_position, matches, related_order

__all__ = [
    "company_ties",
    "dependency_graph",
    "file_people",
    "lineage",
    "list_nodes",
    "neighborhood",
    "page_after",
    "related",
    "remembered",
    "review_network",
    "review_ties",
    "series_reviewers",
    "series_subsystems",
    "stats",
    "to_data",
]

Graph = Any
T = TypeVar("T")


def to_data(attrs: dict[str, Any]) -> NodeData:
    props = dict(attrs["props"])
    props["placeholder"] = attrs.get("placeholder", False)
    return NodeData(attrs["kind"], attrs["key"], props)


def nodes_of(graph: Graph, kind: NodeKind) -> Iterator[dict[str, Any]]:
    for _, attrs in graph.nodes(data=True):
        if attrs["kind"] is kind:
            yield attrs


def out_nodes(graph: Graph, nid: str, kind: EdgeKind) -> Iterator[str]:
    if nid not in graph:
        return
    for _, target, data in graph.out_edges(nid, data=True):
        if data["kind"] is kind:
            yield target


def in_nodes(graph: Graph, nid: str, kind: EdgeKind) -> Iterator[str]:
    if nid not in graph:
        return
    for source, _, data in graph.in_edges(nid, data=True):
        if data["kind"] is kind:
            yield source


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


_LISTINGS: weakref.WeakKeyDictionary[Any, dict[NodeKind, list[NodeData]]] = (
    weakref.WeakKeyDictionary()
)


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
    """Neighbours over one edge kind with the edge's properties, in a stable order."""
    if nid not in graph:
        return []
    edges = (
        graph.out_edges(nid, data=True) if direction == "out" else graph.in_edges(nid, data=True)
    )
    found: list[Related] = []
    for source, target, data in edges:
        if data["kind"] is edge:
            other = target if direction == "out" else source
            props = {k: v for k, v in data.items() if k != "kind"}
            found.append(Related(to_data(graph.nodes[other]), props))
    found.sort(key=related_order)
    return found


def _author_of(graph: Graph, patch: str) -> str | None:
    return next(in_nodes(graph, patch, EdgeKind.AUTHORED), None)


def _ties(graph: Graph, pairs: Mapping[str, set[str]]) -> list[Tie]:
    """Aggregate `other -> patches` into ties ordered by count, then key."""
    ties = []
    for other, patches in pairs.items():
        lineages = {graph.nodes[p]["props"].get("lineage", p) for p in patches}
        keys = tuple(sorted(graph.nodes[p]["key"] for p in patches))
        ties.append(Tie(to_data(graph.nodes[other]), len(patches), len(lineages), keys))
    return rules.sorted_ties(ties)


def review_ties(graph: Graph, person_key: str, as_reviewer: bool, kinds: set[str]) -> list[Tie]:
    """Who reviewed this person's patches (or whose patches this person reviewed)."""
    person = node_id(NodeKind.PERSON, person_key)
    pairs: dict[str, set[str]] = defaultdict(set)
    if as_reviewer:
        for patch, _ in _out_trailers(graph, person, kinds):
            author = _author_of(graph, patch)
            if author is not None and author != person:
                pairs[author].add(patch)
    else:
        index = people_index(graph)
        for patch in index.authored.get(person, ()):
            for reviewer, kind in index.trailers_on.get(patch, ()):
                if kind in kinds and reviewer != person:
                    pairs[reviewer].add(patch)
    return _ties(graph, pairs)


def _is_review(data: dict[str, Any], kinds: set[str] | frozenset[str]) -> bool:
    """A review trailer of one of `kinds` that counts: not CARRIED from an earlier version."""
    return bool(
        data["kind"] is EdgeKind.TRAILER
        and data.get("trailerKind") in kinds
        and data.get("source") != CARRIED
    )


def _out_trailers(
    graph: Graph, person: str, kinds: set[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    if person not in graph:
        return
    for _, patch, data in graph.out_edges(person, data=True):
        if _is_review(data, kinds):
            yield patch, data


_Span = tuple[str, str, str]  # (from, until, company node), "" and "9999" when open


def employment(graph: Graph, person: str) -> list[_Span]:
    """A person's EMPLOYED_BY spans: `from` inclusive, `until` exclusive, open when absent."""
    if person not in graph:
        return []
    return [
        (data.get("from") or "", data.get("until") or "9999", target)
        for _, target, data in graph.out_edges(person, data=True)
        if data["kind"] is EdgeKind.EMPLOYED_BY
    ]


def company_at(spans: list[_Span], when: str | None = None) -> str | None:
    """The company of `spans` at `when` (an ISO date or datetime), or the latest one."""
    if when:
        day = when[:10]
        spans = [s for s in spans if s[0] <= day < s[1]]
    return max(spans, key=lambda s: (s[1], s[0]))[2] if spans else None


def company_of(graph: Graph, person: str, when: str | None = None) -> str | None:
    """The person's company at `when`, or the latest one (see `employment`)."""
    return company_at(employment(graph, person), when)


def series_subsystems(graph: Graph, series_key: str) -> list[tuple[NodeData, list[NodeData]]]:
    """Subsystems whose files a series touches (most precise first), each with the
    maintainers and designated reviewers of it who gave Reviewed-by or Acked-by."""
    series = node_id(NodeKind.SERIES, series_key)
    files = set(out_nodes(graph, series, EdgeKind.TOUCHES))
    patches = list(in_nodes(graph, series, EdgeKind.PART_OF))
    for patch in patches:
        files.update(out_nodes(graph, patch, EdgeKind.TOUCHES))
    best: dict[str, int] = {}
    for path in files:
        for _, subsystem, data in graph.out_edges(path, data=True):
            if data["kind"] is EdgeKind.IN_SUBSYSTEM:
                best[subsystem] = min(best.get(subsystem, 99), data.get("rank", 0))
    reviewers = {
        person
        for patch in patches
        for person, _, data in graph.in_edges(patch, data=True)
        if _is_review(data, rules.SUBSYSTEM_REVIEW_KINDS)
    }
    result = []
    for subsystem in sorted(best, key=lambda s: (best[s], s)):
        owners = set(in_nodes(graph, subsystem, EdgeKind.MAINTAINS))
        owners |= set(in_nodes(graph, subsystem, EdgeKind.REVIEWS_FOR))
        given = sorted(owners & reviewers)
        result.append((to_data(graph.nodes[subsystem]), [to_data(graph.nodes[p]) for p in given]))
    return result


def company_ties(graph: Graph, company_key: str, as_reviewer: bool) -> list[Tie]:
    """Companies reviewing this company's patches (or reviewed by it); count = patches."""
    company = node_id(NodeKind.COMPANY, company_key)
    index = company_index(graph)
    pairs = (index.reviewed if as_reviewer else index.reviewed_by).get(company, {})
    return _ties(graph, pairs)


@dataclass(frozen=True, slots=True)
class CompanyIndex:
    """Cross-company reviews (default kinds) both ways, summed once per graph: a company's
    ties were a pass over every review of the graph per request."""

    reviewed: dict[str, dict[str, set[str]]]  # reviewer company -> author company -> patches
    reviewed_by: dict[str, dict[str, set[str]]]  # author company -> reviewer company -> patches


_COMPANY_INDEX: weakref.WeakKeyDictionary[Any, CompanyIndex] = weakref.WeakKeyDictionary()


def company_index(graph: Graph) -> CompanyIndex:
    index = _COMPANY_INDEX.get(graph)
    if index is None:
        reviewed: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        reviewed_by: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for rc, ac, patch in _company_triples(graph, DEFAULT_REVIEW_KINDS, None, None):
            reviewed[rc][ac].add(patch)
            reviewed_by[ac][rc].add(patch)
        index = _COMPANY_INDEX[graph] = CompanyIndex(
            {c: dict(p) for c, p in reviewed.items()}, {c: dict(p) for c, p in reviewed_by.items()}
        )
    return index


#: Trailers carried over from an earlier version (loaders.assembly.carry): shown, never counted.
CARRIED = TrailerSource.CARRIED.value
PULL_REQUEST = SeriesKind.PULL_REQUEST.value


_Review = tuple[str, str, str, str, str | None, str | None, str | None]
_REVIEW_INDEX: weakref.WeakKeyDictionary[Any, list[_Review]] = weakref.WeakKeyDictionary()


def invalidate(graph: Graph) -> None:
    """Forget derived indexes of `graph` (call after every write)."""
    _REVIEW_INDEX.pop(graph, None)
    _PEOPLE_INDEX.pop(graph, None)
    _LISTINGS.pop(graph, None)
    _ADDRESS_INDEX.pop(graph, None)
    _COMPANY_INDEX.pop(graph, None)
    _ANSWERS.pop(graph, None)


_ADDRESS_INDEX: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()


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


#: How many answers `remembered` keeps per graph (least recently used go first).
ANSWERS_KEPT = 4096

_ANSWERS: weakref.WeakKeyDictionary[Any, OrderedDict[Hashable, Any]] = weakref.WeakKeyDictionary()


def remembered(graph: Graph, question: Hashable, compute: Callable[[], T]) -> T:
    """The answer to `question` about `graph`, computed on first asking and then kept.

    A served graph does not change until the next write or reload (which drops this with
    the graph), so an aggregate asked again (stats, a company's ties, a hub's neighbourhood)
    costs a dict look-up instead of a pass over everything it sums. Bounded (LRU), since
    questions carry arguments (dates, kinds) and there are many people and files.
    Callers must not mutate what they get.
    """
    answers = _ANSWERS.get(graph)
    if answers is None:
        answers = _ANSWERS[graph] = OrderedDict()
    found = answers.get(question, _MISSING)
    if found is _MISSING:
        found = answers[question] = compute()
        if len(answers) > ANSWERS_KEPT:
            answers.popitem(last=False)
    else:
        answers.move_to_end(question)
    return found  # type: ignore[no-any-return]


_MISSING = object()


@dataclass(frozen=True, slots=True)
class PeopleIndex:
    """Who wrote and who gave trailers on each node, read from edge lists once per graph:
    asking networkx for a patch's in-edges builds view objects, and a person with a thousand
    patches asked for that a thousand times per request."""

    authored: dict[str, list[str]]  # person -> nodes they authored
    authors_of: dict[str, list[str]]  # node -> its authors
    trailers_on: dict[str, list[tuple[str, str | None]]]  # node -> (giver, trailer kind)


_PEOPLE_INDEX: weakref.WeakKeyDictionary[Any, PeopleIndex] = weakref.WeakKeyDictionary()


def people_index(graph: Graph) -> PeopleIndex:
    index = _PEOPLE_INDEX.get(graph)
    if index is None:
        index = PeopleIndex(defaultdict(list), defaultdict(list), defaultdict(list))
        for source, target, data in _edges(graph):
            kind = data["kind"]
            if kind is EdgeKind.AUTHORED:
                index.authored[source].append(target)
                index.authors_of[target].append(source)
            elif kind is EdgeKind.TRAILER and data.get("source") != CARRIED:
                index.trailers_on[target].append((source, data.get("trailerKind")))
        index = PeopleIndex(dict(index.authored), dict(index.authors_of), dict(index.trailers_on))
        _PEOPLE_INDEX[graph] = index
    return index


def _edges(graph: Graph) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """`graph.edges(data=True)`, in the same order, read from the adjacency dicts directly
    (the edge view costs a generator step per edge, a third of building the indexes)."""
    for source, targets in graph._succ.items():
        for target, parallel in targets.items():
            for data in parallel.values():
                yield source, target, data


def review_index(graph: Graph) -> list[_Review]:
    """Every person trailer on a patch with its author and companies, built once per graph.

    A served graph does not change, so the whole-graph aggregations (company ties, review
    networks) read this list instead of walking every edge for every request.
    """
    index = _REVIEW_INDEX.get(graph)
    if index is None:
        index = []
        spans: dict[str, list[_Span]] = {}  # a person's employers, read once, not per trailer
        authors_of = people_index(graph).authors_of
        for reviewer, patch, data in _edges(graph):
            if data["kind"] is not EdgeKind.TRAILER or data.get("source") == CARRIED:
                continue
            authors = authors_of.get(patch)
            author = authors[0] if authors else None
            if author is None or author == reviewer:
                continue
            date = data.get("date") or graph.nodes[patch]["props"].get("date")
            for person in (reviewer, author):
                if person not in spans:
                    spans[person] = employment(graph, person)
            rc, ac = company_at(spans[reviewer], date), company_at(spans[author], date)
            index.append((reviewer, author, patch, data.get("trailerKind", ""), date, rc, ac))
        _REVIEW_INDEX[graph] = index
    return index


def _review_triples(
    graph: Graph, kinds: set[str] | frozenset[str], since: datetime | None, until: datetime | None
) -> Iterator[tuple[str, str, str]]:
    """(reviewer, author, patch) for every review trailer, self-reviews excluded."""
    for reviewer, author, patch, kind, date, _, _ in review_index(graph):
        if kind in kinds and _in_window(date, since, until):
            yield reviewer, author, patch


def _company_triples(
    graph: Graph, kinds: set[str] | frozenset[str], since: datetime | None, until: datetime | None
) -> Iterator[tuple[str, str, str]]:
    """(reviewer company, author company, patch) for reviews across two known companies."""
    for _, _, patch, kind, date, rc, ac in review_index(graph):
        if rc and ac and rc != ac and kind in kinds and _in_window(date, since, until):
            yield rc, ac, patch


def _in_window(date: str | None, since: datetime | None, until: datetime | None) -> bool:
    if since is None and until is None:
        return True
    if not date:
        return False
    value = datetime.fromisoformat(date)
    return (since is None or value >= since) and (until is None or value <= until)


def file_people(graph: Graph, path: str, reviewers: bool) -> list[Tie]:
    """Authors (or reviewers) of the patches touching a file, by patch count."""
    index = people_index(graph)
    pairs: dict[str, set[str]] = defaultdict(set)
    for patch in in_nodes(graph, node_id(NodeKind.FILE, path), EdgeKind.TOUCHES):
        if graph.nodes[patch]["kind"] is not NodeKind.PATCH:
            continue
        if reviewers:
            for person, kind in index.trailers_on.get(patch, ()):
                if kind in DEFAULT_REVIEW_KINDS:
                    pairs[person].add(patch)
        else:
            for person in index.authors_of.get(patch, ()):
                pairs[person].add(patch)
    return _ties(graph, pairs)


def series_reviewers(graph: Graph, series_key: str, kinds: set[str]) -> list[Tie]:
    series = node_id(NodeKind.SERIES, series_key)
    pairs: dict[str, set[str]] = defaultdict(set)
    for patch in in_nodes(graph, series, EdgeKind.PART_OF):
        author = _author_of(graph, patch)
        for person, _, data in graph.in_edges(patch, data=True):
            if _is_review(data, kinds) and person != author:
                pairs[person].add(patch)
    return _ties(graph, pairs)


def lineage(graph: Graph, series: str) -> list[NodeData]:
    """The whole version chain through `series`, oldest first (cycle-safe)."""
    if series not in graph:
        return []
    older = rules.version_walk(lambda n: out_nodes(graph, n, EdgeKind.PREVIOUS_VERSION), series)
    newer = rules.version_walk(lambda n: in_nodes(graph, n, EdgeKind.PREVIOUS_VERSION), series)
    chain = [*reversed(older), series, *newer]
    return [to_data(graph.nodes[n]) for n in chain]


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


def neighborhood(graph: Graph, start: str, depth: int) -> ViewGraph:
    """Every node within `depth` edges of `start` (either direction) and the edges among them.

    A plain walk over the adjacency (no subgraph views: their per-edge filters made a hub's
    2-hop neighbourhood cost ~0.3 s); parallel edges of one kind are one view edge.
    """
    if start not in graph:
        return ViewGraph([], [])
    seen = {start}
    frontier = {start}
    for _ in range(depth):
        following: set[str] = set()
        for node in frontier:
            following.update(graph.successors(node))
            following.update(graph.predecessors(node))
        frontier = following - seen
        seen |= frontier
    adjacency = graph._succ  # the plain dicts behind graph.succ: its views cost ~5 us a step
    edges = {
        (source, target, data["kind"])
        for source in seen
        for target, parallel in adjacency[source].items()
        if target in seen
        for data in parallel.values()
    }
    nodes = [_view_node(graph, n) for n in sorted(seen)]
    found = sorted((s, t, k.value) for s, t, k in edges)
    return ViewGraph(nodes, [ViewEdge(s, t, k) for s, t, k in found])


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
    triples = _company_triples if level == "COMPANY" else _review_triples
    for reviewer, author, patch in triples(graph, kinds, since, until):
        weights[(reviewer, author)].add(patch)
    kept = ((pair, len(p)) for pair, p in weights.items() if len(p) >= min_weight)
    return rules.weighted_view(kept, lambda n: to_data(graph.nodes[n]), first)


def stats(graph: Graph, first: int) -> dict[str, Any]:
    """Counts per kind and the top domains, companies and contributors by patches."""
    counts: dict[NodeKind, int] = defaultdict(int)
    for _, attrs in graph.nodes(data=True):
        if not attrs.get("placeholder"):
            counts[attrs["kind"]] += 1
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
        "counts": {kind.value: counts[kind] for kind in NodeKind},
        "topDomains": rules.top(domains, first),
        "topCompanies": rules.top(companies, first),
        "topContributors": [(to_data(graph.nodes[p]), c) for p, c in rules.top(per_person, first)],
    }


def _patches_per_person(graph: Graph) -> dict[str, int]:
    """Patches contributed: a cover's shortlog counts for its series, else authored patches."""
    totals: dict[str, int] = defaultdict(int)
    for attrs in nodes_of(graph, NodeKind.SERIES):
        series = node_id(NodeKind.SERIES, attrs["key"])
        contributed = [
            (s, d.get("count", 0))
            for s, _, d in graph.in_edges(series, data=True)
            if d["kind"] is EdgeKind.CONTRIBUTED
        ]
        if contributed:
            for person, count in contributed:
                totals[person] += count
            continue
        for patch in in_nodes(graph, series, EdgeKind.PART_OF):
            for person in in_nodes(graph, patch, EdgeKind.AUTHORED):
                totals[person] += 1
    return totals


def first_review(graph: Graph, series_key: str) -> tuple[NodeData, str] | None:
    """The earliest review trailer given by reply to a series' patches, and its date.

    Body trailers are carried over from earlier versions, so they say nothing about when
    this version was reviewed; self-reviews do not count.
    """
    series = node_id(NodeKind.SERIES, series_key)
    author = next(in_nodes(graph, series, EdgeKind.AUTHORED), None)
    best: tuple[str, str] | None = None
    for patch in in_nodes(graph, series, EdgeKind.PART_OF):
        for person, _, data in graph.in_edges(patch, data=True):
            if not _is_review(data, DEFAULT_REVIEW_KINDS) or data.get("source") == "BODY":
                continue
            date = data.get("date")
            if person != author and date and (best is None or (date, person) < best):
                best = (date, person)
    return (to_data(graph.nodes[best[1]]), best[0]) if best else None


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
        if not _in_window(props["date"], since, until):
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
