"""Limits enforced before anything runs: the measures of `graphapi.schema.validation` turned
into refusals (`QueryLimits`, a Strawberry extension), and the cost estimate the HTTP layer
uses to route expensive requests to their own lane (`estimate`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from graphapi.schema.context import Context
from graphapi.schema.documents import parsed
from graphapi.schema.lru import KeptLru
from graphapi.schema.validation import (
    MAX_ALIASES,
    MAX_COST,
    MAX_QUERY_DEPTH,
    MAX_REPEATS,
    Measure,
    measure_document,
)

__all__ = ["QueryLimits", "estimate", "fragment_bomb", "limit_errors"]


def limit_errors(measure: Measure, repeated: str | None) -> list[GraphQLError]:
    """One error per limit the measure exceeds, each naming the limit and the value."""
    errors = []
    if measure.depth > MAX_QUERY_DEPTH:
        errors.append(
            f"query depth {measure.depth} exceeds the limit (limit: depth <= {MAX_QUERY_DEPTH})"
        )
    if measure.aliases > MAX_ALIASES:
        errors.append(
            f"query uses {measure.aliases} aliases, fragments expanded "
            f"(limit: aliases <= {MAX_ALIASES})"
        )
    if repeated is not None:
        errors.append(
            f"'{repeated}' is selected more than {MAX_REPEATS} times in one selection set "
            f"(limit: repeats <= {MAX_REPEATS})"
        )
    if measure.cost > MAX_COST:
        errors.append(
            f"query estimated cost {measure.cost} exceeds the limit "
            f"(limit: cost <= {MAX_COST} fields; lower 'first' or 'depth')"
        )
    return [GraphQLError(message) for message in errors]


VALIDATION_CACHE_SIZE = 512
_VALIDATED: KeptLru[tuple[int, str, int], tuple[GraphQLError, ...]] = KeptLru(VALIDATION_CACHE_SIZE)


def _validated(
    schema: GraphQLSchema, query: str, document: DocumentNode, rules: tuple[Any, ...]
) -> tuple[GraphQLError, ...]:
    """graphql-core's validation of `document`, remembered by query text (bounded LRU).

    Validation of even `{ __typename }` costs milliseconds (every rule visits the document),
    more than resolving a canonical query; clients send the same texts again and again. The
    result depends only on the schema and the text, so the text is the key.
    """
    key = (id(schema), query, hash(rules))
    return _VALIDATED.get(key, lambda: tuple(validate_document(schema, document, rules)))


def _unnamed_operations(document: DocumentNode, request: Any) -> list[GraphQLError]:
    """Several operations and no `operationName`: an error (Strawberry would run the first)."""
    operations = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
    if operations < 2 or not isinstance(request, Context) or request.operation_named:
        return []
    return [
        GraphQLError(
            f"the document holds {operations} operations: give 'operationName' naming one "
            "(limit: one operation per request)"
        )
    ]


_MEASURED: KeptLru[tuple[int, str, str, str | None], tuple[Measure, str | None]] = KeptLru(
    VALIDATION_CACHE_SIZE
)


def _measured(
    schema: GraphQLSchema,
    query: str | None,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
) -> tuple[Measure, str | None]:
    """`measure_document`, remembered by (text, variables, operation) in a bounded LRU.

    A request was measured twice (`estimate` to route it, `QueryLimits` to refuse it), and
    the same texts come back with the same variables; the measure depends on nothing else.
    Variables that JSON cannot spell (none from HTTP) are measured afresh.
    """
    try:
        spelled = json.dumps(variables or {}, sort_keys=True)
    except (TypeError, ValueError):
        spelled = None
    if query is None or spelled is None:
        return measure_document(schema, document, variables, operation_name)
    key = (id(schema), query, spelled, operation_name)
    return _MEASURED.get(key, lambda: measure_document(schema, document, variables, operation_name))


class QueryLimits(SchemaExtension):
    """Checks the parsed document against the limits before the standard validation runs,
    and marks the request as executed once execution begins.

    Setting `pre_execution_errors` makes Strawberry skip its own validation, so a refused
    document is never handed to the (slower, per-rule) graphql-core validators.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            measure, repeated = _measured(
                context.schema._schema,
                context.query,
                document,
                context.variables,
                context.operation_name,
            )
            errors = limit_errors(measure, repeated)
            errors += _unnamed_operations(document, context.context)
            if errors:
                context.pre_execution_errors = errors
            elif context.query and context.validation_rules:
                rules = tuple(context.validation_rules)
                context.pre_execution_errors = list(
                    _validated(context.schema._schema, context.query, document, rules)
                )
            if isinstance(context.context, Context):
                context.context.cost = measure.cost
        yield

    def on_execute(self) -> Iterator[None]:
        request = self.execution_context.context
        if isinstance(request, Context):
            request.executed = True
        yield


def estimate(query: str, variables: Mapping[str, Any] | None, operation_name: str | None) -> int:
    """The cost estimate of a request's query (0 when it does not parse: execution says why).

    The HTTP endpoint uses it to send an expensive query to its own worker before running it.
    """
    try:
        document = parsed(query)
    except GraphQLError:
        return 0
    return _measured(_schema_of(), query, document, variables, operation_name)[0].cost


def _schema_of() -> GraphQLSchema:
    from graphapi.schema import schema  # the schema module imports this one

    return schema._schema


def fragment_bomb(levels: int, width: int = 30) -> str:
    """A document whose fragments each spread the next `width` times: width**levels paths
    through about a kilobyte, the shape these limits measure by memoised fragments (the
    tests and `bench/hostile.py` send it)."""
    fragments = []
    for level in range(levels):
        last = level + 1 == levels
        inner = "__typename" if last else " ".join([f"...F{level + 1}"] * width)
        fragments.append(f"fragment F{level} on Query {{ {inner} }}")
    return "query { ...F0 } " + " ".join(fragments)
