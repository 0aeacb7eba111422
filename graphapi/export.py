"""Export a graph view to a file for front ends (Cytoscape.js, Graphology) and Gephi.

Views are named on the command line: `review-network` (people, the default),
`company-network`, `dependencies:<series id or message-id>`, `neighborhood:<node id>[:depth]`.
GEXF and GraphML go through networkx's writers, so Gephi and yEd open them as they are.
"""

from __future__ import annotations

import json
import os
from typing import Any

import networkx as nx

from graphapi.errors import UsageError
from graphapi.model import split_node_id
from graphapi.store.base import GraphStore, Level, ViewGraph
from graphapi.store.rules import DEFAULT_REVIEW_KINDS
from graphapi.views import cytoscape_json, graphology_json

__all__ = ["FORMATS", "export_view", "view_for"]

FORMATS = ("cytoscape", "graphology", "gexf", "graphml")


def _network(store: GraphStore, level: Level) -> ViewGraph:
    return store.review_network(
        level=level,
        kinds=sorted(DEFAULT_REVIEW_KINDS),
        since=None,
        until=None,
        min_weight=1,
        first=100_000,
    )


def view_for(store: GraphStore, spec: str) -> ViewGraph:
    """The view a `--view` argument names; a clear UsageError for anything else."""
    name, _, argument = spec.partition(":")
    if name == "review-network":
        return _network(store, "PERSON")
    if name == "company-network":
        return _network(store, "COMPANY")
    if name == "dependencies" and argument:
        series = store.series_by_message(argument.removeprefix("Series:"))
        if series is None:
            raise UsageError(f"no series with id or message-id {argument!r}")
        return store.dependency_graph(series.key, "BOTH", 10)
    if name == "neighborhood" and argument:
        node, _, depth = argument.rpartition(":")
        if not depth.isdigit():  # no depth given: the whole argument is the node id
            node, depth = argument, "1"
        parsed = split_node_id(node)
        if parsed is None:
            raise UsageError(f"malformed node id {node!r}: expected 'Kind:key'")
        return store.neighborhood(parsed[0], parsed[1], min(int(depth), 3))
    raise UsageError(
        f"unknown view {spec!r}: use review-network, company-network, "
        "dependencies:<series>, or neighborhood:<node id>[:depth]"
    )


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """GEXF/GraphML attributes: no None, only scalars."""
    return {k: v for k, v in values.items() if isinstance(v, str | int | float | bool)}


def _to_networkx(view: ViewGraph) -> Any:
    graph = nx.MultiDiGraph()
    for node in view.nodes:
        attrs = {"kind": node.kind, "label": node.label, "weight": node.weight, **node.data}
        graph.add_node(node.id, **_clean(attrs))
    for edge in view.edges:
        attrs = {"kind": edge.kind, "weight": edge.weight, **edge.data}
        graph.add_edge(edge.source, edge.target, **_clean(attrs))
    return graph


def export_view(view: ViewGraph, fmt: str, path: str | os.PathLike[str]) -> None:
    """Write `view` as `fmt` to `path`."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    try:
        if fmt in ("cytoscape", "graphology"):
            data = cytoscape_json(view) if fmt == "cytoscape" else graphology_json(view)
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False, indent=1)
        elif fmt == "gexf":
            nx.write_gexf(_to_networkx(view), path)
        else:
            nx.write_graphml(_to_networkx(view), path)
    except OSError as exc:
        raise UsageError(f"cannot write {os.fspath(path)}: {exc.strerror}") from exc
