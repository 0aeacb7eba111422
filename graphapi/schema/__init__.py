"""The GraphQL schema (schema.graphql), its limits, and helpers to run it in-process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from graphapi.schema.context import Context
from graphapi.schema.dates import DateTime
from graphapi.schema.errors import ApiError
from graphapi.schema.query import Query
from graphapi.schema.subsystems import Subsystem
from graphapi.schema.types import Company, File, Message, Patch, Person, Series

__all__ = ["ApiSchema", "Context", "build_schema", "schema"]

MAX_QUERY_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 2000
MAX_STRING = 1024
MASKED_MESSAGE = "Internal error (details are in the server log)."


class TimeBudget(SchemaExtension):
    """Refuses to resolve further fields once a request has used its time budget, and
    refuses string arguments longer than `MAX_STRING` (no field needs more)."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        context = info.context
        if isinstance(context, Context) and context.over_budget():
            raise ApiError(
                f"request exceeded its time budget of {context.budget_seconds:g}s "
                "(limit: per-request time budget)"
            )
        for name, value in kwargs.items():
            if isinstance(value, str) and len(value) > MAX_STRING:
                raise ApiError(
                    f"argument '{name}' is {len(value)} characters long "
                    f"(limit: strings <= {MAX_STRING} characters)"
                )
        return _next(root, info, *args, **kwargs)


def _is_internal(error: GraphQLError) -> bool:
    """Mask unexpected exceptions; client mistakes (validation, ApiError) keep their message."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def _extensions() -> Iterator[Any]:
    yield lambda: QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH)
    yield lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES)
    yield lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS)
    yield TimeBudget
    yield lambda: MaskErrors(should_mask_error=_is_internal, error_message=MASKED_MESSAGE)


class ApiSchema(strawberry.Schema):
    """The schema; `execute_sync` runs the async executor to completion on its own loop.

    Relation fields are async (DataLoaders batch each resolver level into one store call),
    so Strawberry's own synchronous executor cannot run them. In-process callers without an
    event loop (the CLI, tests) keep calling `execute_sync`; async code (the HTTP app) calls
    `execute`. Both run the same resolvers, limits, time budget and error masking.
    """

    def execute_sync(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        return asyncio.run(
            self.execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )
        )


def build_schema() -> ApiSchema:
    return ApiSchema(
        query=Query,
        types=[Person, Company, Series, Patch, Message, File, Subsystem],
        extensions=list(_extensions()),
        # offset-less DateTime input is UTC, a date alone its whole day (dates.py)
        config=StrawberryConfig(scalar_map={datetime: DateTime}),
    )


schema = build_schema()
