"""The HTTP app: Starlette serving `/graphql` (POST, GET, GraphiQL), `/healthz`, `/`, the
graph explorer, and `/static/` (their scripts, vendored: no CDN; see web.py).

`create_app(store)` builds a fresh app around one store; nothing is global, so tests build
as many apps as they like. The API is read-only: no mutation exists, loading is the CLI's job.

Given the snapshot path, the app keeps serving the graph it has while a load runs, and swaps
in the new snapshot atomically once the load has renamed it into place (it polls the file's
identity, and SIGHUP asks for an immediate check). A snapshot that fails to read is logged
and ignored: the old graph goes on serving. The loader may patch a copy of the served graph
rather than read everything (`graphapi.snapshot.ServedSnapshot`); the new store's derived
indexes are then built after it is swapped in (`warm`), so it answers sooner.

Concurrency is bounded: at most `max_concurrent` GraphQL requests run at once; a request
that cannot start within `queue_seconds` gets a 503 naming the limit, so one flood of
clients cannot starve the server indefinitely. Operations resolve in worker threads
(`graphapi.endpoint`), so `/healthz` and cheap queries answer while expensive ones run.

Given the address it is bound to, the app checks each request's Host header: a web page
that rebinds its own DNS name to 127.0.0.1 sends its name as Host, and is refused (400).
IP literals, `localhost` and the names given with `--allowed-host` are accepted.
Every client error is answered with a JSON `{"errors": [...]}` body.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from graphapi.endpoint import GraphQLEndpoint, HttpLimits, error_response
from graphapi.gcpause import settle_long_lived
from graphapi.store.base import GraphStore
from graphapi.web import explorer_page, static_mount

__all__ = ["HostCheck", "HttpLimits", "StoreHolder", "create_app"]

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
    #: Run in a worker thread once a reloaded store serves (building its derived indexes):
    #: the new graph answers from the moment it is read, not once everything is built.
    warm: Callable[[GraphStore], object] | None = None
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
        self.generation += 1
        log.info("serving the reloaded snapshot (generation %d)", self.generation)
        if self.warm is not None:
            try:
                await asyncio.to_thread(self.warm, fresh)
            except Exception as exc:  # requests build what they need themselves
                log.warning("warming the reloaded graph failed: %s", exc)
        del fresh
        settle_long_lived()  # the old graph is collected, the new one (and indexes) frozen
        return True


class HostCheck:
    """ASGI middleware refusing a Host header that is neither an IP literal the server is
    bound to, `localhost`, nor a configured name: the defence against DNS rebinding."""

    def __init__(self, app: ASGIApp, bind_host: str, names: list[str]) -> None:
        self.app = app
        self.bind = _ip(bind_host)
        self.wildcard = self.bind is not None and self.bind.is_unspecified
        self.names = {n.lower().rstrip(".") for n in names} | {"localhost"}
        if self.bind is None:
            self.names.add(bind_host.lower().rstrip("."))

    def allowed(self, host: str) -> bool:
        """True for a Host header (port and brackets stripped) this server answers to."""
        name = _host_name(host)
        address = _ip(name)
        if address is None:
            return name in self.names
        if self.wildcard or address == self.bind:
            return True
        return address.is_loopback and self.bind is not None and self.bind.is_loopback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if not self.allowed(host):
                log.warning("400 %s: Host %r refused", scope.get("path", ""), host)
                message = (
                    f"Host {host!r} is not served here (limit: allowed hosts; "
                    "add the name with 'graphapi serve --allowed-host NAME')"
                )
                await error_response(400, message)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _host_name(host: str) -> str:
    """The name or address of a Host header value, without port or IPv6 brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


async def _http_error(_: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 replies, as JSON like every other client error."""
    assert isinstance(exc, HTTPException)
    log.warning("%d: %s", exc.status_code, exc.detail)
    return error_response(exc.status_code, str(exc.detail), headers=exc.headers)


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
            log.warning("503: %s", message)
            await JSONResponse({"errors": [{"message": message}]}, 503)(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.semaphore.release()


#: How often the server looks for a new load in its database: one read of the generation
#: (well under a millisecond), so a quarter second costs nothing, and a 1 % update to a 95k
#: graph is served within its patch time plus this (the target is 2 s).
RELOAD_SECONDS = 0.25


async def _watch(holder: StoreHolder, interval: float, wake: asyncio.Event) -> None:
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), interval)
        wake.clear()
        await holder.refresh()


@contextlib.asynccontextmanager
async def _reloading(
    holder: StoreHolder,
    snapshot_path: str | None,
    loader: Callable[[str], GraphStore] | None,
    interval: float,
) -> AsyncIterator[None]:
    """Watch the snapshot (and SIGHUP) while the app runs, when there is one to watch."""
    if snapshot_path is None or loader is None:
        yield
        return
    wake = asyncio.Event()
    with contextlib.suppress(ValueError, RuntimeError):  # not the main thread: no signal
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, wake.set)
    task = asyncio.create_task(_watch(holder, interval, wake))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_app(
    store: GraphStore,
    *,
    cors_origins: list[str] | None = None,
    snapshot_path: str | None = None,
    loader: Callable[[str], GraphStore] | None = None,
    signature: Callable[[str], object] | None = None,
    warm: Callable[[GraphStore], object] | None = None,
    reload_interval: float = RELOAD_SECONDS,
    max_concurrent: int = 32,
    queue_seconds: float = 10.0,
    bind_host: str | None = None,
    allowed_hosts: list[str] | None = None,
    limits: HttpLimits | None = None,
) -> Starlette:
    """An app serving `store` (reloaded from `snapshot_path` when given); CORS closed by default.

    With `bind_host` (what `serve` listens on), Host headers are checked (`HostCheck`).
    `signature(path)` tells when a new graph was saved there (the database's generation);
    `warm(store)` runs after a reloaded store is swapped in (`StoreHolder.warm`).
    """
    holder = StoreHolder(
        store, snapshot_path=snapshot_path, loader=loader, signature=signature, warm=warm
    )
    holder.remember()
    settle_long_lived()

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            async with _reloading(holder, snapshot_path, loader, reload_interval):
                yield
        finally:
            endpoint.shutdown()

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
    if bind_host is not None:
        middleware.insert(0, Middleware(HostCheck, bind_host=bind_host, names=allowed_hosts or []))
    endpoint = GraphQLEndpoint(lambda: holder.store, limits or HttpLimits())
    graphql_app = _Bounded(endpoint, max_concurrent, queue_seconds)
    routes = [
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/", explore),
        static_mount(),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
    )
    app.state.holder = holder
    return app
