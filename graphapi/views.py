"""Graph views for front ends: labels, Cytoscape.js and Graphology JSON from a `ViewGraph`.

A view is sent as one JSON value ready for the drawing library, not thousands of typed
fields: that is what front ends consume and what keeps the resolver cheap.
"""

from __future__ import annotations

from typing import Any

from graphapi.store.base import ViewGraph
from graphapi.store.rules import node_label

__all__ = ["cytoscape_json", "graphology_json", "node_label"]


def cytoscape_json(view: ViewGraph) -> dict[str, Any]:
    """`{"elements": {"nodes": [{"data": ...}], "edges": [...]}}` for `cy.add()`."""
    nodes = [
        {"data": {"id": n.id, "kind": n.kind, "label": n.label, "weight": n.weight, **n.data}}
        for n in view.nodes
    ]
    edges = [
        {
            "data": {
                "id": f"{e.source}->{e.target}:{e.kind}",
                "source": e.source,
                "target": e.target,
                "kind": e.kind,
                "weight": e.weight,
                **e.data,
            }
        }
        for e in view.edges
    ]
    return {"elements": {"nodes": nodes, "edges": edges}}


def graphology_json(view: ViewGraph) -> dict[str, Any]:
    """Graphology's serialised form (`graph.import(...)`)."""
    return {
        "attributes": {},
        "options": {"type": "directed", "multi": True, "allowSelfLoops": False},
        "nodes": [
            {
                "key": n.id,
                "attributes": {"kind": n.kind, "label": n.label, "weight": n.weight, **n.data},
            }
            for n in view.nodes
        ],
        "edges": [
            {
                "key": f"{e.source}->{e.target}:{e.kind}",
                "source": e.source,
                "target": e.target,
                "attributes": {"kind": e.kind, "weight": e.weight, **e.data},
            }
            for e in view.edges
        ],
    }
