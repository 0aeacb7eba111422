"""The graph itself: after the same loads, both stores hold the same nodes and edges.

Every node's `NodeData` (props, placeholder flag) and every edge's properties, keyed by
(source, kind, target, discriminator), are compared across the stores, for one load, two
halves in either order and a re-load. Re-loading changes nothing in Neo4j.
"""

from __future__ import annotations

from typing import Any

import pytest

from graphapi.loading import load_into_store
from graphapi.model import NodeData, NodeKind, node_id
from graphapi.store.neo4j_codec import decode_edge, node_data
from graphapi.store.neo4j_store import Neo4jStore
from graphapi.store.networkx_store import NetworkXStore
from graphapi.store.nx_queries import to_data
from loaders.companies import load_company_map
from tests.contract.conftest import StorePair

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
    for row in store.run_read("MATCH (n) RETURN labels(n)[0] AS label, properties(n) AS props"):
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
