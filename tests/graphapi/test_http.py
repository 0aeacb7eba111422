"""The HTTP app through the ASGI client: /graphql (POST and GET), GraphiQL, /healthz."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from starlette.testclient import TestClient

from graphapi.app import HttpLimits, create_app
from graphapi.store.networkx_store import NetworkXStore
from tests.graphapi.conftest import run

JSON_TYPE = "application/json"
GRAPHQL_TYPE = "application/graphql-response+json"
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


def _client(store: NetworkXStore, **options: Any) -> TestClient:
    return TestClient(create_app(store, **options), raise_server_exceptions=False)


def _assert_json_error(response: Any, status: int, words: str) -> None:
    """A client error: the status, a JSON `errors` body naming the problem."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/")
    assert "json" in response.headers["content-type"]
    body = response.json()
    assert list(body) == ["errors"] and words in body["errors"][0]["message"], body


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"\xff\xfe{}", "not valid UTF-8"),
        (b"null", "must be a JSON object, not NoneType"),
        (b'"{ __typename }"', "must be a JSON object, not str"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"{not json", "not valid JSON"),
        (b'{"query": 1}', "'query' must be a non-empty string"),
        (b'{"query": "{ __typename }", "variables": [1]}', "'variables' must be a JSON object"),
        (b'{"query": "{ __typename }", "operationName": 3}', "'operationName' must be a string"),
    ],
)
def test_malformed_bodies_get_400_json(
    digest_store: NetworkXStore, body: bytes, words: str
) -> None:
    response = _client(digest_store).post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    _assert_json_error(response, 400, words)


def test_wrong_content_type_gets_415_json(digest_store: NetworkXStore) -> None:
    response = _client(digest_store).post(
        "/graphql", content="{ __typename }", headers={"content-type": "text/plain"}
    )
    _assert_json_error(response, 415, "unsupported content type 'text/plain'")


def test_large_body_gets_413(digest_store: NetworkXStore) -> None:
    client = _client(digest_store, limits=HttpLimits(max_body=1000))
    padding = "x" * 2000
    response = client.post(
        "/graphql", json={"query": "{ __typename }", "variables": {"p": padding}}
    )
    _assert_json_error(response, 413, "exceeds 1000 bytes")
    assert client.post("/graphql", json={"query": "{ __typename }"}).status_code == 200


def test_large_streamed_body_gets_413_without_length(digest_store: NetworkXStore) -> None:
    """A chunked body declares no length: it is counted as it arrives."""
    client = _client(digest_store, limits=HttpLimits(max_body=1000))

    def chunks() -> Any:
        for _ in range(10):
            yield b" " * 500

    response = client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    _assert_json_error(response, 413, "exceeds 1000 bytes")


def test_unknown_paths_and_methods_are_json(digest_store: NetworkXStore) -> None:
    client = _client(digest_store)
    _assert_json_error(client.get("/nowhere"), 404, "Not Found")
    _assert_json_error(client.put("/graphql", json={}), 405, "Method Not Allowed")


def test_several_operations_need_an_operation_name(digest_store: NetworkXStore) -> None:
    client = _client(digest_store)
    query = "query A { __typename } query B { __typename }"
    several = client.post("/graphql", json={"query": query}, headers={"accept": GRAPHQL_TYPE})
    _assert_json_error(several, 400, "operationName")
    named = client.post("/graphql", json={"query": query, "operationName": "B"})
    assert named.json() == {"data": {"__typename": "Query"}}


def test_accept_negotiation_and_status_codes(digest_store: NetworkXStore) -> None:
    """GraphQL over HTTP: graphql-response+json makes a document error a 400; JSON keeps 200."""
    client = _client(digest_store)
    modern = {"accept": "application/graphql-response+json"}
    ok = client.post("/graphql", json={"query": "{ __typename }"}, headers=modern)
    assert ok.status_code == 200
    assert ok.headers["content-type"] == "application/graphql-response+json; charset=utf-8"
    for bad in ("{ nope }", "{ __typename"):
        refused = client.post("/graphql", json={"query": bad}, headers=modern)
        assert refused.status_code == 400 and "data" not in refused.json()
        legacy = client.post("/graphql", json={"query": bad}, headers={"accept": JSON_TYPE})
        assert legacy.status_code == 200 and legacy.json()["errors"]
    field_error = client.post(
        "/graphql", json={"query": '{ node(id: "nonsense") { id } }'}, headers=modern
    )
    assert field_error.status_code == 200 and field_error.json()["data"] == {"node": None}
    wildcard = client.post("/graphql", json={"query": "{ __typename }"}, headers={"accept": "*/*"})
    assert wildcard.headers["content-type"] == "application/json; charset=utf-8"
    _assert_json_error(
        client.post("/graphql", json={"query": "{ __typename }"}, headers={"accept": "text/xml"}),
        406,
        "Accept",
    )


def test_get_runs_queries_only(digest_store: NetworkXStore) -> None:
    client = _client(digest_store)
    response = client.get("/graphql", params={"query": "mutation { x }"})
    _assert_json_error(response, 405, "GET runs queries only")
    assert response.headers["allow"] == "POST"
    bad = client.get("/graphql", params={"query": "{ __typename }", "variables": "{oops"})
    _assert_json_error(bad, 400, "'variables' parameter is not valid JSON")


def test_host_header_is_checked(digest_store: NetworkXStore) -> None:
    app = create_app(digest_store, bind_host="127.0.0.1", allowed_hosts=["graph.example"])
    client = TestClient(app, base_url="http://127.0.0.1:8000")
    assert client.get("/healthz").status_code == 200
    for host in ("localhost:8000", "127.0.0.1", "graph.example", "GRAPH.example.:80"):
        assert client.get("/healthz", headers={"host": host}).status_code == 200, host
    for host in ("evil.example", "evil.example:8000", "10.0.0.1", "[::2]:8000", ""):
        response = client.post("/graphql", json={"query": "{ __typename }"}, headers={"host": host})
        _assert_json_error(response, 400, "--allowed-host")


def test_wildcard_bind_accepts_addresses_not_names(digest_store: NetworkXStore) -> None:
    client = TestClient(create_app(digest_store, bind_host="0.0.0.0"))
    assert client.get("/healthz", headers={"host": "192.168.1.5:8000"}).status_code == 200
    assert client.get("/healthz", headers={"host": "rebind.example"}).status_code == 400


def test_client_error_logs_one_line(
    digest_store: NetworkXStore, caplog: pytest.LogCaptureFixture
) -> None:
    client = _client(digest_store)
    with caplog.at_level(logging.DEBUG):
        client.post("/graphql", content=b"null", headers={"content-type": "application/json"})
        client.post("/graphql", json={"query": "{ nope }"})
    records = [r for r in caplog.records if r.name.startswith(("graphapi", "strawberry"))]
    assert len(records) == 2, [r.getMessage() for r in records]
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in records)


def test_response_size_cap_names_the_limit(digest_store: NetworkXStore) -> None:
    client = _client(digest_store, limits=HttpLimits(max_response=100))
    body = client.post("/graphql", json={"query": "{ people(first: 50) { nodes { name } } }"})
    assert body.status_code == 200
    assert body.json()["data"] is None
    assert "limit: response size <= 100 bytes" in body.json()["errors"][0]["message"]
