"""The graph's database rows (`nodes`, `edges`) as the networkx graph of `NetworkXStore`.

Reading is where a server's memory goes: a 95k-message graph is ~160k nodes and ~490k edges,
and networkx keeps a dict per node, per edge and per connected pair. A graph read for serving
is never written to (`NetworkXStore.write` refuses it), so the reader shares what repeats:

- every string is read once per value (`Strings`): node ids (which every edge names twice
  in the adjacency dicts), property names, edge keys, and values such as dates, subjects and
  message ids, which a message, its patch and its series repeat;
- edges without properties of one kind share one attribute dict, and a pair joined by one
  such edge shares the `{edge key: attributes}` dict with every pair like it;
- a node's `names` (name sightings) are left out: only loading merges them;
- a node's `props` hold its `placeholder` flag too, as `nx_graph.to_data` shows them, so
  the node lists and every answer share the graph's dicts instead of copying them.

The rows are added in the database's key order, so the dicts iterate in sorted order;
`graphapi.graph_patch` keeps that order when it applies a load's changes.
"""

from __future__ import annotations

import json
import json.scanner
from collections.abc import Callable, Iterable
from typing import Any

import networkx as nx

from graphapi.model import EdgeKind, NodeKind

__all__ = ["EDGE_COLUMNS", "NODE_COLUMNS", "RowReader"]

#: The columns of the rows `RowReader` reads, in order.
NODE_COLUMNS = "id, kind, key, props, names, placeholder"
EDGE_COLUMNS = "source, target, ekey, kind, props"

#: Edge properties up to this long (as JSON) are shared: the short ones repeat (a patch's
#: number in its series, a file's line counts, how two versions were linked); a trailer's
#: do not, and remembering them would only grow the reader.
SHARED_PROPS_LENGTH = 64

_NODE_KINDS = {kind.value: kind for kind in NodeKind}
_EDGE_KINDS = {kind.value: kind for kind in EdgeKind}


def _decoder() -> Any:
    """`json.loads` without its wrappers (whitespace checks, trailing data), which cost a
    third of decoding the small objects of a row: the scanner alone reads one value."""
    make_scanner: Any = json.scanner.make_scanner  # typeshed takes it for a class
    scan: Callable[[str, int], tuple[Any, int]] = make_scanner(json.JSONDecoder())

    def decode(text: str) -> Any:
        return scan(text, 0)[0]

    return decode


class RowReader:
    """Builds node and edge attributes from rows; `serving` shares what repeats (above).

    One reader per read: what it remembers (every string it saw) is dropped with it.
    """

    def __init__(self, serving: bool) -> None:
        self.serving = serving
        self._strings: dict[str, str] = {}
        #: (kind, props) -> the attributes of every edge with these (short) properties
        self._shared: dict[tuple[str, str], dict[str, Any]] = {}
        #: (edge key, id of shared attributes) -> {edge key: those attributes}
        self._single: dict[tuple[str, int], dict[str, Any]] = {}
        self._shared_ids: set[int] = set()
        self._single_ids: set[int] = set()
        self._loads = _decoder()

    def string(self, text: str) -> str:
        """The one copy of `text` this reader hands out."""
        return self._strings.setdefault(text, text)

    def props(self, text: str) -> dict[str, Any]:
        """A JSON object with its names and top-level string values shared."""
        if not self.serving:
            return self._loads(text)  # type: ignore[no-any-return]
        strings = self._strings
        return {
            strings.setdefault(name, name): (
                strings.setdefault(value, value) if type(value) is str else value
            )
            for name, value in self._loads(text).items()
        }

    def node(self, kind: str, key: str, props: str, names: str, placeholder: int) -> dict[str, Any]:
        """A node's attributes (see `graphapi.store.node_merge`)."""
        attrs: dict[str, Any] = {
            "kind": _NODE_KINDS[kind],
            "key": self.string(key) if self.serving else key,
            "props": self.props(props),
            "placeholder": bool(placeholder),
        }
        if not self.serving:
            attrs["names"] = self._loads(names)
        else:  # as `nx_graph.to_data` shows them: then it need not copy them
            attrs["props"]["placeholder"] = attrs["placeholder"]
        return attrs

    def edge(self, kind: str, props: str) -> dict[str, Any]:
        """An edge's attributes: its kind and properties in one dict (shared by every edge
        of the kind with the same short properties, when serving)."""
        if not self.serving or len(props) > SHARED_PROPS_LENGTH:
            return {"kind": _EDGE_KINDS[kind], **self.props(props)}
        found = self._shared.get((kind, props))
        if found is None:
            found = self._shared[(kind, props)] = {"kind": _EDGE_KINDS[kind], **self.props(props)}
            self._shared_ids.add(id(found))
        return found

    def keyed(self, ekey: str, attrs: dict[str, Any]) -> dict[str, Any]:
        """The `{edge key: attributes}` dict of a pair joined by this one edge so far."""
        if id(attrs) not in self._shared_ids:
            return {ekey: attrs}
        single = self._single.get((ekey, id(attrs)))
        if single is None:
            single = self._single[(ekey, id(attrs))] = {ekey: attrs}
            self._single_ids.add(id(single))
        return single

    def is_shared(self, keyed: dict[str, Any]) -> bool:
        """Whether `keyed` is one of the dicts `keyed` shares (copy it before adding to it)."""
        return id(keyed) in self._single_ids

    def read(self, nodes: Iterable[tuple[Any, ...]], edges: Iterable[tuple[Any, ...]]) -> Any:
        """A new graph of `nodes` and `edges` rows (columns `NODE_COLUMNS`, `EDGE_COLUMNS`)."""
        graph = nx.MultiDiGraph()
        node, succ, pred = graph._node, graph._succ, graph._pred
        string = self._strings.setdefault if self.serving else _same
        make_node = self.node
        for nid, kind, key, props, names, placeholder in nodes:
            nid = string(nid, nid)
            node[nid] = make_node(kind, key, props, names, placeholder)
            succ[nid], pred[nid] = {}, {}
        make_edge, keyed_dict, is_shared = self.edge, self.keyed, self.is_shared
        for source, target, ekey, kind, props in edges:
            source, target, ekey = (
                string(source, source),
                string(target, target),
                string(ekey, ekey),
            )
            if source not in node or target not in node:
                _add_missing(graph, source, target)
            attrs = make_edge(kind, props)
            targets = succ[source]
            keyed = targets.get(target)
            if keyed is None:
                keyed = keyed_dict(ekey, attrs)
            else:
                if is_shared(keyed):
                    keyed = dict(keyed)
                keyed[ekey] = attrs
            targets[target] = pred[target][source] = keyed
        return graph


def _same(text: str, _: str) -> str:
    return text


def _add_missing(graph: Any, *ends: str) -> None:
    """Add the ends of an edge that have no node row, as networkx's `add_edge` does."""
    for end in ends:
        if end not in graph._node:
            graph._node[end], graph._succ[end], graph._pred[end] = {}, {}, {}
