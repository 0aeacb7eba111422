"""Cypher round trips per GraphQL request: one per resolver level, whatever the data's size.

Every read of `Neo4jStore` goes through `run_read` (one statement, one round trip); the
test wraps it with a counter and runs the canonical queries of BENCHMARKS.md for a small
and a large instance of each (a person with one reviewer and one with the most, ...): the
count is the same fixed number. Lists with per-item relation fields (`allSeries { nodes {
author versions ... } }`) cost the same for one item as for twenty: the fields of one
level are batched (DataLoaders) into one statement. The p50 latency against the networkx
store is printed.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graphapi.loading import load_into_store
from graphapi.model import EdgeKind, EdgeRecord, GraphBatch, NodeKind, NodeRecord
from graphapi.sample import write_sample_mbox
from graphapi.schema import Context, schema
from graphapi.schema.common import encode_cursor
from graphapi.store.base import GraphStore, TieQuery
from graphapi.store.neo4j_store import Neo4jStore
from graphapi.store.networkx_store import NetworkXStore
from graphapi.store.rules import list_position
from loaders.identity.companies import load_company_map

pytestmark = pytest.mark.neo4j

PERSON_REVIEWERS = """query($email: String!) { person(email: $email) {
  name reviewers { person { id name } count lineages } } }"""
COMPANY_TIES = """query($name: String!) { company(name: $name) {
  name reviewers { company { name } count } reviewees { company { name } count } } }"""
SERIES_VERSIONS = """query($id: ID!) { series(id: $id) { title
  versions { id version title } dependencies { kind label series { id title } } } }"""
FILE_PEOPLE = """query($path: String!) { file(path: $path) {
  path authors { person { name } count } reviewers { person { name } count } } }"""
NEIGHBORHOOD = """query($id: ID!) { neighborhood(id: $id, depth: 2) {
  nodes { id label } edges { source target kind } } }"""
NETWORK = """{ reviewNetwork(level: PERSON) {
  nodes { id weight } edges { source target weight } } }"""

#: Lists whose items ask for relations: (name, list field, query, round trips). The count is
#: one statement for the list and one per relation field below it, whatever the page size.
LISTS = [
    (
        "series list: author, versions",
        "allSeries",
        """query($first: Int!, $after: String) { allSeries(first: $first, after: $after) {
  nodes { id author { name } versions { id } } } }""",
        3,
    ),
    (
        "people list: company",
        "people",
        """query($first: Int!, $after: String) { people(first: $first, after: $after) {
  nodes { name company { name } } } }""",
        2,
    ),
    (
        "series list: patches with authors, trailers, files; reviewers with patches",
        "allSeries",
        """query($first: Int!, $after: String) { allSeries(first: $first, after: $after) {
  nodes { id patches { id author { name } series { id } files { file { path } }
    trailers { kind person { name } } }
  reviewers { person { name } count patches { id } } } } }""",
        8,
    ),
    (
        "series list: cover letter thread, previous version, files, first review",
        "allSeries",
        """query($first: Int!, $after: String) { allSeries(first: $first, after: $after) {
  nodes { id coverLetter { id author { name } replies { id author { name } } }
    previousVersion { id } files { file { path } }
    firstReview { person { name } hoursAfterPosting } contributors { count } } } }""",
        9,
    ),
    (
        "series list: next version, dependencies, replied-to messages",
        "allSeries",
        """query($first: Int!, $after: String) { allSeries(first: $first, after: $after) {
  nodes { id nextVersion { id } dependencies { kind series { id } }
    coverLetter { replies { inReplyTo { id } } } } } }""",
        6,
    ),
    (
        "series list: dependents",
        "allSeries",
        """query($first: Int!, $after: String) { allSeries(first: $first, after: $after) {
  nodes { id dependents { kind series { id } } } } }""",
        2,
    ),
    (
        "series list: subsystems",
        "allSeries",
        """query($first: Int!, $after: String) { allSeries(first: $first, after: $after) {
  nodes { id subsystems { subsystem { name maintainers { name } reviewers { name } }
    maintainerReviewed } } } }""",
        4,
    ),
    (
        "people list: pages, review ties",
        "people",
        """query($first: Int!, $after: String) { people(first: $first, after: $after) {
  nodes { name series(first: 2) { totalCount nodes { id } } patches(first: 2) { totalCount }
    reviewers { count patches { id } } reviewees { count } } } }""",
        6,
    ),
    (
        "companies list: people, company ties",
        "companies",
        """query($first: Int!, $after: String) { companies(first: $first, after: $after) {
  nodes { name people(first: 3) { totalCount nodes { name company { name } } }
    reviewers { company { name } count } reviewees { count } } } }""",
        5,
    ),
    (
        "files list: subsystems, patches, people",
        "files",
        """query($first: Int!, $after: String) {
  files(pathPrefix: "", first: $first, after: $after) {
  nodes { path subsystems { name } patches(first: 2) { totalCount nodes { id } }
    authors { person { name } count } reviewers { count } } } }""",
        5,
    ),
]


class Counter:
    """Wraps a store's `run_read` and counts the statements it runs."""

    def __init__(self, store: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original: Callable[..., Any] = store.run_read

        def counting(query: str, **params: Any) -> Any:
            self.count += 1
            return original(query, **params)

        monkeypatch.setattr(store, "run_read", counting)

    def trips(self, store: GraphStore, query: str, variables: dict[str, Any]) -> int:
        """The statements of an answer not kept (`neo4j_kept`): a kept one costs none but
        the database mark's (`test_neo4j_kept`)."""
        self.count = 0
        if isinstance(store, Neo4jStore):
            store.forget_kept()
        _execute(store, query, variables)
        return self.count


def _execute(store: GraphStore, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    result = schema.execute_sync(query, variable_values=variables, context_value=Context(store))
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


@pytest.fixture(scope="module")
def stores(
    neo4j_store: Neo4jStore,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[NetworkXStore, Neo4jStore]:
    path = Path(tmp_path_factory.mktemp("trips")) / "sample.mbox"
    write_sample_mbox(path, series_count=12)
    neo4j_store.clear()
    nx = NetworkXStore()
    for store in (nx, neo4j_store):
        load_into_store(store, [path], load_company_map())
    subsystems = _subsystems(nx)
    for store in (nx, neo4j_store):
        store.write(subsystems)
    return nx, neo4j_store


def _subsystems(nx: NetworkXStore) -> GraphBatch:
    """Two MAINTAINERS entries over the sample's kvm files, kept by people of the sample."""
    people = sorted(a["key"] for _, a in nx.graph.nodes(data=True) if a["kind"] is NodeKind.PERSON)
    files = sorted(a["key"] for _, a in nx.graph.nodes(data=True) if a["kind"] is NodeKind.FILE)
    batch = GraphBatch()
    for rank, (name, prefix) in enumerate([("KVM X86", "arch/x86/kvm/"), ("KVM", "")]):
        node = (NodeKind.SUBSYSTEM, name)
        batch.node(NodeRecord(NodeKind.SUBSYSTEM, name, {"name": name, "status": "Supported"}))
        batch.edge(EdgeRecord(EdgeKind.MAINTAINS, (NodeKind.PERSON, people[rank]), node))
        batch.edge(EdgeRecord(EdgeKind.REVIEWS_FOR, (NodeKind.PERSON, people[rank + 2]), node))
        for path in files:
            if path.startswith(prefix) and "kvm" in path:
                batch.edge(
                    EdgeRecord(
                        EdgeKind.IN_SUBSYSTEM,
                        (NodeKind.FILE, path),
                        node,
                        {"rank": 0 if prefix else 1},
                    )
                )
    return batch


def _extremes(values: dict[str, int]) -> tuple[str, str]:
    """The key with the smallest and the one with the largest positive value."""
    ranked = sorted((v, k) for k, v in values.items() if v > 0)
    return ranked[0][1], ranked[-1][1]


def _keys_of(graph: Any, kind: NodeKind) -> list[str]:
    """The key of every node of `kind`, in graph order."""
    return [a["key"] for _, a in graph.nodes(data=True) if a["kind"] is kind]


def canonical(nx: NetworkXStore) -> Iterator[tuple[str, str, int, list[dict[str, Any]]]]:
    """(name, query, expected round trips, [variables for a small and a large case])."""
    graph = nx.graph
    keys = _keys_of(graph, NodeKind.PERSON)
    ties = nx.ties_many(TieQuery("person", "reviewers", tuple(_KINDS)), keys, 100)
    people = {key: len(found) for key, found in zip(keys, ties, strict=True)}
    low, high = _extremes(people)
    yield "person reviewers", PERSON_REVIEWERS, 2, [{"email": low}, {"email": high}]
    keys = _keys_of(graph, NodeKind.COMPANY)
    reviewers = nx.ties_many(TieQuery("company", "reviewers"), keys, 100)
    reviewees = nx.ties_many(TieQuery("company", "reviewees"), keys, 100)
    companies = {
        graph.nodes[f"Company:{key}"]["props"]["name"]: len(r) + len(e)
        for key, r, e in zip(keys, reviewers, reviewees, strict=True)
    }
    low, high = _extremes(companies)
    yield "company ties", COMPANY_TIES, 3, [{"name": low}, {"name": high}]
    keys = _keys_of(graph, NodeKind.SERIES)
    chains = nx.lineage_many(keys)
    series = {f"Series:{key}": len(chain) for key, chain in zip(keys, chains, strict=True)}
    low, high = _extremes(series)
    yield "series versions", SERIES_VERSIONS, 3, [{"id": low}, {"id": high}]
    keys = _keys_of(graph, NodeKind.FILE)
    people_of = nx.ties_many(TieQuery("file", "reviewers"), keys, 100)
    files = {key: len(found) for key, found in zip(keys, people_of, strict=True)}
    low, high = _extremes(files)
    yield "file people", FILE_PEOPLE, 3, [{"path": low}, {"path": high}]
    degrees = {n: graph.degree(n) for n in graph.nodes}
    low, high = _extremes(degrees)
    yield "2-hop neighbourhood", NEIGHBORHOOD, 1, [{"id": low}, {"id": high}]
    yield "review network", NETWORK, 1, [{}]


_KINDS = ["REVIEWED_BY", "ACKED_BY", "TESTED_BY"]


def test_one_round_trip_per_resolver_level(
    stores: tuple[NetworkXStore, Neo4jStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    nx, neo = stores
    counter = Counter(neo, monkeypatch)
    report = []
    for name, query, expected, cases in canonical(nx):
        trips = [counter.trips(neo, query, variables) for variables in cases]
        report.append(f"{name}: {trips}")
        assert trips == [expected] * len(cases), name
    print("\nCypher round trips per request (small case, large case):\n  " + "\n  ".join(report))


def _paths(value: Any, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Where a response has something (list positions dropped): what a resolver level read."""
    if isinstance(value, dict):
        return {p for k, v in value.items() for p in _paths(v, (*prefix, k))}
    if isinstance(value, list):
        return {p for item in value for p in _paths(item, prefix)}
    return {prefix} if value is not None else set()


#: The node kind each root list of `LISTS` pages through.
_LIST_KINDS = {
    "allSeries": NodeKind.SERIES,
    "people": NodeKind.PERSON,
    "companies": NodeKind.COMPANY,
    "files": NodeKind.FILE,
}


def list_cases(nx: NetworkXStore) -> Iterator[tuple[str, str, int, list[dict[str, Any]]]]:
    """(name, query, expected round trips, [variables for one item, for a page of up to 20]).

    The one item is the item of the list whose answer has every field the whole page has
    (so that no resolver level is skipped for want of data); it is reached with `after`.
    """
    for name, field, query, expected in LISTS:
        nodes = _execute(nx, query, {"first": 20})[field]["nodes"]
        assert len(nodes) >= 8, f"{name}: the sample is too small to show anything"
        shapes = [_paths(node) for node in nodes]
        every = set().union(*shapes)
        richest = max(range(len(nodes)), key=lambda i: len(shapes[i]))
        missing = every - shapes[richest]
        assert not missing, f"{name}: no item of the sample has all of {sorted(missing)}"
        listed = nx.list_nodes(_LIST_KINDS[field], prefix="" if field == "files" else None)
        after = encode_cursor(list_position(listed.items[richest - 1])) if richest else None
        yield name, query, expected, [{"first": 1, "after": after}, {"first": 20}]


def test_lists_cost_one_round_trip_per_resolver_level(
    stores: tuple[NetworkXStore, Neo4jStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list of twenty items with relation fields costs what a list of one item costs."""
    nx, neo = stores
    counter = Counter(neo, monkeypatch)
    report = []
    for name, query, expected, cases in list_cases(nx):
        trips = [counter.trips(neo, query, variables) for variables in cases]
        report.append(f"{name}: {trips}")
        assert trips == [expected] * len(cases), f"{name}: {trips} round trips"
        for variables in cases:
            assert _execute(neo, query, variables) == _execute(nx, query, variables), name
    print("\nCypher round trips per list request (1 item, 20 items):\n  " + "\n  ".join(report))


def _p50(store: GraphStore, query: str, variables: dict[str, Any], runs: int = 15) -> float:
    _execute(store, query, variables)  # warm: plans, caches
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        _execute(store, query, variables)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def test_latency_against_networkx_is_reported(stores: tuple[NetworkXStore, Neo4jStore]) -> None:
    """Prints each canonical query's p50 on both stores (BENCHMARKS.md: within 5x)."""
    nx, neo = stores
    lines = []
    for name, query, _, cases in [*canonical(nx), *list_cases(nx)]:
        variables = cases[-1]
        nx_p50, neo_p50 = _p50(nx, query, variables), _p50(neo, query, variables)
        assert _execute(nx, query, variables) == _execute(neo, query, variables)
        lines.append(
            f"{name}: networkx {nx_p50 * 1000:.2f} ms, neo4j {neo_p50 * 1000:.2f} ms, "
            f"ratio {neo_p50 / nx_p50:.1f}x"
        )
    print("\np50 per canonical query (GraphQL, in-process):\n  " + "\n  ".join(lines))
