"""The HTTP app: Starlette serving `/graphql` (POST, GET, GraphiQL) and `/healthz`.

`create_app(store)` builds a fresh app around one store; nothing is global, so tests build
as many apps as they like. The API is read-only: no mutation exists, loading is the CLI's job.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL

from graphapi.schema import Context, schema
from graphapi.store.base import GraphStore

__all__ = ["create_app"]


class _GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI app with our per-request context."""

    def __init__(self, store: GraphStore) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self._store = store

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(store=self._store)


def create_app(store: GraphStore, *, cors_origins: list[str] | None = None) -> Starlette:
    """An app serving `store`; CORS is closed unless origins are given."""
    graphql_app = _GraphQLApp(store)

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

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
    routes = [Route("/graphql", graphql_app, methods=["GET", "POST"]), Route("/healthz", healthz)]
    return Starlette(routes=routes, middleware=middleware)
