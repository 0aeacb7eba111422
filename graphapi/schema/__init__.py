"""The GraphQL schema (api.md), its limits, and helpers to run it in-process."""

from __future__ import annotations

from collections.abc import Iterator
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

from graphapi.schema.context import Context
from graphapi.schema.errors import ApiError
from graphapi.schema.query import Query
from graphapi.schema.subsystems import Subsystem
from graphapi.schema.types import Company, File, Message, Patch, Person, Series

__all__ = ["Context", "build_schema", "schema"]

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


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        types=[Person, Company, Series, Patch, Message, File, Subsystem],
        extensions=list(_extensions()),
    )


schema = build_schema()
