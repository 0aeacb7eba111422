"""Values as `neo4j-admin database import` reads them: CSV fields, and Cypher literals for the
few values a CSV field cannot spell (set by `finish.cypher`).

Split from `graphapi.neo4j_import` (which writes the files): what the online writer stores
for a node or an edge (`node_properties`, `edge_properties`), how each value is spelt in a
field, and which values cannot be spelt at all.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graphapi.model import NodeKind
from graphapi.store import neo4j_cypher as cypher
from graphapi.store.neo4j_codec import NodeState, encode_edge_props, encode_node
from graphapi.store.neo4j_write import META_CONSTRAINT

__all__ = [
    "ARRAY_DELIMITER",
    "csv_field",
    "cypher_literal",
    "edge_properties",
    "finish_statements",
    "map_literal",
    "node_properties",
    "quoted",
    "scalar_field",
    "spellable",
    "split_by_types",
    "string_literal",
    "type_of",
]

#: Between array elements: a control character no real list element holds (checked: a
#: value holding it is set by `finish.cypher` instead). `U+001F` is "unit separator".
#: Checked on the real importer: every other character (quotes, CR, LF, NUL, backslash,
#: astral planes, surrounding blanks) and empty elements come back as written; only an
#: empty list and `[""]` cannot be spelt (an empty field is no property).
ARRAY_DELIMITER = "\x1f"
_SCALAR_TYPES: dict[type, str] = {str: "string", bool: "boolean", int: "long", float: "double"}


# -- what the online writer stores -----------------------------------------------------------
def node_properties(kind: NodeKind, attrs: Mapping[str, Any]) -> dict[str, Any]:
    """A networkx node's properties as `neo4j_write` stores them (`encode_node`)."""
    state = NodeState(
        kind, attrs["key"], attrs["props"], attrs.get("names") or {}, attrs["placeholder"]
    )
    return encode_node(state)


def edge_properties(disc: str, attrs: Mapping[str, Any]) -> dict[str, Any]:
    """A networkx edge's attributes as `neo4j_cypher.write_edges` leaves them on a new
    relationship: `disc`, each value in its stored spelling, `_nulls` if any was None."""
    props = {name: value for name, value in attrs.items() if name != "kind"}
    encoded, nulls = encode_edge_props(props)
    stored: dict[str, Any] = {"disc": disc}
    stored.update((name, value) for name, value in encoded.items() if value is not None)
    if nulls:
        stored["_nulls"] = nulls
    return stored


# -- CSV fields ---------------------------------------------------------------------------------
def type_of(value: Any) -> str:
    """The importer's column type for a stored value (lists: of their first element)."""
    if isinstance(value, list):
        return _SCALAR_TYPES[type(value[0])] + "[]" if value else "string[]"
    return _SCALAR_TYPES[type(value)]


def spellable(value: Any) -> bool:
    """Whether a CSV field gives this exact value back (else `finish.cypher` sets it)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if not isinstance(value, list):
        return True
    if not value or value == [""]:
        return False  # an empty field (quoted or not) is "no property"
    if isinstance(value[0], str):
        return all(ARRAY_DELIMITER not in item for item in value)
    return all(spellable(item) for item in value)


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def scalar_field(value: Any) -> str:
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def csv_field(value: Any) -> str:
    if isinstance(value, list):
        if isinstance(value[0], str):
            return quoted(ARRAY_DELIMITER.join(value))
        return ARRAY_DELIMITER.join(scalar_field(item) for item in value)
    return scalar_field(value)


# -- Cypher literals for finish.cypher ----------------------------------------------------------
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def string_literal(text: str) -> str:
    out = []
    for char in text:
        escaped = _ESCAPES.get(char)
        if escaped is None and (ord(char) < 0x20 or ord(char) == 0x7F):
            escaped = f"\\u{ord(char):04x}"
        out.append(escaped or char)
    return "'" + "".join(out) + "'"


def cypher_literal(value: Any) -> str:
    """`value` (a stored property value, or a map of them) as a one-line Cypher literal."""
    if isinstance(value, str):
        return string_literal(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return f"toFloat('{value!r}'.replace('inf', 'Infinity').replace('nan', 'NaN'))"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(cypher_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return map_literal(value)
    raise TypeError(f"not a stored property value: {value!r}")


def map_literal(values: Mapping[str, Any]) -> str:
    pairs = (f"`{name.replace('`', '``')}`: {cypher_literal(v)}" for name, v in values.items())
    return "{" + ", ".join(pairs) + "}"


def finish_statements() -> list[str]:
    """The schema the online store creates (`Neo4jStore.ensure_schema`), same names."""
    statements = [cypher.constraint(kind) for kind in NodeKind]
    return [*statements, META_CONSTRAINT, "CALL db.awaitIndexes(300)"]


# -- tables ---------------------------------------------------------------------------------------
def split_by_types(
    rows: list[dict[str, Any]], fixed: Iterable[str]
) -> Iterator[tuple[dict[str, str], list[dict[str, Any]]]]:
    """Rows in groups whose every property has one type: (column types, rows) per group."""
    types: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for name, value in row.items():
            if name not in fixed:
                types[name].add(type_of(value))
    mixed = sorted(name for name, seen in types.items() if len(seen) > 1)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(type_of(row[n]) if n in row else "" for n in mixed)].append(row)
    for signature, members in sorted(groups.items()):
        columns = {name: next(iter(seen)) for name, seen in sorted(types.items())}
        columns.update((n, t) for n, t in zip(mixed, signature, strict=True) if t)
        used = {name for row in members for name in row}
        yield {n: t for n, t in columns.items() if n in used}, members
