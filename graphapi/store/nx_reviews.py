"""Who reviewed whom on the networkx graph: ties between people, companies and files, the
review indexes they read (built once per graph), subsystem owners' reviews, first reviews."""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from graphapi.model import EdgeKind, NodeData, NodeKind, node_id
from graphapi.store import rules
from graphapi.store.base import Tie, TieQuery
from graphapi.store.nx_graph import (
    CARRIED,
    Graph,
    graph_edges,
    in_nodes,
    out_nodes,
    per_graph,
    to_data,
)
from graphapi.store.rules import DEFAULT_REVIEW_KINDS


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
    return [  # the successor dict, not an edge view: a person may have 10^5 edges
        (data.get("from") or "", data.get("until") or "9999", target)
        for target, keyed in graph._succ[person].items()
        for data in keyed.values()
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


_COMPANY_INDEX: weakref.WeakKeyDictionary[Any, CompanyIndex] = per_graph()


def company_index(graph: Graph) -> CompanyIndex:
    index = _COMPANY_INDEX.get(graph)
    if index is None:
        reviewed: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        reviewed_by: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for rc, ac, patch in company_triples(graph, DEFAULT_REVIEW_KINDS, None, None):
            reviewed[rc][ac].add(patch)
            reviewed_by[ac][rc].add(patch)
        index = _COMPANY_INDEX[graph] = CompanyIndex(
            {c: dict(p) for c, p in reviewed.items()}, {c: dict(p) for c, p in reviewed_by.items()}
        )
    return index


class Review(NamedTuple):
    """One counted review trailer on a patch, with what the aggregations group it by."""

    reviewer: str  # person node
    author: str  # person node of the patch's author
    patch: str  # patch node
    kind: str  # trailer kind
    date: str | None  # the trailer's date, else the patch's
    reviewer_company: str | None  # company node on that date
    author_company: str | None


_REVIEW_INDEX: weakref.WeakKeyDictionary[Any, list[Review]] = per_graph()


@dataclass(frozen=True, slots=True)
class PeopleIndex:
    """Who wrote and who gave trailers on each node, read from edge lists once per graph:
    asking networkx for a patch's in-edges builds view objects, and a person with a thousand
    patches asked for that a thousand times per request."""

    authored: dict[str, list[str]]  # person -> nodes they authored
    authors_of: dict[str, list[str]]  # node -> its authors
    trailers_on: dict[str, list[tuple[str, str | None]]]  # node -> (giver, trailer kind)


_PEOPLE_INDEX: weakref.WeakKeyDictionary[Any, PeopleIndex] = per_graph()


def people_index(graph: Graph) -> PeopleIndex:
    index = _PEOPLE_INDEX.get(graph)
    if index is None:
        index = PeopleIndex(defaultdict(list), defaultdict(list), defaultdict(list))
        for source, target, data in graph_edges(graph):
            kind = data["kind"]
            if kind is EdgeKind.AUTHORED:
                index.authored[source].append(target)
                index.authors_of[target].append(source)
            elif kind is EdgeKind.TRAILER and data.get("source") != CARRIED:
                index.trailers_on[target].append((source, data.get("trailerKind")))
        index = PeopleIndex(dict(index.authored), dict(index.authors_of), dict(index.trailers_on))
        _PEOPLE_INDEX[graph] = index
    return index


def review_index(graph: Graph) -> list[Review]:
    """Every person trailer on a patch with its author and companies, built once per graph.

    A served graph does not change, so the whole-graph aggregations (company ties, review
    networks) read this list instead of walking every edge for every request.
    """
    index = _REVIEW_INDEX.get(graph)
    if index is None:
        index = []
        spans: dict[str, list[_Span]] = {}  # a person's employers, read once, not per trailer
        authors_of = people_index(graph).authors_of
        for reviewer, patch, data in graph_edges(graph):
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
            index.append(Review(reviewer, author, patch, data.get("trailerKind", ""), date, rc, ac))
        _REVIEW_INDEX[graph] = index
    return index


def review_triples(
    graph: Graph, kinds: set[str] | frozenset[str], since: datetime | None, until: datetime | None
) -> Iterator[tuple[str, str, str]]:
    """(reviewer, author, patch) for every review trailer, self-reviews excluded."""
    for reviewer, author, patch, kind, date, _, _ in review_index(graph):
        if kind in kinds and in_window(date, since, until):
            yield reviewer, author, patch


def company_triples(
    graph: Graph, kinds: set[str] | frozenset[str], since: datetime | None, until: datetime | None
) -> Iterator[tuple[str, str, str]]:
    """(reviewer company, author company, patch) for reviews across two known companies."""
    for _, _, patch, kind, date, rc, ac in review_index(graph):
        if rc and ac and rc != ac and kind in kinds and in_window(date, since, until):
            yield rc, ac, patch


def in_window(date: str | None, since: datetime | None, until: datetime | None) -> bool:
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


def ties(graph: Graph, query: TieQuery, key: str) -> list[Tie]:
    """All the ties `query` asks for about one person, company or file (series:
    `series_reviewers`)."""
    if query.owner == "person":
        return review_ties(graph, key, query.side == "reviewees", set(query.kinds))
    if query.owner == "company":
        return company_ties(graph, key, query.side == "reviewees")
    if query.owner == "file":
        return file_people(graph, key, query.side == "reviewers")
    return series_reviewers(graph, key, set(query.kinds))
