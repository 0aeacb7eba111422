"""The executor: graphql-core's, with a short path for plain fields.

Most fields of a response are read straight off a typed object (`name`, `count`, `title`,
`person { name }` of a review tie, `versions { title version }` of a series): no resolver of
ours, no arguments, or a list of typed objects whose own fields are such. graphql-core gives
each field and each list item the whole treatment (a `Path`, resolve info, middleware,
Strawberry's resolver wrapper, completion by type, the item's selection collected and
walked), ~10 us per field and as much per object, which made a page of twenty series cost
ten times its store calls. Here such parts of a response are completed directly, with
exactly the same result:

- a **plain leaf** (default resolver, no arguments, a scalar or enum, or a list of them) is
  read as Strawberry's basic-field resolver reads it and serialised by its own type, item by
  item for a list, as graphql-core's leaf completion does;
- a **plain object** (default resolver, no arguments, an object type or a list of them,
  no directive) whose selection holds only plain fields is completed field by field by the
  same rules, recursively; so is each item of a list of objects a resolver returned
  (`complete_list_value`);
- every field so completed is charged to the request (`Context.try_charge_many`) as the
  `TimeBudget` middleware would charge it, one per field.

Anything unusual takes graphql-core's own path, which then produces the usual result or
error: a null where the type forbids one, a value the type cannot serialise, an object not
exactly of the field's type (graphql-core would ask `is_type_of`), a list that is not a list
or tuple, a request past its limits (so the refusal is the middleware's). Nothing is
charged for an attempt that falls back, and nothing is run twice: what the attempt's
resolvers gave (a value, or the error that made it fall back) is replayed on graphql-core's
path (`Context.ran`), so a store read that failed after its time limit costs that time once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from typing import Any, cast

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import Info

from graphapi.schema.context import Context

__all__ = ["LeafShortcut"]


@dataclass(frozen=True, slots=True)
class _Leaf:
    """How to complete one plain leaf field: read, then serialise (each item of a list)."""

    read: Callable[[Any], Any]  # what Strawberry's basic-field resolver returns for a source
    type: GraphQLLeafType
    required: bool  # non-null field
    listed: bool  # a list of leaves
    items_required: bool  # non-null items


@dataclass(frozen=True, slots=True)
class _Object:
    """How to complete one plain object field (or list of objects): read, then complete
    each object by `steps`, every one of them plain."""

    read: Callable[[Any], Any]
    origin: type  # the Python class of the object type (Strawberry's definition's origin)
    required: bool
    listed: bool
    items_required: bool
    steps: list[_DirectStep]
    resolves: bool  # some step below runs a resolver (its info needs a path)


@dataclass(frozen=True, slots=True)
class _Resolved:
    """A resolver field without arguments, run directly, its value completed by `then`
    (whose `read` is not used): on the embedded store, where resolvers answer at once."""

    field: GraphQLField
    parent: GraphQLObjectType
    definition: Any  # Strawberry's field
    takes_self: bool
    info_name: str | None  # the resolver's `info` parameter
    then: _Leaf | _Object


#: One field of a selection set: its response name, its field nodes, and how to complete it
#: directly (None: graphql-core's path).
_Step = tuple[str, Any, "_Leaf | _Object | _Resolved | None"]
#: A step completed directly (every step of an `_Object`'s selection is one).
_DirectStep = tuple[str, Any, "_Leaf | _Object | _Resolved"]

_PLANS: dict[int, tuple[GraphQLField, _Leaf | None]] = {}


def _plan(field: GraphQLField) -> _Leaf | None:
    """The short path of a leaf `field`, or None when it needs graphql-core's (kept per
    field)."""
    kept = _PLANS.get(id(field))
    if kept is not None and kept[0] is field:
        return kept[1]
    plan = _make_plan(field)
    _PLANS[id(field)] = (field, plan)  # the field is kept alive with it: ids stay unique
    return plan


def _make_plan(field: GraphQLField) -> _Leaf | None:
    if not _plain(field):
        return None  # a resolver of ours, or arguments: the full treatment
    kind, required, listed, items_required = _unwrapped(field.type)
    if not is_leaf_type(kind):
        return None
    return _Leaf(_reader(field), kind, required, listed, items_required)


def _plain(field: GraphQLField) -> bool:
    """No arguments and Strawberry's basic-field resolver (an attribute read)."""
    return not field.args and getattr(field.resolve, "_is_default", False)


def _unwrapped(kind: Any) -> tuple[Any, bool, bool, bool]:
    """(named type, non-null, a list, non-null items) of an output type (one list level)."""
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
    return kind, required, listed, items_required


def _reader(field: GraphQLField) -> Callable[[Any], Any]:
    """The attribute read Strawberry's basic-field resolver makes (`default_resolver(source,
    python_name)`, `getattr` unless configured otherwise), without its two calls around it."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    name = getattr(definition, "python_name", None)
    if getattr(definition, "default_resolver", None) is getattr and isinstance(name, str):
        return attrgetter(name)
    resolve: Any = field.resolve
    return lambda source: resolve(source, None)


def _origin(kind: GraphQLObjectType) -> type | None:
    """The Python class Strawberry made `kind` from."""
    definition = (kind.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    origin = getattr(definition, "origin", None)
    return origin if isinstance(origin, type) else None


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
    """Strawberry's executor, completing plain fields directly (see the module).

    `execute_fields` is graphql-core's own loop over a selection set, with the plain fields
    completed inline (no `execute_field` call); `complete_list_value` completes a list of
    objects with plain selections directly. The plan of each selection set is made once per
    request: graphql-core keeps one grouped field set per selection and object type for the
    request, so every item of a list shares it.
    """

    # -- plans ---------------------------------------------------------------------------
    @cached_property
    def _steps(self) -> dict[int, tuple[Any, list[_Step]]]:
        """This request's selection plans, by grouped field set (`_steps_of`)."""
        return {}

    @cached_property
    def _list_plans(self) -> dict[tuple[int, int], tuple[Any, _Object | None]]:
        """This request's plans of lists of objects, by type and selection (`_list_plan`)."""
        return {}

    def _steps_of(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> list[_Step]:
        """The fields of a selection set on `parent_type`, each with its short path or None."""
        steps = self._steps
        kept = steps.get(id(grouped_field_set))
        if kept is not None and kept[0] is grouped_field_set:
            return kept[1]
        made: list[_Step] = [
            (response_name, details, self._step(parent_type, details))
            for response_name, details in grouped_field_set.items()
        ]
        steps[id(grouped_field_set)] = (grouped_field_set, made)  # kept alive: ids stay unique
        return made

    @cached_property
    def _direct(self) -> bool:
        """Resolvers may be called directly in this request: the loaders answer at once (no
        awaitable to schedule) and every middleware only charges fields (`charges_fields`:
        the `TimeBudget`, whose other check is of arguments, which these fields have none of)."""
        context = self.context_value
        middlewares = self.middleware_manager.middlewares if self.middleware_manager else ()
        return (
            isinstance(context, Context)
            and context.dataloaders.immediate
            and all(getattr(m, "charges_fields", False) for m in middlewares)
        )

    def _step(
        self, parent_type: GraphQLObjectType, details: Any
    ) -> _Leaf | _Object | _Resolved | None:
        """How to complete one field of a selection directly, or None."""
        node = details[0].node
        field = self.schema.get_field(parent_type, node.name.value)
        if field is None or node.arguments or field.args:
            return None
        leaf = _plan(field)
        if leaf is not None:
            return leaf
        if any(d.node.directives for d in details):
            return None  # @stream: graphql-core's incremental delivery
        if _plain(field):
            return self._value_plan(field.type, details, _reader(field))
        return self._resolved(parent_type, field, details)

    def _value_plan(self, output: Any, details: Any, read: Any) -> _Leaf | _Object | None:
        """How to complete a value of type `output` selected by `details`, or None."""
        kind, required, listed, items_required = _unwrapped(output)
        if is_leaf_type(kind):
            return _Leaf(read, kind, required, listed, items_required)
        steps = self._plain_selection(kind, details)
        origin = _origin(kind) if steps is not None else None
        if steps is None or origin is None:
            return None
        resolves = any(isinstance(p, _Resolved) or getattr(p, "resolves", False) for *_, p in steps)
        return _Object(read, origin, required, listed, items_required, steps, resolves)

    def _resolved(
        self, parent: GraphQLObjectType, field: GraphQLField, details: Any
    ) -> _Resolved | None:
        """A resolver field run directly, when this request allows it and its resolver
        takes nothing but `self` and `info` (no arguments, no field extension)."""
        definition: Any = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        resolver = getattr(definition, "base_resolver", None)
        if not self._direct or resolver is None or definition.extensions:
            return None
        if resolver.arguments or resolver.root_parameter or resolver.parent_parameter:
            return None
        then = self._value_plan(field.type, details, None)
        if then is None:
            return None
        info = resolver.info_parameter
        takes_self = resolver.self_parameter is not None
        return _Resolved(field, parent, definition, takes_self, info and info.name, then)

    def _plain_selection(self, kind: Any, details: Any) -> list[_DirectStep] | None:
        """The steps of an object type's selection when every one is direct, else None."""
        if not isinstance(kind, GraphQLObjectType):
            return None
        grouped_field_set, new_defer_usages, *_ = self.collect_subfields(kind, details)
        if new_defer_usages:
            return None
        steps = self._steps_of(kind, grouped_field_set)
        if any(step[2] is None for step in steps):
            return None
        return cast(list[_DirectStep], steps)

    # -- completion ----------------------------------------------------------------------
    def _complete(self, plan: _Leaf | _Object, value: Any, path: Any, charged: list[int]) -> Any:
        """`value` completed by `plan` (fields counted into `charged[0]`); `_Slow` else."""
        if isinstance(plan, _Leaf):
            return _serialise(plan, value)
        if value is None:
            if plan.required:
                raise _Slow
            return None
        if not plan.listed:
            return self._item(plan, value, True, path, charged)
        if type(value) is not list and type(value) is not tuple:
            raise _Slow
        required = plan.items_required
        if not plan.resolves:
            return [self._item(plan, item, required, None, charged) for item in value]
        return [
            self._item(plan, item, required, Path(path, index, None), charged)
            for index, item in enumerate(value)
        ]

    def _item(
        self, plan: _Object, value: Any, required: bool, path: Any, charged: list[int]
    ) -> Any:
        if value is None:
            if required:
                raise _Slow
            return None
        if type(value) is not plan.origin:
            raise _Slow  # a subclass, a cast, an interface: graphql-core asks is_type_of
        result: dict[str, Any] = {}
        for response_name, details, step in plan.steps:
            if isinstance(step, _Leaf):
                result[response_name] = _serialise(step, step.read(value))
                continue
            inner = Path(path, response_name, None) if path is not None else None
            if isinstance(step, _Resolved):
                result[response_name] = self._run(step, value, details, inner, charged)
            else:
                result[response_name] = self._complete(step, step.read(value), inner, charged)
        charged[0] += len(plan.steps)
        return result

    def _run(
        self, step: _Resolved, source: Any, details: Any, path: Any, charged: list[int]
    ) -> Any:
        """A resolver run directly and its value completed; `_Slow` for anything else (an
        error, an awaitable, a request already past a limit: nothing is charged then).

        What it gave is noted for the attempt (`_attempt`): if the attempt falls back,
        graphql-core's path replays it rather than running the resolver again (a store read
        that timed out would otherwise cost its time twice or three times)."""
        context = self.context_value
        if not context.allows(1):
            raise _Slow  # the middleware refuses it: no resolver runs past a limit
        if context.ran and path is not None:
            replayed = context.replayed(source, tuple(path.as_list()))
            if replayed is not None:
                return self._replay(step, source, path, charged, *replayed)
        raw = self.build_resolve_info(step.field, [d.node for d in details], step.parent, path)
        info = Info(_raw_info=raw, _field=step.definition)
        kwargs = {step.info_name: info} if step.info_name else {}
        try:
            value = step.definition.base_resolver(*((source,) if step.takes_self else ()), **kwargs)
        except Exception as exc:  # graphql-core's path reports it (replayed: `_fell_back`)
            if path is not None:
                self._attempt.append((path, source, False, exc))
            raise _Slow from exc
        if self.is_awaitable(value):
            getattr(value, "close", lambda: None)()
            raise _Slow
        if path is not None:
            self._attempt.append((path, source, True, value))
        return self._complete(step.then, value, path, charged)

    def _replay(
        self, step: _Resolved, source: Any, path: Any, charged: list[int], ok: bool, value: Any
    ) -> Any:
        """A resolver's earlier outcome, completed again (an error: noted for graphql-core's
        path, which reports it)."""
        self._attempt.append((path, source, ok, value))
        if not ok:
            raise _Slow
        return self._complete(step.then, value, path, charged)

    @cached_property
    def _attempt(self) -> list[tuple[Any, Any, bool, Any]]:
        """The resolvers run directly in the current attempt: (path, source, ok, value)."""
        return []

    def _fell_back(self) -> None:
        """The attempt falls back to graphql-core's path: hand it what the attempt's
        resolvers gave (`Context.ran`, replayed by the `TimeBudget` middleware)."""
        attempt = self._attempt
        if not attempt:
            return
        ran = self.context_value.ran
        for path, source, ok, value in attempt:
            ran[(id(source), tuple(path.as_list()))] = (source, ok, value)
        attempt.clear()

    def _list_plan(self, return_type: Any, details: Any) -> _Object | None:
        """`_value_plan` of a list of objects, made once per request and selection."""
        plans = self._list_plans
        key = (id(return_type), id(details))
        kept = plans.get(key)
        if kept is None or kept[0] is not details:
            plan = self._value_plan(return_type, details, None)
            kept = plans[key] = (details, plan if isinstance(plan, _Object) else None)
        return kept[1]

    # -- graphql-core's hooks --------------------------------------------------------------
    def _charge(self, fields: int) -> bool:
        """Charge `fields` resolved fields at once, unless that hits a limit (then False)."""
        context = self.context_value
        return not isinstance(context, Context) or context.try_charge_many(fields)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        execute_field = super().execute_field
        attempt = self._attempt  # empty between attempts: a success clears what it noted
        try:
            for response_name, details, plan in self._steps_of(parent_type, grouped_field_set):
                field_path = None
                if plan is not None:
                    charged = [1]
                    try:
                        if isinstance(plan, _Leaf):
                            value = _serialise(plan, plan.read(source_value))
                        else:
                            field_path = Path(path, response_name, parent_type.name)
                            if isinstance(plan, _Resolved):
                                value = self._run(plan, source_value, details, field_path, charged)
                            else:
                                value = self._complete(
                                    plan, plan.read(source_value), field_path, charged
                                )
                    except _Slow:
                        self._fell_back()
                    else:
                        if attempt:
                            attempt.clear()
                        if self._charge(charged[0]):
                            results[response_name] = value
                            continue
                result = execute_field(
                    parent_type,
                    source_value,
                    details,
                    field_path or Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:  # settle the other fields' awaitables, as graphql-core does
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gathered(results, awaitable_fields)

    @staticmethod
    async def _gathered(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
        """`results` with its awaitable fields awaited (graphql-core's `get_results`)."""
        if len(awaitable_fields) == 1:
            results[awaitable_fields[0]] = await results[awaitable_fields[0]]
        else:
            awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
        return results

    def complete_list_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """A list of objects whose selection is all direct (the value of a resolver that
        graphql-core ran: a page's items, a person's ties), completed directly, each field
        of each item charged; anything else, graphql-core's way."""
        if (type(result) is list or type(result) is tuple) and not any(
            details.node.directives for details in field_details_list
        ):
            plan = self._list_plan(return_type, field_details_list)
            if plan is not None:
                charged = [0]
                try:
                    completed = self._complete(plan, result, path, charged)
                except _Slow:
                    self._fell_back()
                else:
                    self._attempt.clear()
                    if self._charge(charged[0]):
                        return completed
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )
