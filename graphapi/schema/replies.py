"""Serialised replies to aggregate queries, kept per graph generation.

`stats`, the review networks, review statistics, neighbourhoods and dependency graphs answer
about the whole graph (or a large part of it) and take a few arguments; front ends ask the
same ones again and again (a dashboard, the explorer's first view). Their store answers are
already kept per graph, but turning them into GraphQL values and JSON cost every request
milliseconds (a 2-hop neighbourhood of a hub: a 2.7 MB reply, ~40 ms of CPU). A served graph
does not change until the next write or reload, so the reply's bytes are kept with the graph:

- key: the query text, its variables (JSON with sorted keys) and the operation name;
- kept only for a query operation whose root fields are all aggregates (`AGGREGATE_FIELDS`),
  written without directives or fragments at the root, and answered without any error;
- dropped with the graph: a write (`nx_graph.invalidate`) or a reload (a new store) starts
  afresh. Only the embedded store has such a generation; Neo4j's data can change under the
  server, so its replies are never kept;
- bounded: `REPLY_BYTES_KEPT` bytes per graph (least recently used go first), no single reply
  above `LARGEST_REPLY_KEPT`.

Entity queries (a person's reviewers, a series) are not kept: there are as many of them as
nodes, each asked rarely, and they are cheap once resolved without awaitables.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType

from graphapi.schema.documents import parsed
from graphapi.store import nx_graph
from graphapi.store.base import GraphStore
from graphapi.store.networkx_store import NetworkXStore

__all__ = [
    "AGGREGATE_FIELDS",
    "LARGEST_REPLY_KEPT",
    "REPLY_BYTES_KEPT",
    "ReplyKey",
    "keep_reply",
    "kept_reply",
    "reply_key",
]

#: Root fields whose replies are kept (each answers from aggregates of the whole graph).
AGGREGATE_FIELDS = frozenset(
    {"stats", "reviewNetwork", "reviewStats", "neighborhood", "dependencyGraph"}
)
REPLY_BYTES_KEPT = 64 << 20
#: The largest reply the server sends by default (`HttpLimits.max_response`): the 2-hop
#: neighbourhood of a hub on a 95k-message list is a 33 MB reply, whose re-encoding cost
#: ~0.35 s of CPU per request under the earlier 16 MiB cap.
LARGEST_REPLY_KEPT = 32 << 20

ReplyKey = tuple[str, str, str | None]


@dataclass
class _Kept:
    """The replies kept for one graph, least recently used first."""

    bodies: OrderedDict[ReplyKey, bytes] = field(default_factory=OrderedDict)
    size: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


_KEPT = nx_graph.per_graph()  # graph -> _Kept, dropped by a write or with the graph
_KEPT_LOCK = threading.Lock()


def reply_key(query: str, variables: dict[str, Any] | None, operation: str | None) -> ReplyKey:
    """What identifies a reply: the text, the variables spelt canonically, the operation."""
    return query, json.dumps(variables or {}, sort_keys=True, separators=(",", ":")), operation


def _kept_for(store: GraphStore, create: bool) -> _Kept | None:
    """The replies kept for the store's current graph (None: this store keeps none)."""
    if not isinstance(store, NetworkXStore):
        return None
    graph = store.graph
    kept: _Kept | None = _KEPT.get(graph)
    if kept is None and create:
        with _KEPT_LOCK:
            kept = _KEPT.get(graph)
            if kept is None:
                kept = _KEPT[graph] = _Kept()
    return kept


def kept_reply(store: GraphStore, key: ReplyKey) -> bytes | None:
    """The reply kept for `key` on the store's current graph, if any."""
    kept = _kept_for(store, create=False)
    if kept is None:
        return None
    with kept.lock:
        body = kept.bodies.get(key)
        if body is not None:
            kept.bodies.move_to_end(key)
    return body


def keep_reply(store: GraphStore, key: ReplyKey, body: bytes) -> bool:
    """Keep an error-free `body` if its query asks aggregates only (see the module); whether
    it was kept."""
    if len(body) > LARGEST_REPLY_KEPT or not asks_aggregates_only(key[0], key[2]):
        return False
    kept = _kept_for(store, create=True)
    if kept is None:
        return False
    with kept.lock:
        previous = kept.bodies.pop(key, None)
        kept.size += len(body) - (len(previous) if previous is not None else 0)
        kept.bodies[key] = body
        while kept.size > REPLY_BYTES_KEPT:
            _, dropped = kept.bodies.popitem(last=False)
            kept.size -= len(dropped)
    return True


def asks_aggregates_only(query: str, operation_name: str | None) -> bool:
    """The operation to run is a query whose root selections are all aggregate fields."""
    try:
        document = parsed(query)
    except GraphQLError:
        return False
    operations = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name is not None and d.name.value == operation_name))
    ]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return False
    return all(
        isinstance(s, FieldNode) and not s.directives and s.name.value in AGGREGATE_FIELDS
        for s in operations[0].selection_set.selections
    )
