"""API objects of graph nodes (`Series`, `Person`, a list item's cursor) kept per graph.

Turning a node into its API object is not free: `Series.of` parses the date and builds a
dozen-field object (~7 us), a cursor encodes the item's list position (~10 us). A page of
twenty series with their versions and dependencies made ~70 of each per request, the same
ones every time, and a served graph does not change until the next write or reload. So on
the embedded store they are kept with the graph:

- key: the converter, the node's kind and key; the entry also holds the node's `props`
  dict, and is used only while the node read now has that very dict (a graph being loaded
  copies props at every read, so nothing is reused from it, and nothing stale ever is);
- dropped with the graph: a write (`nx_graph.invalidate`) or a reload (a new graph) starts
  afresh; bounded (`OBJECTS_KEPT` per graph, all forgotten at once beyond it);
- never on Neo4j, whose data can change under the server: each request converts afresh.

API objects are never mutated after they are made, so one object may serve many requests
and threads at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from graphapi.model import NodeData
from graphapi.store import nx_graph
from graphapi.store.base import GraphStore
from graphapi.store.networkx_store import NetworkXStore

__all__ = ["OBJECTS_KEPT", "KeptObjects"]

T = TypeVar("T")

#: API objects kept per graph; beyond it they are all dropped and made again as asked.
OBJECTS_KEPT = 200_000

_KEPT: Any = nx_graph.per_graph()  # graph -> {(converter, kind, key): (props, object)}


class KeptObjects:
    """One request's view of the objects kept for the graph it reads (none on Neo4j)."""

    __slots__ = ("_kept",)

    def __init__(self, store: GraphStore) -> None:
        self._kept: dict[Any, tuple[dict[str, Any], Any]] | None = None
        if isinstance(store, NetworkXStore):
            graph = store.graph
            kept = _KEPT.get(graph)
            if kept is None:
                kept = _KEPT.setdefault(graph, {})
            self._kept = kept

    def of(self, convert: Callable[[NodeData], T], data: NodeData) -> T:
        """`convert(data)`, made once per graph on the embedded store."""
        kept = self._kept
        if kept is None:
            return convert(data)
        key = (convert, data.kind, data.key)
        found = kept.get(key)
        if found is not None and found[0] is data.props:
            made: T = found[1]
            return made
        made = convert(data)
        if len(kept) >= OBJECTS_KEPT:
            kept.clear()
        kept[key] = (data.props, made)
        return made

    def optional(self, convert: Callable[[NodeData], T], data: NodeData | None) -> T | None:
        """`of`, or None for no node (a relation that may be absent: an author, a cover)."""
        return None if data is None else self.of(convert, data)

    def converter(self, convert: Callable[[NodeData], T]) -> Callable[[NodeData], T]:
        """`convert`, its results kept (for `build_connection` and list comprehensions)."""
        if self._kept is None:
            return convert
        return lambda data: self.of(convert, data)
