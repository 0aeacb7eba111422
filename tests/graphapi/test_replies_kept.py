"""Replies to aggregate queries are kept per graph generation (graphapi.schema.replies): a
repeated one is answered without resolving anything, byte for byte as before; a write drops
them; entity queries, failed queries and mixed queries are never kept."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from graphapi.app import create_app
from graphapi.loading import load_sources
from graphapi.model import GraphBatch, NodeKind, NodeRecord
from graphapi.schema import replies
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from tests.graphapi.conftest import SMALL_DIGEST

STATS = "{ stats { people topCompanies { name count } } }"
NETWORK = "query($n: Int!) { reviewNetwork(level: COMPANY, first: $n) { cytoscape } }"
PERSON = '{ person(email: "tberg@google.com") { name reviewers { count } } }'


@pytest.fixture()
def store() -> NetworkXStore:
    """A graph of its own: kept replies live with the graph, so no other test sees them."""
    fresh = NetworkXStore()
    load_sources(fresh, [SMALL_DIGEST], load_company_map())
    return fresh


def _counting(store: NetworkXStore, monkeypatch: pytest.MonkeyPatch, name: str) -> list[Any]:
    """Count the calls of one store method (the store still answers)."""
    calls: list[Any] = []
    original = getattr(store, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(store, name, counted)
    return calls


def test_a_repeated_aggregate_is_answered_from_the_kept_reply(
    store: NetworkXStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting(store, monkeypatch, "stats")
    client = TestClient(create_app(store))
    first = client.post("/graphql", json={"query": STATS})
    again = client.post("/graphql", json={"query": STATS})
    by_get = client.get("/graphql", params={"query": STATS})
    assert first.json()["data"]["stats"]["people"] > 0
    assert again.content == first.content == by_get.content
    assert len(calls) == 1


def test_variables_are_part_of_the_key(
    store: NetworkXStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting(store, monkeypatch, "review_network")
    client = TestClient(create_app(store))
    one = client.post("/graphql", json={"query": NETWORK, "variables": {"n": 1}}).json()
    many = client.post("/graphql", json={"query": NETWORK, "variables": {"n": 100}}).json()
    client.post("/graphql", json={"query": NETWORK, "variables": {"n": 1}})
    edges = [e for e in many["data"]["reviewNetwork"]["cytoscape"]["elements"]["edges"]]
    assert len(edges) > 1
    assert len(one["data"]["reviewNetwork"]["cytoscape"]["elements"]["edges"]) == 1
    assert len(calls) == 2


def test_a_write_drops_the_kept_replies(store: NetworkXStore) -> None:
    client = TestClient(create_app(store))
    before = client.post("/graphql", json={"query": STATS}).json()["data"]["stats"]["people"]
    store.write(GraphBatch(nodes=[NodeRecord(NodeKind.PERSON, "new@example.org", {})]))
    after = client.post("/graphql", json={"query": STATS}).json()["data"]["stats"]["people"]
    assert after == before + 1


def test_entity_mixed_and_failed_queries_are_not_kept(
    store: NetworkXStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(create_app(store))
    mixed = '{ stats { people } person(email: "tberg@google.com") { name } }'
    failing = "{ reviewNetwork(first: 1000) { cytoscape } }"
    for query in (PERSON, mixed, failing, "{ ...F } fragment F on Query { stats { people } }"):
        client.post("/graphql", json={"query": query})
        client.post("/graphql", json={"query": query})
        assert replies.kept_reply(store, replies.reply_key(query, None, None)) is None, query
    assert not replies.asks_aggregates_only("mutation { load }", None)
    assert replies.asks_aggregates_only("query A { stats { people } } query B { x }", "A")


def test_kept_replies_are_bounded(store: NetworkXStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replies, "REPLY_BYTES_KEPT", 250)
    keys = [replies.reply_key(STATS, {"n": n}, None) for n in range(3)]
    for key in keys:
        assert replies.keep_reply(store, key, b"x" * 100)
    assert replies.kept_reply(store, keys[0]) is None  # least recently used, dropped
    assert replies.kept_reply(store, keys[2]) == b"x" * 100
    monkeypatch.setattr(replies, "LARGEST_REPLY_KEPT", 50)
    assert not replies.keep_reply(store, replies.reply_key(STATS, {"n": 9}, None), b"y" * 60)
