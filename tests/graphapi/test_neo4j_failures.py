"""Neo4j failures: unreachable at start (one clear line, exit 1), gone while serving (a clear
GraphQL error per request), back again (requests succeed without restarting anything).

"Gone while serving" is a loopback TCP proxy in front of the session's Neo4j that is cut
(listener and every open connection closed) and then started again on the same port.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from starlette.testclient import TestClient

from graphapi.app import create_app
from graphapi.cli import main
from graphapi.errors import StoreUnavailable
from graphapi.model import EdgeKind, EdgeRecord, GraphBatch, NodeKind, NodeRecord
from graphapi.schema import Context, schema
from graphapi.schema.errors import ApiError
from graphapi.store.neo4j_store import Neo4jSettings, Neo4jStore

pytestmark = pytest.mark.neo4j

QUERY = '{ person(email: "ada@example.org") { name company { name } } }'
EXPECTED = {"person": {"name": "Ada", "company": {"name": "Acme"}}}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Proxy:
    """A loopback TCP proxy to `target` that can be cut and started again on one port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = _free_port()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
            listener, self._listener = self._listener, None
        for sock in [*sockets, *([listener] if listener else [])]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxied(neo4j_store: Neo4jStore, neo4j_uri: str) -> Iterator[tuple[Neo4jStore, Proxy]]:
    neo4j_store.clear()
    batch = GraphBatch()
    emails = {"emails": ["ada@example.org"]}
    batch.node(NodeRecord(NodeKind.PERSON, "ada@example.org", emails, True, {"Ada": 1}))
    batch.node(NodeRecord(NodeKind.COMPANY, "acme", {"name": "Acme", "domains": []}))
    person, company = (NodeKind.PERSON, "ada@example.org"), (NodeKind.COMPANY, "acme")
    batch.edge(EdgeRecord(EdgeKind.EMPLOYED_BY, person, company))
    neo4j_store.write(batch)
    address = urlparse(neo4j_uri)
    proxy = Proxy((address.hostname or "127.0.0.1", address.port or 7687))
    proxy.start()
    store = Neo4jStore.connect(Neo4jSettings(f"bolt://127.0.0.1:{proxy.port}"), retry_seconds=2)
    try:
        yield store, proxy
    finally:
        store.close()
        proxy.cut()


def _ask(store: Neo4jStore) -> tuple[object, list[str]]:
    result = schema.execute_sync(QUERY, context_value=Context(store=store))
    return result.data, [e.message for e in result.errors or []]


def test_requests_fail_clearly_while_neo4j_is_away_and_recover(
    proxied: tuple[Neo4jStore, Proxy],
) -> None:
    store, proxy = proxied
    assert _ask(store) == (EXPECTED, [])
    proxy.cut()
    for _ in range(2):
        data, errors = _ask(store)
        assert data == {"person": None}
        assert len(errors) == 1 and errors[0].startswith("graph store unavailable: "), errors
    proxy.start()
    assert _ask(store) == (EXPECTED, [])


def test_http_clients_see_the_error_and_then_the_answer(proxied: tuple[Neo4jStore, Proxy]) -> None:
    store, proxy = proxied
    client = TestClient(create_app(store))
    assert client.post("/graphql", json={"query": QUERY}).json() == {"data": EXPECTED}
    proxy.cut()
    body = client.post("/graphql", json={"query": QUERY}).json()
    assert body["errors"][0]["message"].startswith("graph store unavailable: ")
    assert "Traceback" not in str(body)
    proxy.start()
    assert client.post("/graphql", json={"query": QUERY}).json() == {"data": EXPECTED}


def test_unreachable_neo4j_at_start_is_one_clear_error() -> None:
    uri = f"bolt://127.0.0.1:{_free_port()}"
    with pytest.raises(StoreUnavailable, match=r"cannot reach Neo4j at bolt://127\.0\.0\.1"):
        Neo4jStore.connect(Neo4jSettings(uri), retry_seconds=1)


@pytest.mark.parametrize(
    "command",
    [
        ["query", "{ stats { people } }"],
        ["load", "tests/fixtures/digest/small.txt"],
        ["serve", "--port", "0"],
    ],
)
def test_cli_exits_non_zero_with_one_line_when_neo4j_is_unreachable(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    uri = f"bolt://127.0.0.1:{_free_port()}"
    assert main([command[0], "--neo4j", uri, *command[1:]]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(f"graphapi: error: cannot reach Neo4j at {uri}"), err


def test_a_runaway_statement_is_stopped_with_a_clear_error(neo4j_uri: str) -> None:
    store = Neo4jStore.connect(Neo4jSettings(neo4j_uri))
    store.read_timeout = 0.5
    try:
        with pytest.raises(
            ApiError, match=r"gave up after 0\.5s \(limit: per-request time budget\)"
        ):
            store.run_read("UNWIND range(1, 1000000000) AS i WITH i WHERE i < 0 RETURN count(*)")
        assert store.run_read("RETURN 1 AS one")[0]["one"] == 1
    finally:
        store.close()
