"""The HTTP app through the ASGI client: /graphql (POST and GET), GraphiQL, /healthz."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from graphapi.app import create_app
from graphapi.store.networkx_store import NetworkXStore
from tests.graphapi.conftest import run

QUERY = '{ person(email: "tberg@google.com") { name company { name } } }'


def test_graphql_post_get_and_health(digest_store: NetworkXStore) -> None:
    client = TestClient(create_app(digest_store))
    assert client.get("/healthz").json() == {"status": "ok", "generation": 0}
    expected = {"data": {"person": {"name": "Tom Berg", "company": {"name": "Google"}}}}
    assert client.post("/graphql", json={"query": QUERY}).json() == expected
    assert client.get("/graphql", params={"query": QUERY}).json() == expected
    page = client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


def test_http_api_is_read_only_and_cors_closed(digest_store: NetworkXStore) -> None:
    client = TestClient(create_app(digest_store))
    response = client.post("/graphql", json={"query": "mutation { load }"})
    assert "errors" in response.json()
    assert client.put("/graphql", json={"query": QUERY}).status_code == 405
    preflight = client.options(
        "/graphql",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_opens_for_a_configured_origin(digest_store: NetworkXStore) -> None:
    client = TestClient(create_app(digest_store, cors_origins=["https://ui.example"]))
    response = client.post(
        "/graphql", json={"query": QUERY}, headers={"Origin": "https://ui.example"}
    )
    assert response.headers["access-control-allow-origin"] == "https://ui.example"


def test_bad_query_gets_error_without_stack_trace(digest_store: NetworkXStore) -> None:
    client = TestClient(create_app(digest_store))
    body = client.post("/graphql", json={"query": "{ person(email: 1) { name } }"}).json()
    assert body["errors"] and "Traceback" not in str(body)


def test_lists_are_batched_over_http(
    digest_store: NetworkXStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Served (async execution), a list's relation fields cost one store call per level and
    answer as in-process execution does."""
    query = """{ allSeries { nodes {
      author { name company { name } } patches { id author { id } } } } }"""
    expected = run(digest_store, query)
    calls: list[int] = []
    original = digest_store.related_many

    def counting(kind: Any, keys: Any, *args: Any) -> Any:
        calls.append(len(keys))
        return original(kind, keys, *args)

    monkeypatch.setattr(digest_store, "related_many", counting)
    monkeypatch.setattr(digest_store, "batched_reads_pay", True, raising=False)  # as Neo4j
    body = TestClient(create_app(digest_store)).post("/graphql", json={"query": query}).json()
    assert body == {"data": expected}
    assert len(expected["allSeries"]["nodes"]) == 3
    # series authors and patches, then the authors' companies and the patches' authors
    assert len(calls) == 4 and calls[:3] == [3, 3, 3]
