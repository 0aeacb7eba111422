"""Aggregates computed once per graph generation answer as a fresh computation does, and a
write (a new generation) drops them."""

from __future__ import annotations

from graphapi.loading import load_sources
from graphapi.model import GraphBatch, NodeKind, NodeRecord
from graphapi.store import nx_graph, nx_reviews, nx_stats, nx_views
from graphapi.store.base import TieQuery
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from tests.graphapi.conftest import SMALL_DIGEST

KINDS = ("REVIEWED_BY", "ACKED_BY", "TESTED_BY")


def _store() -> NetworkXStore:
    store = NetworkXStore()
    load_sources(store, [SMALL_DIGEST], load_company_map())
    return store.warm()


def test_kept_answers_equal_fresh_ones() -> None:
    store = _store()
    graph = store.graph
    assert store.stats(3) == nx_stats.stats(graph, 3)
    assert store.stats(100) == nx_stats.stats(graph, 100)
    people = [p.key for p in store.list_nodes(NodeKind.PERSON, first=100).items]
    companies = [c.key for c in store.list_nodes(NodeKind.COMPANY, first=100).items]
    assert any(store.ties_many(TieQuery("person", kinds=KINDS), people, 5))
    for flag, side in ((True, "reviewees"), (False, "reviewers")):
        query = TieQuery("person", side, KINDS)
        fresh = [nx_reviews.review_ties(graph, p, flag, set(KINDS))[:2] for p in people]
        assert store.ties_many(query, people, 2) == fresh
        query = TieQuery("company", side)
        fresh = [nx_reviews.company_ties(graph, c, flag) for c in companies]
        assert store.ties_many(query, companies, 100) == fresh
        assert store.ties_many(query, companies, 100) == fresh  # kept
    assert store.neighborhood(NodeKind.PERSON, people[0], 2) == nx_views.neighborhood(
        graph, f"Person:{people[0]}", 2
    )


def test_a_write_drops_kept_answers() -> None:
    store = _store()
    before = store.stats(100)
    store.write(GraphBatch(nodes=[NodeRecord(NodeKind.PERSON, "new@example.org", {})]))
    assert store.stats(100)["counts"]["Person"] == before["counts"]["Person"] + 1


def test_kept_answers_are_bounded() -> None:
    store = _store()
    nx_graph._ANSWERS.pop(store.graph, None)
    for depth in range(nx_graph.ANSWERS_KEPT + 10):
        nx_graph.remembered(store.graph, ("n", depth), lambda: "first")
    assert len(nx_graph._ANSWERS[store.graph]) == nx_graph.ANSWERS_KEPT
    assert nx_graph.remembered(store.graph, ("n", 0), lambda: "recomputed") == "recomputed"
