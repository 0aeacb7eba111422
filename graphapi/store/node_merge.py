"""How a node record merges into the node a store already holds, written once for every store.

A node is kept as a plain dict: `kind`, `key`, `props`, `names` (a person's name sightings,
name -> highest count seen) and `placeholder` (only seen as the end of an edge so far). The
embedded store keeps these dicts as its networkx node attributes; the Neo4j store reads the
existing nodes into them, merges, and writes them whole. The rules:

- an authoritative record overwrites properties and clears the placeholder flag (and the
  `ghost` mark); a placeholder record only fills what is missing;
- `emails` and `domains` are unioned, sorted;
- name sightings keep the highest count per name; a person's display name is chosen once,
  after every sighting of the batch (`refresh_name`).
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Any

from graphapi.identity import display_name
from graphapi.model import NodeKind, NodeRecord

__all__ = ["Node", "merge_record", "merge_records", "new_node", "refresh_name"]

#: A node's attributes, as described above.
Node = MutableMapping[str, Any]

_UNION_PROPS = ("emails", "domains")


def new_node(record: NodeRecord) -> dict[str, Any]:
    """The node a first record of a key makes."""
    return {
        "kind": record.kind,
        "key": record.key,
        "props": dict(record.props),
        "names": dict(record.name_counts),
        "placeholder": not record.authoritative,
    }


def merge_record(node: Node, record: NodeRecord) -> None:
    """Merge a later record of the same key into `node`, in place."""
    props: dict[str, Any] = node["props"]
    take_all = record.authoritative
    if take_all and node.get("placeholder"):
        node["placeholder"] = False
        props.pop("ghost", None)
    for name, value in record.props.items():
        if name == "ghost" and not node.get("placeholder"):
            continue  # a message only seen as a reply target: never the mark of a real one
        if name in _UNION_PROPS:
            props[name] = sorted(set(props.get(name, [])) | set(value))
        elif take_all or props.get(name) in (None, "", []):
            props[name] = value
    if record.name_counts:
        names: dict[str, int] = node["names"]
        for name, count in record.name_counts.items():
            names[name] = max(names.get(name, 0), count)


def refresh_name(node: Node) -> None:
    """Choose a person's display name from every name sighting (and list the names); the
    sightings are kept sorted, so the stored node does not depend on the order seen."""
    node["names"] = dict(sorted(node["names"].items()))
    props = node["props"]
    props["name"] = display_name(node["names"], props.get("emails", []))
    props["names"] = sorted(node["names"])


def merge_records(nodes: dict[str, Node], records: Iterable[NodeRecord]) -> None:
    """Merge `records` into `nodes` (by key, all of one kind), then refresh people's names."""
    people: set[str] = set()
    for record in records:
        found = nodes.get(record.key)
        if found is None:
            nodes[record.key] = new_node(record)
        else:
            merge_record(found, record)
        if record.kind is NodeKind.PERSON:
            people.add(record.key)
    for key in people:
        refresh_name(nodes[key])
