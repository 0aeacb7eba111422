"""The executor: graphql-core's, with a short path for plain leaf fields.

Most fields of a response are leaves read straight off a typed object (`name`, `count`,
`title`, `emails`): no resolver of ours, no arguments. graphql-core still gives each one the
whole treatment (resolve info, middleware, Strawberry's resolver wrapper, completion by
type), ~10 us apiece, which made a page of twenty series cost ten times its store calls.
Here such a field is read and serialised directly, with exactly the same value:

- the value is what Strawberry's basic-field resolver returns (the same function is called);
- it is serialised by the field's own scalar or enum type, as graphql-core's leaf completion
  does, item by item for a list of leaves;
- the field is charged to the request (`Context.try_charge`) as the `TimeBudget` middleware
  would charge it.

Anything unusual takes graphql-core's own path, which then produces the usual result or
error: a null where the type forbids one, a value the type cannot serialise, a list that is
not a list or tuple, a request past its limits (so the refusal is the middleware's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graphapi.schema.context import Context

__all__ = ["LeafShortcut"]


@dataclass(frozen=True, slots=True)
class _Leaf:
    """How to complete one plain leaf field: read, then serialise (each item of a list)."""

    read: Any  # Strawberry's basic-field resolver: (source, info) -> value
    type: GraphQLLeafType
    required: bool  # non-null field
    listed: bool  # a list of leaves
    items_required: bool  # non-null items


_NOT_A_LEAF = None
_PLANS: dict[int, tuple[GraphQLField, _Leaf | None]] = {}


def _plan(field: GraphQLField) -> _Leaf | None:
    """The short path for `field`, or None when it needs graphql-core's (kept per field)."""
    kept = _PLANS.get(id(field))
    if kept is not None and kept[0] is field:
        return kept[1]
    plan = _make_plan(field)
    _PLANS[id(field)] = (field, plan)  # the field is kept alive with it: ids stay unique
    return plan


def _make_plan(field: GraphQLField) -> _Leaf | None:
    if field.args or not getattr(field.resolve, "_is_default", False):
        return _NOT_A_LEAF  # a resolver of ours, or arguments: the full treatment
    kind: Any = field.type
    required = isinstance(kind, GraphQLNonNull)
    if required:
        kind = kind.of_type
    listed = isinstance(kind, GraphQLList)
    items_required = False
    if listed:
        kind = kind.of_type
        items_required = isinstance(kind, GraphQLNonNull)
        if items_required:
            kind = kind.of_type
    if not is_leaf_type(kind):
        return _NOT_A_LEAF
    return _Leaf(field.resolve, kind, required, listed, items_required)


class _Slow(Exception):
    """The value needs graphql-core's completion (a null, an odd value, an error)."""


def _serialise(leaf: _Leaf, value: Any) -> Any:
    """The completed value of a plain leaf field, as graphql-core would complete it."""
    if value is None:
        if leaf.required:
            raise _Slow
        return None
    if not leaf.listed:
        return _one(leaf.type, value, required=True)
    if not isinstance(value, list | tuple):
        raise _Slow
    return [_one(leaf.type, item, leaf.items_required) for item in value]


def _one(kind: GraphQLLeafType, value: Any, required: bool) -> Any:
    if value is None:
        if required:
            raise _Slow
        return None
    try:
        serialised = kind.serialize(value)
    except Exception as exc:  # graphql-core's path raises it again, located
        raise _Slow from exc
    if serialised is Undefined or serialised is None:
        raise _Slow
    return serialised


class LeafShortcut(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, completing plain leaf fields directly (see the module)."""

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        field = self.schema.get_field(parent_type, node.name.value)
        leaf = _plan(field) if field is not None and not node.arguments else None
        if leaf is not None:
            try:
                value = _serialise(leaf, leaf.read(source, None))
            except _Slow:
                pass
            else:
                context = self.context_value
                if not isinstance(context, Context) or context.try_charge():
                    return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
