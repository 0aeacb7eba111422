"""How the graph's nodes and edges are kept as Neo4j properties, and read back identically.

Neo4j properties hold scalars and homogeneous lists of scalars, never maps, nulls or nested
lists. So, generically, any other value (a dict, a list holding dicts, lists, nulls or mixed
types, a string that is not valid Unicode) is stored JSON-encoded under `<name>_json`, and the
names of properties whose value is `None` are listed in `_nulls`: `NodeData.props` and edge
dicts come back exactly as `NetworkXStore` returns them.

Nodes are merged in Python by the rules of `node_merge`, which the embedded store applies
too (authoritative records overwrite, placeholders only fill what is missing,
`emails`/`domains` are unioned, a person's name sightings keep the highest count and decide
the display name), then written whole. A node
also carries derived internal properties that make Cypher answer like Python does:

- `_sort`: the key lists are sorted by (`rules.sort_text`), encoded so that Neo4j's string
  order (UTF-16 code units) equals Python's (code points): see `order_preserving`;
- `_ks`: the key encoded the same way, only when it differs from the key;
- `_search`: the lower-cased haystack searches look in (`rules.search_text`);
- `_lname`: a company's lower-cased name, for `company(name:)`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphapi.model import NodeData, NodeKind, NodeRecord
from graphapi.store.node_merge import Node, merge_records
from graphapi.store.rules import search_text, sort_text

__all__ = [
    "INTERNAL",
    "JSON_SUFFIX",
    "NodeState",
    "decode_edge",
    "decode_props",
    "encode_edge_props",
    "encode_node",
    "encode_value",
    "kind_of",
    "merge_states",
    "node_data",
    "order_preserving",
    "state_of",
]

JSON_SUFFIX = "_json"
INTERNAL = frozenset(
    {"key", "disc", "_placeholder", "_names", "_nulls", "_sort", "_ks", "_search", "_lname"}
    | {"_lock", "_new", "_labels"}
)
_SCALARS = (bool, int, float, str)


# -- values ------------------------------------------------------------------------------
def _storable_str(value: str) -> bool:
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _storable(value: Any) -> bool:
    """Whether Neo4j can hold `value` as it is (and give the same value back)."""
    if isinstance(value, str):
        return _storable_str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() <= 63
    if isinstance(value, _SCALARS):
        return True
    if isinstance(value, list):
        return _storable_list(value)
    return False


def _storable_list(values: list[Any]) -> bool:
    if not values:
        return True
    first = type(values[0])
    if first not in _SCALARS:
        return False
    return all(type(v) is first and _storable(v) for v in values)


def encode_value(name: str, value: Any, out: dict[str, Any], nulls: list[str]) -> None:
    """Put `name: value` into `out` as Neo4j can hold it (see the module docstring)."""
    if value is None:
        nulls.append(name)
    elif _storable(value):
        out[name] = value
    else:
        out[name + JSON_SUFFIX] = json.dumps(value)


def decode_props(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Stored properties back to the values written (internal properties left out)."""
    props: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None or name in INTERNAL:
            continue
        if name.endswith(JSON_SUFFIX):
            props[name[: -len(JSON_SUFFIX)]] = json.loads(value)
        else:
            props[name] = value
    for name in raw.get("_nulls") or ():
        props[name] = None
    return props


def decode_edge(raw: Mapping[str, Any]) -> dict[str, Any]:
    return decode_props(raw)


def encode_edge_props(props: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Edge props as a map for `SET r += map`, and the names of those that are None.

    Both spellings of every name are in the map (one of them None), so `+=` removes the
    spelling not used this time, as `NetworkXStore`'s attribute update replaces the value.
    """
    out: dict[str, Any] = {}
    nulls: list[str] = []
    for name, value in props.items():
        plain: Any = None
        encoded: str | None = None
        if value is None:
            nulls.append(name)
        elif _storable(value):
            plain = value
        else:
            encoded = json.dumps(value)
        out[name] = plain
        out[name + JSON_SUFFIX] = encoded
    return out, nulls


# -- order and search ----------------------------------------------------------------------
def order_preserving(text: str) -> str:
    """`text` re-spelt so that Neo4j (UTF-16 order) sorts it as Python (code points) does.

    Characters below U+D800 stay; each one above becomes U+FFFF and six hex digits, which
    sorts above every kept character and among themselves by code point. Identity for
    almost every real string.

    >>> sorted(["\\U0001F600", "\\uFFFD"]) == sorted(
    ...     ["\\U0001F600", "\\uFFFD"], key=lambda s: order_preserving(s).encode("utf-16-be"))
    True
    """
    if text.isascii() or all(ord(c) < 0xD800 for c in text):
        return text
    return "".join(c if ord(c) < 0xD800 else f"\uffff{ord(c):06x}" for c in text)


def _search_text(props: Mapping[str, Any]) -> str:
    text = search_text(props)
    return text if _storable_str(text) else text.encode("utf-8", "replace").decode("utf-8")


# -- node state and merging ------------------------------------------------------------------
@dataclass(slots=True)
class NodeState:
    """A node as `node_merge` merges it: props, name sightings, placeholder flag."""

    kind: NodeKind
    key: str
    props: dict[str, Any] = field(default_factory=dict)
    names: dict[str, int] = field(default_factory=dict)
    placeholder: bool = False


def state_of(kind: NodeKind, raw: Mapping[str, Any]) -> NodeState:
    """The state of a node read back from Neo4j."""
    names = json.loads(raw["_names"]) if raw.get("_names") else {}
    return NodeState(kind, raw["key"], decode_props(raw), names, bool(raw.get("_placeholder")))


def merge_states(
    kind: NodeKind, existing: Mapping[str, NodeState | None], records: Sequence[NodeRecord]
) -> dict[str, NodeState]:
    """Apply `records` (all of `kind`) to the existing nodes by the one merge of
    `node_merge`, which the embedded store applies too."""
    nodes: dict[str, Node] = {
        key: {
            "kind": kind,
            "key": key,
            "props": s.props,
            "names": s.names,
            "placeholder": s.placeholder,
        }
        for key, s in existing.items()
        if s is not None
    }
    merge_records(nodes, records)
    return {
        key: NodeState(kind, key, node["props"], node["names"], node["placeholder"])
        for key, node in nodes.items()
    }


def encode_node(state: NodeState) -> dict[str, Any]:
    """Every property of a node as written with `SET n = map`."""
    out: dict[str, Any] = {"key": state.key, "_placeholder": state.placeholder}
    nulls: list[str] = []
    for name, value in state.props.items():
        encode_value(name, value, out, nulls)
    if nulls:
        out["_nulls"] = nulls
    if state.names:
        out["_names"] = json.dumps(state.names)
    out["_sort"] = order_preserving(sort_text(state.kind, state.props))
    out["_search"] = _search_text(state.props)
    ks = order_preserving(state.key)
    if ks != state.key:
        out["_ks"] = ks
    if state.kind is NodeKind.COMPANY:
        out["_lname"] = str(state.props.get("name", "")).lower()
    return out


def node_data(kind: NodeKind, raw: Mapping[str, Any]) -> NodeData:
    """`NodeData` as `nx_graph.to_data` builds it: props plus the placeholder flag."""
    props = decode_props(raw)
    props["placeholder"] = bool(raw.get("_placeholder"))
    return NodeData(kind, raw["key"], props)


def kind_of(labels: Iterable[str]) -> NodeKind:
    """The node kind behind a node's labels (each node has exactly one)."""
    for label in labels:
        return NodeKind(label)
    raise ValueError("a node without a label")
