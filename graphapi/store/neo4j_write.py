"""The Neo4j write path: a `GraphBatch` as a few large `UNWIND $rows` transactions.

Records are grouped first (by kind and key for nodes, by type for edges) and folded in
batch order, so each node and each edge is written once per load. A chunk of nodes is one
transaction: lock and read the existing nodes (`MERGE`, so two concurrent loads serialise
on a node instead of losing each other's merge), merge them in Python with the networkx
store's own code (`neo4j_codec.merge_states`), write them whole. Every node of the batch
(edge endpoints included) comes back with its element id, so the edges, merged by
`(source, type, target, disc)` with their props updated as networkx' `add_edge` does,
find their endpoints without an index lookup. Writing the same batch twice leaves the
graph as it was.

The statements at the end serve `graphapi.incremental`: the one `GraphapiMeta` node that
keeps the identity and ownership files, and re-applying them to the graph already loaded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from neo4j import ManagedTransaction

from graphapi.model import EdgeKind, GraphBatch, NodeKind, NodeRecord
from graphapi.store import neo4j_cypher as cypher
from graphapi.store.neo4j_codec import encode_edge_props, encode_node, merge_states, state_of

__all__ = [
    "KEPT_FILES_KEY",
    "META_LABEL",
    "EdgeGroup",
    "ElementIds",
    "NodePlan",
    "chunks",
    "delete_nodes",
    "move_people_chunk",
    "node_keys",
    "plan_edges",
    "plan_nodes",
    "write_edge_chunk",
    "write_node_chunk",
]

NodePlan = dict[NodeKind, dict[str, list[NodeRecord]]]
NodeRef = tuple[NodeKind, str]
ElementIds = dict[NodeRef, str]


@dataclass(slots=True)
class EdgeGroup:
    """The edges of one type, by (source, target, disc)."""

    props: dict[tuple[NodeRef, NodeRef, str], dict[str, Any]] = field(default_factory=dict)

    def rows(self, ids: ElementIds) -> list[dict[str, Any]]:
        """Rows for `neo4j_cypher.write_edges`: endpoints by element id."""
        rows = []
        for (source, target, disc), props in self.props.items():
            encoded, nulls = encode_edge_props(props)
            rows.append({"s": ids[source], "t": ids[target], "d": disc, "p": encoded, "n": nulls})
        return rows


def plan_nodes(batch: GraphBatch) -> NodePlan:
    """Node records by kind and key in batch order, then a placeholder per edge endpoint.

    The placeholder (empty, non-authoritative) creates an endpoint the store lacks, as
    `NetworkXStore` does, and changes nothing on a node that exists.
    """
    plan: NodePlan = {}
    for record in batch.nodes:
        plan.setdefault(record.kind, {}).setdefault(record.key, []).append(record)
    for edge in batch.edges:
        for kind, key in (edge.source, edge.target):
            per_key = plan.setdefault(kind, {})
            if key not in per_key:
                per_key[key] = [NodeRecord(kind, key, {}, False)]
    return plan


def plan_edges(batch: GraphBatch) -> dict[EdgeKind, EdgeGroup]:
    """Edges grouped by kind; a repeated edge's props update the earlier ones."""
    groups: dict[EdgeKind, EdgeGroup] = {}
    for edge in batch.edges:
        group = groups.setdefault(edge.kind, EdgeGroup())
        ident = (edge.source, edge.target, edge.discriminator)
        group.props.setdefault(ident, {}).update(edge.props)
    return groups


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def node_weight(records: list[NodeRecord]) -> int:
    """Roughly how many characters a node's records carry (message bodies dominate)."""
    return sum(len(v) for r in records for v in r.props.values() if isinstance(v, str))


def node_chunks(
    per_key: dict[str, list[NodeRecord]], max_rows: int, max_chars: int
) -> Iterator[list[str]]:
    """Sorted keys in chunks of at most `max_rows` rows and about `max_chars` characters."""
    chunk: list[str] = []
    weight = 0
    for key in sorted(per_key):
        size = node_weight(per_key[key])
        if chunk and (len(chunk) >= max_rows or weight + size > max_chars):
            yield chunk
            chunk, weight = [], 0
        chunk.append(key)
        weight += size
    if chunk:
        yield chunk


def write_node_chunk(
    tx: ManagedTransaction, kind: NodeKind, keys: list[str], records: dict[str, list[NodeRecord]]
) -> dict[str, str]:
    """Lock, read, merge and write one chunk of nodes of one kind (one transaction).

    Returns the element id of each node by key.
    """
    ids: dict[str, str] = {}
    existing = {}
    for row in tx.run(cypher.lock_nodes(kind), keys=keys):
        ids[row["key"]] = row["id"]
        existing[row["key"]] = state_of(kind, row["props"]) if row["props"] is not None else None
    merged = merge_states(kind, existing, [r for key in keys for r in records[key]])
    rows = [{"id": ids[key], "props": encode_node(merged[key])} for key in keys]
    tx.run(cypher.WRITE_NODES, rows=rows).consume()
    return ids


def write_edge_chunk(
    tx: ManagedTransaction, kind: EdgeKind, rows: Sequence[dict[str, Any]]
) -> None:
    tx.run(cypher.write_edges(kind), rows=list(rows)).consume()


# -- kept files and re-deriving (loads into a store that keeps no corpus: graphapi.incremental)
#: The label of the one node that keeps the identity and ownership files' text; it is not a
#: `NodeKind`, has no relationships and no `_placeholder`, so no graph query ever sees it.
META_LABEL = "GraphapiMeta"
KEPT_FILES_KEY = "kept-files"
META_CONSTRAINT = (
    f"CREATE CONSTRAINT graphapi_meta_key IF NOT EXISTS "
    f"FOR (n:{META_LABEL}) REQUIRE n.key IS UNIQUE"
)
READ_META = f"MATCH (m:{META_LABEL} {{key: $key}}) RETURN properties(m) AS props"
WRITE_META = f"MERGE (m:{META_LABEL} {{key: $key}}) SET m = $props, m.key = $key"
PERSON_IDENTITIES = f"MATCH (p:{NodeKind.PERSON.value}) RETURN properties(p) AS props"
DELETE_PEOPLE = f"UNWIND $keys AS k MATCH (p:{NodeKind.PERSON.value} {{key: k}}) DETACH DELETE p"
DELETE_UNEMPLOYED_COMPANIES = (
    f"MATCH (c:{NodeKind.COMPANY.value}) WHERE NOT (c)--() "
    "CALL (c) { DELETE c } IN TRANSACTIONS OF 10000 ROWS"
)
_PERSON = NodeKind.PERSON.value
_EMPLOYED_BY = EdgeKind.EMPLOYED_BY.value
DELETE_EMPLOYMENT_OF = (
    f"UNWIND $keys AS k MATCH (:{_PERSON} {{key: k}})-[r:{_EMPLOYED_BY}]->() DELETE r"
)
DELETE_ALL_EMPLOYMENT = (
    f"MATCH (:{_PERSON})-[r:{_EMPLOYED_BY}]->() "
    "CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS"
)


@cache
def node_keys(kind: NodeKind) -> str:
    return f"MATCH (n:{kind.value}) RETURN n.key AS key ORDER BY key"


@cache
def delete_nodes(kind: NodeKind) -> str:
    """Every node of `kind` and its relationships, in server-side batches (auto-commit)."""
    return f"MATCH (n:{kind.value}) CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 5000 ROWS"


@cache
def move_relationships(edge: EdgeKind, outgoing: bool) -> str:
    """Re-attach `edge` relationships of person `m.old` to person `m.new`, merged by disc."""
    old, new = ("(old)-[r:{0}]->(x)", "(new)-[n:{0} {{disc: r.disc}}]->(x)")
    if not outgoing:
        old, new = ("(x)-[r:{0}]->(old)", "(x)-[n:{0} {{disc: r.disc}}]->(new)")
    return (
        f"UNWIND $moves AS m MATCH (old:{_PERSON} {{key: m.old}}) "
        f"MATCH (new:{_PERSON} {{key: m.new}}) "
        f"MATCH {old.format(edge.value)} WHERE x <> old "
        f"MERGE {new.format(edge.value)} SET n += properties(r) DELETE r"
    )


def move_people_chunk(tx: ManagedTransaction, moves: Sequence[dict[str, str]]) -> None:
    """Every relationship of each `old` person to its `new` one, then the old ones deleted."""
    for edge in EdgeKind:
        for outgoing in (True, False):
            tx.run(move_relationships(edge, outgoing), moves=list(moves)).consume()
    tx.run(DELETE_PEOPLE, keys=[m["old"] for m in moves]).consume()
