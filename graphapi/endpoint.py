"""`/graphql` over HTTP: request checks, GraphQL over HTTP media types, execution off the loop.

Strawberry's ASGI view answered malformed bodies with a 500 and a traceback, plain-text 400s,
read bodies of any size, and resolved every field on the event loop, so one expensive query
stalled `/healthz` and every other client. This endpoint:

- reads at most `max_body` bytes (413 beyond), and answers every malformed request (invalid
  UTF-8, JSON that is not an object, 100k-deep JSON, a wrong content type, bad parameters) with
  a 4xx and a JSON `{"errors": [...]}` body, logging one line;
- negotiates `application/graphql-response+json` (GraphQL over HTTP): with it, a document that
  fails to parse or validate is a 400, and a JSON `Accept` keeps the legacy 200;
- runs each operation in a worker thread (`schema.execute_sync`), so the event loop only moves
  bytes. Threads rather than processes: the networkx graph lives in this process (a worker
  process would need its own copy of a multi-GB graph, re-made at every reload), and the GIL
  is handed back to the loop every `sys.getswitchinterval()`. Few threads: under the GIL more
  threads add no throughput, only switches that stretch every cheap query. A query estimated
  above `EXPENSIVE_COST` is handed to a separate single worker (`expensive_slots`): expensive
  queries queue there, one at a time, and never occupy the threads cheap queries use;
- caps the serialised response at `max_response` bytes with an error that names the limit;
- answers a query it has answered before on the same graph from the kept reply, on the event
  loop, when the query asks aggregates only (`graphapi.schema.replies`: stats, networks,
  neighbourhoods, ...), so a repeated dashboard query costs a dict look-up;
- says how long the server spent on each request in a `Server-Timing: total;dur=MS` header.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from graphapi.schema import Context, schema
from graphapi.schema.limits import estimate
from graphapi.schema.replies import keep_reply, kept_reply, reply_key
from graphapi.schema.validation import EXPENSIVE_COST
from graphapi.store.base import GraphStore
from graphapi.web import graphiql_page

__all__ = ["ClientError", "GraphQLEndpoint", "HttpLimits", "error_response"]

log = logging.getLogger("graphapi")

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


@dataclass(frozen=True)
class HttpLimits:
    """What one HTTP request may use."""

    max_body: int = 1 << 20  # bytes of request body
    max_response: int = 32 << 20  # bytes of serialised response
    budget_seconds: float = 10.0  # per request, checked at every resolved field
    workers: int = 4  # threads resolving cheap requests
    expensive_slots: int = 1  # threads resolving expensive requests (queued beyond)
    expensive_queue: int = 8  # expensive requests waiting or running; more get a 503


class ClientError(Exception):
    """A request the server refuses before running it; `status` is its HTTP status."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def error_response(
    status: int, message: str, media: str = JSON, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON `{"errors": [...]}` reply, the form every client error takes."""
    body = json.dumps({"errors": [{"message": message}]})
    return Response(body, status, headers=headers, media_type=f"{media}; charset=utf-8")


def _accepted_media(accept: str | None) -> str:
    """The response type for an `Accept` header (GraphQL over HTTP, 'Accept' section)."""
    if not accept:
        return JSON
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, quality = fields[0].lower(), 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media in ("*/*", "application/*"):
            media = JSON  # what a client that names no type can surely read (the spec's SHOULD)
        if media in (JSON, GRAPHQL_RESPONSE) and quality > 0:
            ranked.append((-quality, index, media))
    if not ranked:
        raise ClientError(
            406, f"cannot answer in any type of Accept: {accept!r}; use {GRAPHQL_RESPONSE}"
        )
    return min(ranked)[2]


def _wants_ide(request: Request) -> bool:
    """A browser opening /graphql (no query): it gets GraphiQL."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "query" not in request.query_params


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it exceeds `limit` (never read in full)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ClientError(413, f"request body of {declared} bytes exceeds {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ClientError(413, f"request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _decode_json(raw: bytes, what: str) -> Any:
    """Strict UTF-8 JSON; every way it can be wrong is a 400 naming the problem."""
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ClientError(400, f"{what} is not valid UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ClientError(
            400, f"{what} is not valid JSON: {exc.msg} (position {exc.pos})"
        ) from None
    except RecursionError:
        raise ClientError(400, f"{what} is JSON nested too deeply") from None


async def _post_params(request: Request, limit: int) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    if media != JSON:
        raise ClientError(
            415, f"unsupported content type {content_type or '(none)'!r}: send {JSON}"
        )
    params = _decode_json(await _read_body(request, limit), "request body")
    if not isinstance(params, dict):
        raise ClientError(400, f"request body must be a JSON object, not {type(params).__name__}")
    return params


def _get_params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    for name in ("variables", "extensions"):
        if isinstance(params.get(name), str):
            params[name] = _decode_json(params[name].encode(), f"'{name}' parameter")
    return params


def _checked(params: dict[str, Any]) -> tuple[str, dict[str, Any] | None, str | None]:
    """`query`, `variables`, `operationName`, each of the type the spec requires (else 400)."""
    query, variables = params.get("query"), params.get("variables")
    operation, extensions = params.get("operationName"), params.get("extensions")
    if not isinstance(query, str) or not query.strip():
        raise ClientError(400, "'query' must be a non-empty string")
    if variables is not None and not isinstance(variables, dict):
        raise ClientError(400, "'variables' must be a JSON object")
    if operation is not None and not isinstance(operation, str):
        raise ClientError(400, "'operationName' must be a string")
    if extensions is not None and not isinstance(extensions, dict):
        raise ClientError(400, "'extensions' must be a JSON object")
    return query, variables, operation


class GraphQLEndpoint:
    """The ASGI app of `/graphql`; `store()` gives the graph being served at each request."""

    def __init__(self, store: Callable[[], GraphStore], limits: HttpLimits) -> None:
        self.store, self.limits = store, limits
        self.pool = ThreadPoolExecutor(limits.workers, thread_name_prefix="graphql")
        self.expensive = ThreadPoolExecutor(limits.expensive_slots, thread_name_prefix="costly")
        self.expensive_waiting = 0  # touched on the event loop only
        self.ide = graphiql_page()  # the vendored copy (graphapi/web.py), no CDN

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        started = time.perf_counter()
        media = JSON
        try:
            if request.method == "GET" and _wants_ide(request):
                response: Response = HTMLResponse(self.ide)
            else:
                media = _accepted_media(request.headers.get("accept"))
                response = await self._answer(request, media)
        except ClientError as exc:
            log.warning("%d %s %s: %s", exc.status, request.method, request.url.path, exc.message)
            response = error_response(exc.status, exc.message, media, exc.headers)
        elapsed = (time.perf_counter() - started) * 1000
        response.headers["server-timing"] = f"total;dur={elapsed:.1f}"
        await response(scope, receive, send)

    async def _answer(self, request: Request, media: str) -> Response:
        if request.method == "POST":
            params = await _post_params(request, self.limits.max_body)
        else:
            params = _get_params(request)
        query, variables, operation = _checked(params)
        store = self.store()
        kept = kept_reply(store, reply_key(query, variables, operation))
        if kept is not None:  # an aggregate answered before on this very graph
            return Response(kept, 200, media_type=f"{media}; charset=utf-8")
        allowed = {OperationType.QUERY} if request.method == "GET" else None
        context = Context(store, budget_seconds=self.limits.budget_seconds)
        loop = asyncio.get_running_loop()
        run = (query, variables, operation, context, allowed)
        result = await loop.run_in_executor(self.pool, self._execute_cheap, *run)
        if result is None:  # expensive: queued for its own worker, its budget already running
            if self.expensive_waiting >= self.limits.expensive_queue:
                raise ClientError(
                    503,
                    f"server busy: {self.expensive_waiting} expensive queries already queued "
                    f"(limit: expensive queries queued <= {self.limits.expensive_queue})",
                    {"retry-after": "5"},
                )
            self.expensive_waiting += 1
            try:
                result = await loop.run_in_executor(self.expensive, self._execute, *run)
            finally:
                self.expensive_waiting -= 1
        body, request_error = result
        status = 400 if media == GRAPHQL_RESPONSE and request_error else 200
        return Response(body, status, media_type=f"{media}; charset=utf-8")

    def _execute_cheap(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation: str | None,
        context: Context,
        allowed: set[OperationType] | None,
    ) -> tuple[bytes, bool] | None:
        """Run the operation here unless it is estimated expensive (then None: not run)."""
        if estimate(query, variables, operation) > EXPENSIVE_COST:
            return None
        return self._execute(query, variables, operation, context, allowed)

    def shutdown(self) -> None:
        """Stop the worker threads (queued requests are dropped: the server is stopping)."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.expensive.shutdown(wait=False, cancel_futures=True)

    def _execute(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation: str | None,
        context: Context,
        allowed: set[OperationType] | None,
    ) -> tuple[bytes, bool]:
        """Run the operation to completion in this worker thread: the serialised reply (capped
        at `max_response` bytes), and whether it is a request error (nothing executed)."""
        try:
            result = schema.execute_sync(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=operation,
                allowed_operation_types=allowed,
            )
        except InvalidOperationTypeError:
            raise ClientError(
                405, "GET runs queries only: send a mutation by POST", {"allow": "POST"}
            ) from None
        except CannotGetOperationTypeError:
            raise ClientError(
                400,
                "the document holds several operations or none by that name: "
                "give 'operationName' naming one",
            ) from None
        except MissingQueryError:
            raise ClientError(400, "'query' must be a non-empty string") from None
        reply: dict[str, Any] = {}
        if result.errors:
            reply["errors"] = [error.formatted for error in result.errors]
        if context.executed or result.data is not None:
            reply["data"] = result.data
        body = json.dumps(reply, separators=(",", ":")).encode()
        if len(body) > self.limits.max_response:
            message = (
                f"response of {len(body)} bytes exceeds the limit "
                f"(limit: response size <= {self.limits.max_response} bytes)"
            )
            log.warning("%s", message)
            body = json.dumps({"data": None, "errors": [{"message": message}]}).encode()
        elif not result.errors:
            keep_reply(context.store, reply_key(query, variables, operation), body)
        return body, "data" not in reply
