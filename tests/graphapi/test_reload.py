"""Serving while loading: the old graph answers until the new snapshot is in place, then
the server switches to it by itself; a corrupt snapshot is ignored; concurrency is bounded."""

from __future__ import annotations

import asyncio
import gc
import time
import weakref
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from graphapi.app import _Bounded, create_app
from graphapi.cli import main
from graphapi.snapshot import read_snapshot
from tests.conftest import FIXTURES
from tests.graphapi.conftest import SMALL_DIGEST

QUERY = {"query": '{ person(email: "raj.iyer@google.com") { name } }'}


def _wait_for_generation(client: TestClient, generation: int) -> None:
    deadline = time.monotonic() + 10
    while client.get("/healthz").json()["generation"] < generation:
        assert time.monotonic() < deadline, "the server did not pick up the new snapshot"
        time.sleep(0.05)


def test_server_switches_to_a_new_snapshot_and_ignores_a_corrupt_one(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    assert main(["load", "--db", str(db), str(SMALL_DIGEST)]) == 0
    app = create_app(
        read_snapshot(db), snapshot_path=str(db), loader=read_snapshot, reload_interval=0.05
    )
    with TestClient(app) as client:
        assert client.post("/graphql", json=QUERY).json() == {"data": {"person": None}}
        assert (
            main(["load", "--db", str(db), str(FIXTURES / "threads" / "reply_trailers.mbox")]) == 0
        )
        _wait_for_generation(client, 1)
        assert client.post("/graphql", json=QUERY).json() == {
            "data": {"person": {"name": "Raj Iyer"}}
        }
        db.write_bytes(b"not a snapshot")
        time.sleep(0.3)
        assert client.get("/healthz").json()["generation"] == 1
        assert client.post("/graphql", json=QUERY).json() == {
            "data": {"person": {"name": "Raj Iyer"}}
        }


def test_concurrency_is_bounded_with_a_clear_503() -> None:
    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        await asyncio.sleep(0.3)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def scenario() -> list[int]:
        bounded = _Bounded(slow_app, limit=1, queue_seconds=0.05)
        statuses: list[int] = []

        async def call() -> None:
            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": b""}

            async def send(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    statuses.append(message["status"])

            await bounded({"type": "http", "method": "POST", "headers": []}, receive, send)

        await asyncio.gather(call(), call())
        return sorted(statuses)

    assert asyncio.run(scenario()) == [200, 503]


def test_served_graph_is_frozen_for_the_collector_and_a_replaced_one_is_freed(
    tmp_path: Path,
) -> None:
    """The served graph is moved out of the cyclic collector's sight (no full-heap pauses
    in requests), yet a graph replaced by a reload is really freed (networkx's cached views
    make it cyclic, so only the collector can)."""
    db = tmp_path / "g.db"
    assert main(["load", "--db", str(db), str(SMALL_DIGEST)]) == 0
    first = read_snapshot(db)
    first.graph.edges  # noqa: B018  (a cached view referring back to the graph: a cycle)
    old_graph = weakref.ref(first.graph)
    app = create_app(first, snapshot_path=str(db), loader=read_snapshot, reload_interval=0.05)
    del first
    assert gc.get_freeze_count() > 0
    with TestClient(app) as client:
        more = FIXTURES / "threads" / "reply_trailers.mbox"
        assert main(["load", "--db", str(db), str(more)]) == 0
        _wait_for_generation(client, 1)
        assert old_graph() is None
