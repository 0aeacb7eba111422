"""The GraphQL schema (schema.graphql), its limits, and helpers to run it in-process."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine, Iterable, Iterator
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, MaxTokensLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from graphapi.schema.context import Context, LimitExceeded
from graphapi.schema.dates import DateTime
from graphapi.schema.documents import ParsedOnce
from graphapi.schema.errors import ApiError
from graphapi.schema.execution import LeafShortcut
from graphapi.schema.limits import QueryLimits
from graphapi.schema.query import Query
from graphapi.schema.subsystems import Subsystem
from graphapi.schema.types import Company, File, Message, Patch, Person, Series
from graphapi.schema.validation import MAX_TOKENS

__all__ = ["MAX_TOKENS", "ApiSchema", "Context", "build_schema", "schema"]

log = logging.getLogger("graphapi")

MAX_STRING = 1024
MASKED_MESSAGE = "Internal error (details are in the server log)."


class TimeBudget(SchemaExtension):
    """Charges every resolved field to the request (time budget, response size), and refuses
    string arguments longer than `MAX_STRING` (no field needs more).

    Past a limit, no resolver runs any more: each remaining field is refused at once, and
    `ApiSchema.execute` folds those refusals into one error naming the limit.
    """

    #: What `LeafShortcut` relies on to run a resolver without arguments directly: for such a
    #: field this middleware does nothing but `Context.charge` (the executor charges it).
    charges_fields = True

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        context = info.context
        if isinstance(context, Context):
            try:
                context.charge()
            except LimitExceeded as exc:
                raise ApiError(str(exc)) from None
        for name, value in kwargs.items():
            if isinstance(value, str) and len(value) > MAX_STRING:
                raise ApiError(
                    f"argument '{name}' is {len(value)} characters long "
                    f"(limit: strings <= {MAX_STRING} characters)"
                )
        if isinstance(context, Context) and context.ran:
            replayed = context.replayed(root, tuple(info.path.as_list()))
            if replayed is not None:  # run on the executor's direct path, which fell back
                ok, value = replayed
                if not ok:
                    raise value
                return value
        return _next(root, info, *args, **kwargs)


def _is_internal(error: GraphQLError) -> bool:
    """Mask unexpected exceptions; client mistakes (validation, ApiError) keep their message."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def _extensions() -> Iterator[Any]:
    yield lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS)
    yield ParsedOnce
    yield QueryLimits
    yield TimeBudget
    yield lambda: MaskErrors(should_mask_error=_is_internal, error_message=MASKED_MESSAGE)


class ApiSchema(strawberry.Schema):
    """The schema; `execute_sync` runs the async executor to completion on its own loop.

    Relation fields are async (DataLoaders batch each resolver level into one store call),
    so Strawberry's own synchronous executor cannot run them. In-process callers without an
    event loop (the CLI, tests) keep calling `execute_sync`; async code (the HTTP app) calls
    `execute`. Both run the same resolvers, limits, time budget and error masking.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: Any | None = None
    ) -> None:
        """Log a client's mistake as one line (once per distinct message: a limit refuses
        many fields with one); only an unexpected exception gets a traceback."""
        seen: set[str] = set()
        for error in errors:
            if _is_internal(error):
                log.error("internal error: %s", error, exc_info=error.original_error)
            elif error.message not in seen:
                seen.add(error.message)
                log.info("client error: %s", error.message)

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Strawberry's execution, with the refusals after a limit folded into one error."""
        if isinstance(context_value, Context):
            context_value.operation_named = operation_name is not None
        result = await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )
        if isinstance(context_value, Context) and context_value.stopped and result.errors:
            stopped = context_value.stopped
            kept = [e for e in result.errors if e.message != stopped]
            first = next(e for e in result.errors if e.message == stopped)
            result.errors = [first, *kept]
        return result

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
        return _run_to_completion(
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


_LOOPS = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    """This thread's own event loop, made on first use and kept: `asyncio.run` made and
    closed a loop per request, which cost more than resolving `{ __typename }`. Worker threads
    (the HTTP endpoint's) and the CLI have no running loop of their own; a thread that has one
    must call `execute` instead."""
    loop: asyncio.AbstractEventLoop | None = getattr(_LOOPS, "loop", None)
    if loop is None or loop.is_closed():
        loop = _LOOPS.loop = asyncio.new_event_loop()
    return loop


def _run_to_completion(operation: Coroutine[Any, Any, ExecutionResult]) -> ExecutionResult:
    """Run `operation` on this thread's loop; then cancel what it left behind (a batch a
    failed request never awaited), as `asyncio.run` would, so no later request runs it."""
    loop = _thread_loop()
    try:
        return loop.run_until_complete(operation)
    finally:
        left = asyncio.all_tasks(loop)
        if left:
            for task in left:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))


def build_schema(leaf_shortcut: bool = True) -> ApiSchema:
    """The schema; `leaf_shortcut=False` runs graphql-core's executor unchanged (the tests
    compare the two)."""
    return ApiSchema(
        query=Query,
        types=[Person, Company, Series, Patch, Message, File, Subsystem],
        extensions=list(_extensions()),
        # offset-less DateTime input is UTC, a date alone its whole day (dates.py)
        config=StrawberryConfig(scalar_map={datetime: DateTime}),
        execution_context_class=LeafShortcut if leaf_shortcut else None,
    )


schema = build_schema()
