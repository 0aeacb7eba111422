"""Merging node and edge records into the embedded store's networkx graph, record by record.

`NetworkXStore.write` merges a batch's nodes, then its edges (an edge's missing end becomes a
placeholder node), then chooses people's display names. A rebuild need not hold its whole
batch for that (issue 13: the batch and the graph alive together were a load's memory peak):
`GraphWriter` takes the records as the assembly mapping makes them (`ingest.emit_assembly`),
nodes and edges interleaved, and builds the very graph the batch would have, in the same
iteration order:

- a node record is merged at once (no edge has been added yet that could have made a
  placeholder of it: see the next point);
- an edge is added at once when both its ends exist and nothing held back shares its place
  in the adjacency: its source's successors or its target's predecessors. Otherwise it is
  held back (with every later edge from that source or into that target), and the held
  edges are added at the end in their order, making placeholders as `write` always did.
  Only an edge naming a node whose record comes later is held back (a series depending on a
  later series, and what follows it from there), a few in a load;
- node ids and edge keys are shared: the adjacency dicts of every edge hold the one string of
  each node id (not one per edge built from its record), and equal edge keys one string;
- edges of one kind with the same few properties share one attribute dict (five in six
  edges on a mailing list: every AUTHORED, REPLY_TO and COVER edge, a patch's number in its
  series, a file's line counts), as a served graph does (`graphapi.graph_rows`). Edge
  attribute dicts are never changed in place here: a record merged into an existing edge
  gets a new dict (networkx's `add_edge` would update the old one). Nothing else changes
  an edge's attributes in place (removing an edge drops its dict).
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from graphapi.model import EdgeRecord, NodeKind, NodeRecord
from graphapi.store import nx_graph
from graphapi.store.node_merge import merge_record, new_node, refresh_name

__all__ = ["GraphWriter", "edge_ends", "edge_key"]

#: Edges with at most this many properties share their attribute dict with every edge of
#: the kind with equal ones; more (a trailer's eight, a dependency's six) seldom repeat.
SHARED_PROPS = 3


def edge_ends(record: EdgeRecord) -> tuple[str, str]:
    """The node ids of an edge record's source and target (as `model.node_id` builds them,
    from the kinds' `_value_`)."""
    source_kind, source_key = record.source
    target_kind, target_key = record.target
    return f"{source_kind._value_}:{source_key}", f"{target_kind._value_}:{target_key}"


def edge_key(record: EdgeRecord) -> tuple[str, str, str]:
    """The (source id, target id, edge key) of an edge record: its row's key."""
    return (*edge_ends(record), f"{record.kind._value_}:{record.discriminator}")


class GraphWriter:
    """Merges records into `graph` (a `RecordSink` for `ingest.emit_assembly`); `finish`
    adds the held edges and chooses people's names. Kept lean: a rebuild passes hundreds of
    thousands of records (IDs are built from the kinds' `_value_`, a plain attribute)."""

    def __init__(self, graph: Any) -> None:
        if nx.is_frozen(graph):
            raise nx.NetworkXError("Frozen graph can't be modified")
        nx_graph.invalidate(graph)
        self._graph = graph
        self._node: dict[str, dict[str, Any]] = graph._node
        self._succ: dict[str, dict[str, dict[str, Any]]] = graph._succ
        self._pred: dict[str, dict[str, dict[str, Any]]] = graph._pred
        #: (kind, (name, type, value) of each property) -> the attributes edges share
        self._shared: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._people: set[str] = set()  # display names are chosen once, after every sighting
        self._ids: dict[str, str] = {}  # one string per node id (those merged by this writer)
        self._ekeys: dict[str, str] = {}
        self._held: list[EdgeRecord] = []
        self._held_sources: set[str] = set()
        self._held_targets: set[str] = set()

    def node(self, record: NodeRecord) -> None:
        nid = f"{record.kind._value_}:{record.key}"
        if record.kind is NodeKind.PERSON:
            self._people.add(nid)
        attrs = self._node.get(nid)
        if attrs is None:
            nid = self._ids.setdefault(nid, nid)
            self._graph.add_node(nid, **new_node(record))
        else:
            merge_record(attrs, record)

    def edge(self, record: EdgeRecord) -> None:
        # `edge_ends` written out: this runs once per edge of a rebuild
        source_kind, source_key = record.source
        target_kind, target_key = record.target
        source = f"{source_kind._value_}:{source_key}"
        target = f"{target_kind._value_}:{target_key}"
        if (
            source not in self._node
            or target not in self._node
            or source in self._held_sources
            or target in self._held_targets
        ):
            self._held.append(record)
            self._held_sources.add(source)
            self._held_targets.add(target)
            return
        self._add(record, source, target)

    def _add(self, record: EdgeRecord, source: str, target: str) -> None:
        """Add the edge as networkx's `add_edge` does (both ends exist), its attributes
        shared when they repeat, or merge it into the edge of its key (a new dict)."""
        ids = self._ids
        ekey = f"{record.kind._value_}:{record.discriminator}"
        ekey = self._ekeys.setdefault(ekey, ekey)
        source, target = ids.get(source, source), ids.get(target, target)
        attrs = self._attrs(record)
        targets = self._succ[source]
        keyed = targets.get(target)
        if keyed is None:
            targets[target] = self._pred[target][source] = {ekey: attrs}
            return
        old = keyed.get(ekey)
        keyed[ekey] = attrs if old is None else {**old, **attrs}

    def _attrs(self, record: EdgeRecord) -> dict[str, Any]:
        """The edge's attribute dict: `kind`, then its properties; one dict for every edge
        of the kind with the same few properties (compared with their types: 1 is not
        True, and their rows must not be equal)."""
        props = record.props
        if len(props) > SHARED_PROPS:
            return {"kind": record.kind, **props}
        try:
            key = (record.kind, *((name, type(value), value) for name, value in props.items()))
            found = self._shared.get(key)
        except TypeError:  # a value that cannot be hashed (a list): not shared
            return {"kind": record.kind, **props}
        if found is None:
            found = self._shared[key] = {"kind": record.kind, **props}
        return found

    def finish(self) -> None:
        """Add the held edges (their missing ends as placeholders), then people's names."""
        held, self._held = self._held, []
        for record in held:
            source, target = edge_ends(record)
            if source not in self._node:
                self.node(NodeRecord(*record.source, {}, False))
            if target not in self._node:
                self.node(NodeRecord(*record.target, {}, False))
            self._add(record, source, target)
        for nid in self._people:
            refresh_name(self._node[nid])
        self._people, self._ids, self._ekeys, self._shared = set(), {}, {}, {}
        self._held_sources, self._held_targets = set(), set()
        nx._clear_cache(self._graph)  # as every networkx `add_edge` does
