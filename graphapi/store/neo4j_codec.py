"""How the graph's nodes and edges are kept as Neo4j properties, and read back identically.

Neo4j properties hold scalars and homogeneous lists of scalars, never maps, nulls or nested
lists. So, generically, any other value (a dict, a list holding dicts, lists, nulls or mixed
types, a string that is not valid Unicode) is stored JSON-encoded under `<name>_json`, and the
names of properties whose value is `None` are listed in `_nulls`: `NodeData.props` and edge
dicts come back exactly as `NetworkXStore` returns them.

Nodes are merged in Python by `NetworkXStore`'s own code (authoritative records overwrite,
placeholders only fill what is missing, `emails`/`domains` are unioned, a person's name
sightings keep the highest count and decide the display name), then written whole. A node
also carries derived internal properties that make Cypher answer like Python does:

- `_sort`: the key `nx_queries` sorts a kind by, encoded so that Neo4j's string order (UTF-16
  code units) equals Python's (code points): see `order_preserving`;
- `_ks`: the key encoded the same way, only when it differs from the key;
- `_search`: the lower-cased haystack `nx_queries` searches words in;
- `_lname`: a company's lower-cased name, for `company(name:)`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphapi.model import GraphBatch, NodeData, NodeKind, NodeRecord, node_id
from graphapi.store.networkx_store import NetworkXStore

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
_SEARCHED = ("name", "title", "path", "emails", "domains")
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


def _neg_date(value: Any) -> str:
    if not value:
        return "~"
    return "".join(chr(0x7F - ord(c)) for c in str(value))


def _sort_text(kind: NodeKind, props: Mapping[str, Any]) -> str:
    if kind is NodeKind.SERIES:
        return _neg_date(props.get("date"))
    return str(props.get("name") or props.get("path") or props.get("title") or "")


def _search_text(props: Mapping[str, Any]) -> str:
    text = " ".join(str(v) for k, v in props.items() if k in _SEARCHED).lower()
    return text if _storable_str(text) else text.encode("utf-8", "replace").decode("utf-8")


# -- node state and merging ------------------------------------------------------------------
@dataclass(slots=True)
class NodeState:
    """A node as `NetworkXStore` keeps it: props, name sightings, placeholder flag."""

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
    """Apply `records` (all of `kind`) to the existing nodes with `NetworkXStore`'s own merge.

    The networkx store is the reference: its merge runs on a scratch graph holding just
    these nodes, so both stores merge alike by construction.
    """
    scratch = NetworkXStore()
    for key, state in existing.items():
        if state is not None:
            scratch.graph.add_node(
                node_id(kind, key),
                kind=kind,
                key=key,
                props=state.props,
                names=state.names,
                placeholder=state.placeholder,
            )
    scratch.write(GraphBatch(nodes=list(records)))
    merged = {}
    for nid, attrs in scratch.graph.nodes(data=True):
        merged[attrs["key"]] = NodeState(
            kind, attrs["key"], attrs["props"], attrs["names"], attrs["placeholder"]
        )
        assert nid == node_id(kind, attrs["key"])
    return merged


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
    out["_sort"] = order_preserving(_sort_text(state.kind, state.props))
    out["_search"] = _search_text(state.props)
    ks = order_preserving(state.key)
    if ks != state.key:
        out["_ks"] = ks
    if state.kind is NodeKind.COMPANY:
        out["_lname"] = str(state.props.get("name", "")).lower()
    return out


def node_data(kind: NodeKind, raw: Mapping[str, Any]) -> NodeData:
    """`NodeData` as `nx_queries.to_data` builds it: props plus the placeholder flag."""
    props = decode_props(raw)
    props["placeholder"] = bool(raw.get("_placeholder"))
    return NodeData(kind, raw["key"], props)


def kind_of(labels: Iterable[str]) -> NodeKind:
    """The node kind behind a node's labels (each node has exactly one)."""
    for label in labels:
        return NodeKind(label)
    raise ValueError("a node without a label")
