"""Values as `neo4j-admin database import` reads them: CSV fields, and Cypher literals for the
few values a CSV field cannot spell (set by `finish.cypher`).

Split from `graphapi.neo4j_import` (which writes the files): what the online writer stores
for a node or an edge (`node_properties`, `edge_properties`), how each value is spelt in a
field, and which values cannot be spelt at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from graphapi.model import NodeKind
from graphapi.store import neo4j_cypher as cypher
from graphapi.store.neo4j_codec import NodeState, encode_edge_props, encode_node

__all__ = [
    "ARRAY_DELIMITER",
    "cypher_literal",
    "edge_lead",
    "edge_properties",
    "field_of",
    "finish_statements",
    "map_literal",
    "node_properties",
    "quoted",
    "string_literal",
]

#: Between array elements: a control character no real list element holds (checked: a
#: value holding it is set by `finish.cypher` instead). `U+001F` is "unit separator".
#: Checked on the real importer: every other character (quotes, CR, LF, NUL, backslash,
#: astral planes, surrounding blanks) and empty elements come back as written; only an
#: empty list and `[""]` cannot be spelt (an empty field is no property).
ARRAY_DELIMITER = "\x1f"


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
def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def edge_lead(start: str, end: str, kind: str, disc: str) -> str:
    """A relationship row's leading fields (start key, end key, type, disc), joined: what
    `neo4j_rows` has SQLite spell for a database's edges."""
    return f"{quoted(start)},{quoted(end)},{kind},{quoted(disc)}"


def _string(value: str) -> tuple[str, str | None]:
    return "string", quoted(value)


def _boolean(value: bool) -> tuple[str, str | None]:
    return "boolean", "true" if value else "false"


def _long(value: int) -> tuple[str, str | None]:
    return "long", repr(value)


def _double(value: float) -> tuple[str, str | None]:
    return "double", repr(value) if math.isfinite(value) else None


def _array(values: list[Any]) -> tuple[str, str | None]:
    """An array field: elements joined by `ARRAY_DELIMITER`; None when no field gives this
    exact list back (an empty field, quoted or not, is "no property")."""
    if not values:
        return "string[]", None
    kind, _ = _FIELDS[type(values[0])](values[0])
    if kind == "string":
        if values == [""] or any(ARRAY_DELIMITER in item for item in values):
            return "string[]", None
        return "string[]", quoted(ARRAY_DELIMITER.join(values))
    cells = [_FIELDS[type(item)](item)[1] for item in values]
    if any(cell is None for cell in cells):
        return kind + "[]", None
    return kind + "[]", ARRAY_DELIMITER.join(cells)  # type: ignore[arg-type]


_FIELDS: dict[type, Callable[[Any], tuple[str, str | None]]] = {
    str: _string,
    bool: _boolean,
    int: _long,
    float: _double,
    list: _array,
}


def field_of(value: Any) -> tuple[str, str | None]:
    """A stored value's column type (a list: of its first element) and its field; the field
    is None when no field gives the exact value back (`finish.cypher` sets it)."""
    return _FIELDS[type(value)](value)


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
    from graphapi.store.neo4j_write import META_CONSTRAINT  # the driver: not in an export child

    statements = [cypher.constraint(kind) for kind in NodeKind]
    return [*statements, META_CONSTRAINT, "CALL db.awaitIndexes(300)"]
