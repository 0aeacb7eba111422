"""A served graph with a load's changed rows applied: the graph a fresh read would give.

The served graph is never mutated (requests read it on worker threads while this runs), so
the patched graph is a new one that shares everything the changes do not touch: the outer
node and adjacency dicts are copied (a pointer per node), and only the inner dicts of the
nodes and pairs a changed row names are copied before they change. The old graph goes on
serving until the holder swaps in the new one, and is then freed, except what they share.

The result iterates in the order of a fresh read (rows in key order: nodes by id, a node's
neighbours by id, parallel edges by key), so answers that depend on iteration order (the
first author of a patch) are those of a fresh read too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from graphapi.graph_rows import RowReader

__all__ = ["patched"]


def patched(graph: Any, nodes: Iterable[tuple[Any, ...]], edges: Iterable[tuple[Any, ...]]) -> Any:
    """A new frozen graph: `graph` with these node and edge rows (`graph_rows` columns;
    all but the key None for a deleted row) in place of its own."""
    patch = _Patch(graph)
    deleted = []
    for nid, kind, *rest in nodes:
        if kind is None:
            deleted.append(nid)
        else:
            patch.set_node(nid, patch.reader.node(kind, *rest))
    for source, target, ekey, kind, props in edges:
        patch.remove_edge(source, target, ekey)
        if kind is not None:
            patch.add_edge(source, target, ekey, kind, props)
    for nid in deleted:
        patch.remove_node(nid)
    return patch.finish()


class _Patch:
    """The new graph being built, and which of its inner dicts are its own already."""

    def __init__(self, old: Any) -> None:
        self.reader = RowReader(serving=True)
        self.graph = new = nx.MultiDiGraph()
        new.graph.update(old.graph)
        new._node = dict(old._node)
        new._succ = new._adj = dict(old._succ)
        new._pred = dict(old._pred)
        self._own_succ: set[str] = set()
        self._own_pred: set[str] = set()
        self._added_node = False

    def succ(self, nid: str) -> dict[str, Any]:
        """The successors dict of `nid`, copied on first change."""
        if nid not in self._own_succ:
            self.graph._succ[nid] = dict(self.graph._succ[nid])
            self._own_succ.add(nid)
        return self.graph._succ[nid]  # type: ignore[no-any-return]

    def pred(self, nid: str) -> dict[str, Any]:
        """The predecessors dict of `nid`, copied on first change."""
        if nid not in self._own_pred:
            self.graph._pred[nid] = dict(self.graph._pred[nid])
            self._own_pred.add(nid)
        return self.graph._pred[nid]  # type: ignore[no-any-return]

    def set_node(self, nid: str, attrs: dict[str, Any]) -> None:
        graph = self.graph
        if nid not in graph._node:
            graph._succ[nid], graph._pred[nid] = {}, {}
            self._own_succ.add(nid)
            self._own_pred.add(nid)
            self._added_node = True
        graph._node[nid] = attrs

    def remove_node(self, nid: str) -> None:
        graph = self.graph
        if nid not in graph._node:
            return
        for target in graph._succ[nid]:
            del self.pred(target)[nid]
        for source in graph._pred[nid]:
            del self.succ(source)[nid]
        del graph._node[nid], graph._succ[nid], graph._pred[nid]

    def remove_edge(self, source: str, target: str, ekey: str) -> None:
        keyed = self.graph._succ.get(source, {}).get(target)
        if keyed is None or ekey not in keyed:
            return
        if len(keyed) == 1:
            del self.succ(source)[target], self.pred(target)[source]
            return
        rest = {k: v for k, v in keyed.items() if k != ekey}
        self.succ(source)[target] = self.pred(target)[source] = rest

    def add_edge(self, source: str, target: str, ekey: str, kind: str, props: str) -> None:
        graph = self.graph
        for end in (source, target):
            if end not in graph._node:  # as networkx does for an edge to an unknown node
                self.set_node(end, {})
        attrs = self.reader.edge(kind, props)
        keyed = graph._succ[source].get(target)
        if keyed is None:
            keyed = self.reader.keyed(ekey, attrs)
        else:
            keyed = dict(sorted({**keyed, ekey: attrs}.items()))
        self.succ(source)[target] = self.pred(target)[source] = keyed

    def finish(self) -> Any:
        """The graph in fresh-read order (see the module's docstring), frozen."""
        graph = self.graph
        if self._added_node:
            graph._node = dict(sorted(graph._node.items()))
            graph._succ = graph._adj = {nid: graph._succ[nid] for nid in graph._node}
            graph._pred = {nid: graph._pred[nid] for nid in graph._node}
        for nid in self._own_succ:
            if nid in graph._succ:
                graph._succ[nid] = dict(sorted(graph._succ[nid].items()))
        for nid in self._own_pred:
            if nid in graph._pred:
                graph._pred[nid] = dict(sorted(graph._pred[nid].items()))
        nx.freeze(graph)
        return graph
