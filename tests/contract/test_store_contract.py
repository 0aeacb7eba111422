"""The graph itself: after the same loads, both stores hold the same nodes and edges.

Every node's `NodeData` (props, placeholder flag) and every edge's properties, keyed by
(source, kind, target, discriminator), are compared across the stores, for one load, two
halves in either order and a re-load. Re-loading changes nothing in Neo4j. The batched
reads (one call for many keys) answer alike in both stores, and as the single-key reads do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graphapi.loading import load_into_store
from graphapi.model import EdgeKind, NodeData, NodeKind, node_id, split_node_id
from graphapi.store.base import GraphStore, TieQuery
from graphapi.store.neo4j_codec import decode_edge, node_data
from graphapi.store.neo4j_store import Neo4jStore
from graphapi.store.networkx_store import NetworkXStore
from graphapi.store.nx_graph import to_data
from loaders.identity.companies import load_company_map
from tests.contract.conftest import StorePair
from tests.contract.queries import bounded_neighborhoods

pytestmark = pytest.mark.neo4j

EdgeId = tuple[str, str, str, str]


def nx_graph(store: NetworkXStore) -> tuple[dict[str, NodeData], dict[EdgeId, dict[str, Any]]]:
    nodes = {nid: to_data(attrs) for nid, attrs in store.graph.nodes(data=True)}
    edges = {}
    for source, target, key, data in store.graph.edges(keys=True, data=True):
        kind, _, disc = key.partition(":")
        edges[(source, kind, target, disc)] = {k: v for k, v in data.items() if k != "kind"}
    return nodes, edges


def neo_graph(store: Neo4jStore) -> tuple[dict[str, NodeData], dict[EdgeId, dict[str, Any]]]:
    nodes = {}
    rows = store.run_read(
        "MATCH (n) WHERE NOT n:GraphapiMeta RETURN labels(n)[0] AS label, properties(n) AS props"
    )
    for row in rows:
        data = node_data(NodeKind(row["label"]), row["props"])
        nodes[data.id] = data
    edges = {}
    for row in store.run_read(
        "MATCH (a)-[r]->(b) RETURN labels(a)[0] AS sl, a.key AS sk, type(r) AS kind, "
        "labels(b)[0] AS tl, b.key AS tk, r.disc AS disc, properties(r) AS props"
    ):
        source = node_id(NodeKind(row["sl"]), row["sk"])
        target = node_id(NodeKind(row["tl"]), row["tk"])
        edges[(source, row["kind"], target, row["disc"])] = decode_edge(row["props"])
    return nodes, edges


def _diff(left: dict[Any, Any], right: dict[Any, Any]) -> list[str]:
    keys = sorted(set(left) | set(right), key=str)
    return [f"{k}: {left.get(k)} != {right.get(k)}" for k in keys if left.get(k) != right.get(k)]


def test_both_stores_hold_the_same_nodes_and_edges(pair: StorePair) -> None:
    nx_nodes, nx_edges = nx_graph(pair.nx)
    neo_nodes, neo_edges = neo_graph(pair.neo)
    assert len(nx_nodes) > 20 and len(nx_edges) > 20
    assert _diff(nx_nodes, neo_nodes) == []
    assert _diff(nx_edges, neo_edges) == []
    assert pair.neo.counts() == (len(nx_nodes), len(nx_edges))


def test_reloading_changes_nothing(pair: StorePair) -> None:
    before = neo_graph(pair.neo)
    for sources in pair.loads:
        summary = load_into_store(pair.neo, sources, load_company_map())
        assert summary.loaded == 0
    assert neo_graph(pair.neo) == before


def _keys(store: NetworkXStore, kind: NodeKind) -> list[str]:
    """Every key of a kind, sorted, then a repeated key and a key nothing has."""
    keys = sorted(a["key"] for _, a in store.graph.nodes(data=True) if a["kind"] is kind)
    return [*keys, *keys[:1], "no such key"]


def _batched_reads(store: GraphStore, nx: NetworkXStore) -> dict[str, Any]:
    """Every batched read of the store over every key of its kind, with both flags."""
    answers: dict[str, Any] = {}
    ends = {
        (attrs["kind"], data["kind"], direction)
        for source, target, data in nx.graph.edges(data=True)
        for attrs, direction in ((nx.graph.nodes[source], "out"), (nx.graph.nodes[target], "in"))
    }
    for kind, edge, direction in sorted(ends, key=str):
        keys = _keys(nx, kind)
        answers[f"related {kind} {edge} {direction}"] = store.related_many(
            kind, keys, edge, direction
        )
    for kind, edge, owner in [
        (NodeKind.SERIES, EdgeKind.AUTHORED, NodeKind.PERSON),
        (NodeKind.PATCH, EdgeKind.AUTHORED, NodeKind.PERSON),
        (NodeKind.PERSON, EdgeKind.EMPLOYED_BY, NodeKind.COMPANY),
        (NodeKind.PATCH, EdgeKind.TOUCHES, NodeKind.FILE),
    ]:
        for after, first in ((None, 2), (("M", ""), 100), (("", "~"), 3), (None, 0)):
            answers[f"pages {kind} {edge} {owner} {after} {first}"] = store.related_pages(
                kind, edge, owner, _keys(nx, owner), after=after, first=first
            )
    people, companies = _keys(nx, NodeKind.PERSON), _keys(nx, NodeKind.COMPANY)
    files, series = _keys(nx, NodeKind.FILE), _keys(nx, NodeKind.SERIES)
    for side in ("reviewers", "reviewees"):
        answers[f"review ties {side}"] = store.ties_many(
            TieQuery("person", side, KINDS), people, 100
        )
        answers[f"review ties {side} first 1"] = store.ties_many(
            TieQuery("person", side, ("REVIEWED_BY",)), people, 1
        )
        answers[f"company ties {side}"] = store.ties_many(TieQuery("company", side), companies, 100)
    for side in ("reviewers", "authors"):
        answers[f"file people {side}"] = store.ties_many(TieQuery("file", side), files, 2)
    answers["series reviewers"] = store.ties_many(
        TieQuery("series", "reviewers", KINDS), series, 100
    )
    answers["series reviewers first 1"] = store.ties_many(
        TieQuery("series", kinds=KINDS), series, 1
    )
    answers["lineage"] = store.lineage_many(series)
    answers["series subsystems"] = store.series_subsystems_many(series)
    answers["first review"] = store.first_review_many(series)
    return answers


KINDS = ("REVIEWED_BY", "ACKED_BY", "TESTED_BY")


def test_batched_reads_answer_alike(pair: StorePair) -> None:
    """Each batched read: the same answers from both stores, for every key (one call each)."""
    expected = _batched_reads(pair.nx, pair.nx)
    actual = _batched_reads(pair.neo, pair.nx)
    assert expected.keys() == actual.keys()
    assert sum(len(v) for v in expected.values()) > 200
    assert _diff(expected, actual) == []


def test_batched_reads_answer_as_single_reads(pair: StorePair) -> None:
    """On Neo4j (one statement for all keys), each key's answer is its answer asked alone."""
    neo, nx = pair.neo, pair.nx
    people, series = _keys(nx, NodeKind.PERSON)[-6:], _keys(nx, NodeKind.SERIES)[-6:]
    companies, files = _keys(nx, NodeKind.COMPANY)[-4:], _keys(nx, NodeKind.FILE)[-4:]

    def alone(read: Callable[[list[str]], list[Any]], keys: list[str]) -> tuple[Any, Any]:
        return read(keys), [read([key])[0] for key in keys]

    ties = {
        "person": (TieQuery("person", "reviewers", KINDS), people),
        "company": (TieQuery("company", "reviewees"), companies),
        "file": (TieQuery("file", "reviewers"), files),
        "series": (TieQuery("series", kinds=KINDS), series),
    }
    pairs: list[tuple[Any, Any]] = [
        alone(lambda k: neo.related_many(NodeKind.SERIES, k, EdgeKind.PART_OF, "in"), series),
        (
            neo.related_pages(NodeKind.SERIES, EdgeKind.AUTHORED, NodeKind.PERSON, people, first=2),
            [
                neo.list_nodes(
                    NodeKind.SERIES, related_to=(EdgeKind.AUTHORED, NodeKind.PERSON, k), first=2
                )
                for k in people
            ],
        ),
        *(
            alone(lambda k, query=query: neo.ties_many(query, k, 3), keys)
            for query, keys in ties.values()
        ),
        alone(neo.lineage_many, series),
        alone(neo.series_subsystems_many, series),
        alone(neo.first_review_many, series),
    ]
    for batched, single in pairs:
        assert batched == single
    assert neo.related_many(NodeKind.PERSON, [], EdgeKind.AUTHORED, "out") == []


def test_bounded_neighbourhoods_are_cut_alike(pair: StorePair) -> None:
    """The same nodes kept and the same unbounded count on both stores, for cuts inside a
    ring and for bounds with room to spare; both kinds of case occur."""
    cut = whole = 0
    for nid, depth, first in bounded_neighborhoods(pair.nx):
        parsed = split_node_id(nid)
        assert parsed is not None, nid
        kind, key = parsed
        expected = pair.nx.neighborhood(kind, key, depth, first)
        assert pair.neo.neighborhood(kind, key, depth, first) == expected, (nid, depth, first)
        assert len(expected.nodes) == min(first, expected.node_total)
        assert expected.truncated == (expected.node_total > first)
        cut += expected.truncated
        whole += not expected.truncated
    assert cut and whole, (cut, whole)
