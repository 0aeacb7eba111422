"""Static limits checked before anything runs: depth, aliases, repeated fields and cost.

Strawberry's `QueryDepthLimiter` and `MaxAliasesLimiter` expand every fragment spread anew,
so a document whose fragments each spread the next one 30 times costs 30^levels steps to
check (a 1 kB query froze the server for minutes). Here each fragment is measured once and its
measure reused wherever it is spread: checking costs time proportional to the document, never
to the number of paths through it.

The cost is an upper bound on the fields a query resolves, in the manner of GitHub's node
limit: a list field multiplies the cost of its selection by its `first` (or by a fixed cap when
it has none), a connection's `edges`/`nodes` add nothing more (their parent counted them), and
`neighborhood`/`dependencyGraph`/`reviewNetwork` are costed by their depth or size arguments.
Introspection lists are bounded by the schema itself (its real number of types, fields, ...),
so GraphiQL and code generators keep working.

A selection set naming one field many times (`{ stats {..} stats {..} ... }`) is refused too:
graphql-core's overlapping-fields rule compares such fields pairwise, quadratic in their count.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_introspection_type,
    is_leaf_type,
    value_from_ast,
    value_from_ast_untyped,
)
from graphql.type import (
    GraphQLInterfaceType,
    GraphQLUnionType,
    SchemaMetaFieldDef,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
)

__all__ = [
    "EXPENSIVE_COST",
    "LIST_CAP",
    "MAX_ALIASES",
    "MAX_COST",
    "MAX_QUERY_DEPTH",
    "MAX_REPEATS",
    "MAX_TOKENS",
    "Measure",
    "measure_document",
]

MAX_QUERY_DEPTH = 12
MAX_ALIASES = 30
MAX_REPEATS = 10
MAX_COST = 1_000_000
MAX_TOKENS = 1000  # graphql-core validates ~30 us per token: 1000 tokens stay under 50 ms
EXPENSIVE_COST = 100_000  # above this estimate a query runs on the expensive-query worker
LIST_CAP = 20  # a list without `first` (patches of a series, trailers of a patch, ...)
NEIGHBORHOOD_BRANCHING = 50  # neighbours per node assumed by `neighborhood(depth:)`
DEPENDENCY_PER_LEVEL = 25  # series per level assumed by `dependencyGraph(maxDepth:)`
CONTAINERS = ("GraphView",)  # types whose lists were already counted by the field above
WEIGHTED_LEAVES = {("GraphView", "cytoscape"): 10, ("GraphView", "graphology"): 10}


@dataclass
class Measure:
    """What one selection set adds up to once every fragment in it is expanded."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0

    def add(self, other: Measure, times: int = 1) -> None:
        """Fold a child selection in, resolved `times` times (a list of that many items).

        Cost grows with `times`; aliases do not: an alias under a list is one name in the
        document, answered per item, and that fan-out is what the cost already counts. Every
        fragment spread adds its aliases again (the document, fragments expanded).
        """
        self.depth = max(self.depth, other.depth)
        self.aliases += other.aliases
        self.cost += other.cost * times


@dataclass
class _Walker:
    """One walk over a document: fragments measured once, cycles cut (validation names them)."""

    schema: GraphQLSchema
    variables: Mapping[str, Any]
    fragments: dict[str, FragmentDefinitionNode]
    variable_defaults: dict[str, Any] = field(default_factory=dict)
    memo: dict[str, Measure] = field(default_factory=dict)
    active: set[str] = field(default_factory=set)
    repeated: str | None = None

    def selection(self, node: SelectionSetNode | None, parent: GraphQLNamedType | None) -> Measure:
        """The measure of a selection set on `parent` (the fields of the type it selects on)."""
        total = Measure()
        if node is None or parent is None:
            return total
        self._check_repeats(node)
        for child in node.selections:
            if isinstance(child, FieldNode):
                total.add(self.field(child, parent))
            elif isinstance(child, InlineFragmentNode):
                condition = child.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total.add(self.selection(child.selection_set, target))
            elif isinstance(child, FragmentSpreadNode):
                total.add(self.fragment(child.name.value))
        return total

    def fragment(self, name: str) -> Measure:
        """A named fragment's measure, computed at its first spread and reused after."""
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.active:
            return Measure()  # unknown or cyclic: the standard rules report it
        self.active.add(name)
        target = self.schema.get_type(definition.type_condition.name.value)
        found = self.selection(definition.selection_set, target)
        self.active.discard(name)
        self.memo[name] = found
        return found

    def field(self, node: FieldNode, parent: GraphQLNamedType) -> Measure:
        """One field: 1 (or its weight), plus its selection times the size of the list."""
        name = node.name.value
        definition = _field_definition(parent, name)
        own = Measure(aliases=1 if node.alias else 0)
        if definition is None:
            return own
        target = get_named_type(definition.type)
        below = self.selection(node.selection_set, target)
        introspection = is_introspection_type(parent) or name.startswith("__")
        times = self.multiplier(node, parent, definition, introspection)
        own.cost = WEIGHTED_LEAVES.get((parent.name, name), 1) * max(times, 1)
        own.add(below, times)
        own.depth = below.depth if introspection else below.depth + 1
        return own

    def multiplier(
        self, node: FieldNode, parent: GraphQLNamedType, definition: GraphQLField, meta: bool
    ) -> int:
        """How many times the field's selection is resolved, at most."""
        arguments = self._arguments(node, definition)
        name = node.name.value
        if parent.name == "Query" and name == "neighborhood":
            depth = min(max(0, _int(arguments.get("depth"), 1)), 4)  # the resolver allows 3
            return int(NEIGHBORHOOD_BRANCHING**depth)
        if parent.name == "Query" and name == "dependencyGraph":
            return DEPENDENCY_PER_LEVEL * max(1, _int(arguments.get("maxDepth"), 10))
        if parent.name == "Query" and name == "reviewNetwork":
            return 2 * max(1, _int(arguments.get("first"), 100))  # nodes: two per edge
        target = get_named_type(definition.type)
        listed = _is_list(definition.type) or _is_container(target)
        if not listed or _is_container(parent) or is_leaf_type(target):
            return 1  # one value, or a list of scalars resolved in one go
        if meta:
            return _introspection_bound(self.schema, name)
        if "first" in definition.args:
            return max(0, _int(arguments.get("first"), 20))
        return LIST_CAP

    def _arguments(self, node: FieldNode, definition: GraphQLField) -> dict[str, Any]:
        """The field's argument values, variables substituted; unreadable ones left out."""
        values: dict[str, Any] = {}
        given = {a.name.value: a.value for a in node.arguments or ()}
        variables = {**self.variable_defaults, **self.variables}
        for name, argument in definition.args.items():
            if name in given:
                value = value_from_ast(given[name], argument.type, variables)
                if value is not None and not _is_undefined(value):
                    values[name] = value
            elif argument.default_value is not None and not _is_undefined(argument.default_value):
                values[name] = argument.default_value
        return values

    def _check_repeats(self, node: SelectionSetNode) -> None:
        """Remember the first field selected more than `MAX_REPEATS` times in one set."""
        if self.repeated is not None:
            return
        counts: dict[str, int] = {}
        for name in _response_names(node):
            counts[name] = counts.get(name, 0) + 1
            if counts[name] > MAX_REPEATS:
                self.repeated = name
                return


def _response_names(node: SelectionSetNode) -> Iterator[str]:
    """The response names a selection set writes out, inline fragments included."""
    for child in node.selections:
        if isinstance(child, FieldNode):
            yield (child.alias or child.name).value
        elif isinstance(child, InlineFragmentNode):
            yield from _response_names(child.selection_set)
        elif isinstance(child, FragmentSpreadNode):
            yield "..." + child.name.value


def _field_definition(parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    """The field `name` of `parent`, the meta fields (`__typename`, `__schema`, ...) included."""
    if name == "__typename":
        return TypeNameMetaFieldDef
    if name in ("__schema", "__type"):
        return SchemaMetaFieldDef if name == "__schema" else TypeMetaFieldDef
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None


def _is_container(parent: GraphQLNamedType) -> bool:
    """A connection or graph view: the field returning it already counted its lists."""
    return parent.name in CONTAINERS or parent.name.endswith("Connection")


def _is_list(kind: Any) -> bool:
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    return isinstance(kind, GraphQLList)


def _is_undefined(value: Any) -> bool:
    return type(value).__name__ == "UndefinedType"


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


_BOUNDS: dict[int, dict[str, int]] = {}


def _mean(counts: list[int]) -> int:
    """The mean of `counts`, rounded up (1 for none)."""
    return max(1, -(-sum(counts) // len(counts))) if counts else 1


def _introspection_bound(schema: GraphQLSchema, name: str) -> int:
    """The mean length of an introspection list in this schema.

    Means, not maxima: below `__schema { types }` the products of means are the schema's real
    totals (all fields, all arguments), where maxima would multiply into a bound many times
    the real answer and refuse GraphiQL's own introspection query.
    """
    bounds = _BOUNDS.get(id(schema))
    if bounds is None:
        types = list(schema.type_map.values())
        owners = [t for t in types if hasattr(t, "fields")]
        fields = [f for t in owners for f in t.fields.values()]
        bounds = {
            "types": len(types),
            "directives": len(schema.directives),
            "fields": _mean([len(t.fields) for t in owners]),
            "inputFields": _mean([len(t.fields) for t in owners]),
            "args": _mean([len(getattr(f, "args", ())) for f in fields]),
            "enumValues": _mean([len(getattr(t, "values", ())) for t in types]),
            "interfaces": _mean([len(getattr(t, "interfaces", ())) for t in types]),
            "possibleTypes": _mean(
                [
                    len(schema.get_possible_types(t))
                    for t in types
                    if isinstance(t, GraphQLInterfaceType | GraphQLUnionType)
                ]
            ),
            "locations": 20,
        }
        _BOUNDS[id(schema)] = bounds
    return bounds.get(name, LIST_CAP)


def measure_document(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> tuple[Measure, str | None]:
    """The measure of the operation(s) to run, and a field selected too often (or None)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    walker = _Walker(schema, variables or {}, fragments)
    worst = Measure()
    for operation in operations:
        walker.variable_defaults = {
            v.variable.name.value: value_from_ast_untyped(v.default_value)
            for v in operation.variable_definitions or ()
            if v.default_value is not None
        }
        root = schema.get_root_type(operation.operation)
        found = walker.selection(operation.selection_set, root)
        worst = Measure(
            max(worst.depth, found.depth),
            max(worst.aliases, found.aliases),
            max(worst.cost, found.cost),
        )
    return worst, walker.repeated
