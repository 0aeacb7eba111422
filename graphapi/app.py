"""The HTTP app: Starlette serving `/graphql` (POST, GET, GraphiQL), `/healthz`, `/`, the
graph explorer, and `/static/` (their scripts, vendored: no CDN; see web.py).

`create_app(store)` builds a fresh app around one store; nothing is global, so tests build
as many apps as they like. The API is read-only: no mutation exists, loading is the CLI's job.

Given the snapshot path, the app keeps serving the graph it has while a load runs, and swaps
in the new snapshot atomically once the load has renamed it into place (it polls the file's
identity, and SIGHUP asks for an immediate check). A snapshot that fails to read is logged
and ignored: the old graph goes on serving.

Concurrency is bounded: at most `max_concurrent` GraphQL requests run at once; a request
that cannot start within `queue_seconds` gets a 503 naming the limit, so one flood of
clients cannot starve the server indefinitely.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from graphapi.gcpause import settle_long_lived
from graphapi.schema import Context, schema
from graphapi.store.base import GraphStore
from graphapi.web import explorer_page, graphiql_page, static_mount

__all__ = ["StoreHolder", "create_app"]

log = logging.getLogger("graphapi")


@dataclass
class StoreHolder:
    """The store being served; replaced as a whole, never mutated, so a request sees one graph."""

    store: GraphStore
    generation: int = 0
    snapshot_path: str | None = None
    loader: Callable[[str], GraphStore] | None = None
    #: What changes when a new graph is saved at `snapshot_path` (the database's generation);
    #: by default the file's inode, size and modification time.
    signature: Callable[[str], object] | None = None
    _signature: object = field(default=None, repr=False)

    def _stat(self) -> object:
        if self.snapshot_path is None:
            return None
        if self.signature is not None:
            return self.signature(self.snapshot_path)
        try:
            info = os.stat(self.snapshot_path)
        except OSError:
            return None
        return (info.st_ino, info.st_size, info.st_mtime_ns)

    def remember(self) -> None:
        self._signature = self._stat()

    async def refresh(self) -> bool:
        """Swap in the snapshot if it changed on disk; True when a new graph is served."""
        signature = self._stat()
        if signature is None or signature == self._signature or self.loader is None:
            return False
        assert self.snapshot_path is not None
        try:
            fresh = await asyncio.to_thread(self.loader, self.snapshot_path)
        except Exception as exc:  # a bad snapshot must not take the server down
            log.warning("keeping the current graph: %s", exc)
            self._signature = signature
            return False
        self.store, self._signature = fresh, signature
        del fresh
        settle_long_lived()  # the old graph is collected, the new one frozen
        self.generation += 1
        log.info("serving the reloaded snapshot (generation %d)", self.generation)
        return True


class _GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI app with our per-request context."""

    def __init__(self, holder: StoreHolder) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self._holder = holder

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(store=self._holder.store)

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL from the vendored copy (web.py), not Strawberry's CDN-based page."""
        return graphiql_page()


class _Bounded:
    """ASGI wrapper admitting at most `limit` requests at once (503 after `queue_seconds`)."""

    def __init__(self, app: Any, limit: int, queue_seconds: float) -> None:
        self.app, self.limit, self.queue_seconds = app, limit, queue_seconds
        self.semaphore = asyncio.Semaphore(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await asyncio.wait_for(self.semaphore.acquire(), self.queue_seconds)
        except TimeoutError:
            message = (
                f"server busy: more than {self.limit} concurrent requests (limit: concurrency)"
            )
            await JSONResponse({"errors": [{"message": message}]}, 503)(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.semaphore.release()


async def _watch(holder: StoreHolder, interval: float, wake: asyncio.Event) -> None:
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), interval)
        wake.clear()
        await holder.refresh()


def create_app(
    store: GraphStore,
    *,
    cors_origins: list[str] | None = None,
    snapshot_path: str | None = None,
    loader: Callable[[str], GraphStore] | None = None,
    signature: Callable[[str], object] | None = None,
    reload_interval: float = 1.0,
    max_concurrent: int = 32,
    queue_seconds: float = 10.0,
) -> Starlette:
    """An app serving `store` (reloaded from `snapshot_path` when given); CORS closed by default."""
    holder = StoreHolder(store, snapshot_path=snapshot_path, loader=loader, signature=signature)
    holder.remember()
    settle_long_lived()

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if snapshot_path is None or loader is None:
            yield
            return
        wake = asyncio.Event()
        with contextlib.suppress(ValueError, RuntimeError):  # not the main thread: no signal
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, wake.set)
        task = asyncio.create_task(_watch(holder, reload_interval, wake))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "generation": holder.generation})

    async def explore(_: Request) -> HTMLResponse:
        return HTMLResponse(explorer_page())

    middleware = []
    if cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["content-type"],
            )
        )
    graphql_app = _Bounded(_GraphQLApp(holder), max_concurrent, queue_seconds)
    routes = [
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/", explore),
        static_mount(),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.holder = holder
    return app
