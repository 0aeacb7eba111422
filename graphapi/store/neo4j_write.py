"""The Neo4j write path: a `GraphBatch` as a few large `UNWIND $rows` transactions.

Records are grouped first (by kind and key for nodes, by type for edges) and folded in
batch order, so each node and each edge is written once per load.

- **Nodes**, a chunk of one kind per transaction: each node's state is worked out as if it
  were new (the networkx store's own merge, `neo4j_codec.merge_states`), then one statement
  `MERGE`s every key under the key constraint: a node that did not exist is created whole
  (`ON CREATE SET n = row`); one that did is write-locked (so two concurrent loads
  serialise on it instead of losing each other's merge) and, unless it is stored exactly
  as the row has it, comes back with its properties, is merged in Python with the same
  code and written whole by a second statement if that changes it. A fresh database costs
  one statement per chunk, a re-load of the same records writes no node, and every node
  of the batch (edge endpoints included) comes back with its element id.
- **Relationships whose endpoint is new** are created (`CREATE`, no look-up) in the
  transaction of the node chunk that writes the later of their endpoints and created one
  of them there (`assign_edges`, `write_node_chunk`): until that commit no other
  transaction can see the node, so such a relationship cannot exist. Into an empty
  database that is every relationship.
- **The other relationships** (both endpoints there before), a chunk of one type per
  transaction, find their endpoints by element id (no index lookup) and are `MERGE`d by
  `(source, type, target, disc)`, their props updated as networkx' `add_edge` does.
- **Client and server overlap**: the rows of the next chunks are prepared by a helper
  thread (`run_ahead`) while Neo4j runs the current one.

Every chunk is idempotent: writing the same batch twice, or again after a load died
half-way (whole chunks committed, the others not), leaves the graph a single write gives.

The statements at the end serve `graphapi.loading` and `graphapi.incremental`: the
`GraphapiMeta` nodes that keep the identity and ownership files and how far each source was
read, and re-applying the files to the graph already loaded.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from neo4j import ManagedTransaction

from graphapi.model import EdgeKind, GraphBatch, NodeKind, NodeRecord
from graphapi.store import neo4j_cypher as cypher
from graphapi.store.neo4j_codec import encode_edge_props, encode_node, merge_states, state_of

__all__ = [
    "KEPT_FILES_KEY",
    "META_LABEL",
    "ChunkWritten",
    "EdgeGroup",
    "ElementIds",
    "NodeChunk",
    "NodePlan",
    "NodeRef",
    "PlannedEdge",
    "Rows",
    "assign_edges",
    "chunks",
    "delete_nodes",
    "edge_rows",
    "move_people_chunk",
    "node_chunks",
    "node_keys",
    "plan_edges",
    "plan_nodes",
    "prepare_node_chunk",
    "run_ahead",
    "upsert_nodes",
    "write_edge_chunk",
    "write_node_chunk",
]

T = TypeVar("T")
#: Rows per `CREATE` statement of a node chunk's relationships (one transaction holds them
#: all; this only bounds each message).
CREATE_ROWS = 10_000
NodePlan = dict[NodeKind, dict[str, list[NodeRecord]]]
NodeRef = tuple[NodeKind, str]
ElementIds = dict[NodeRef, str]
EdgeIdent = tuple[NodeRef, NodeRef, str]
#: A relationship as the write sends it: kind, ends, disc, encoded props, null names.
PlannedEdge = tuple[EdgeKind, NodeRef, NodeRef, str, dict[str, Any], list[str]]


@dataclass(slots=True)
class EdgeGroup:
    """The edges of one type, by (source, target, disc)."""

    props: dict[EdgeIdent, dict[str, Any]] = field(default_factory=dict)


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


@dataclass(frozen=True, slots=True)
class NodeChunk:
    """One transaction's nodes: their records, and their properties were they new."""

    kind: NodeKind
    keys: list[str]
    records: dict[str, list[NodeRecord]]  # by key (may hold more keys than `keys`)
    rows: list[dict[str, Any]]  # `encode_node` of each key's state without an existing node
    edges: Sequence[PlannedEdge] = ()  # the relationships assigned to this chunk


def prepare_node_chunk(
    kind: NodeKind,
    keys: list[str],
    records: dict[str, list[NodeRecord]],
    edges: Callable[[], Sequence[PlannedEdge]] | None = None,
) -> NodeChunk:
    """The chunk's rows as if every node were new, and (`edges`, called here: in the
    helper thread) the relationships assigned to it."""
    merged = merge_states(kind, {}, [r for key in keys for r in records[key]])
    rows = [encode_node(merged[key]) for key in keys]
    return NodeChunk(kind, keys, records, rows, edges() if edges is not None else ())


def edge_rows(edges: Iterable[PlannedEdge], ids: ElementIds) -> list[dict[str, Any]]:
    """Rows for `neo4j_cypher.write_edges` / `create_edges`: endpoints by element id."""
    return [
        {"s": ids[source], "t": ids[target], "d": disc, "p": props, "n": nulls}
        for _, source, target, disc, props, nulls in edges
    ]


def assign_edges(
    groups: Mapping[EdgeKind, EdgeGroup], position: Mapping[NodeRef, int], chunks: int
) -> list[list[PlannedEdge]]:
    """Each relationship, encoded, in the list of the node chunk that writes the later of
    its endpoints (by `position`, the chunk index of each node): only then are both
    element ids known, and only there can a new endpoint be one nothing else has seen."""
    assigned: list[list[PlannedEdge]] = [[] for _ in range(chunks)]
    for kind, group in groups.items():
        for (source, target, disc), props in group.props.items():
            encoded, nulls = encode_edge_props(props)
            at = max(position[source], position[target])
            assigned[at].append((kind, source, target, disc, encoded, nulls))
    return assigned


class Rows(list[Any]):
    """The rows of an `UNWIND $rows` parameter, with a short `repr`.

    The driver formats every statement's parameters for its debug log whether or not debug
    logging is on (`" ".join(map(repr, fields))` in `Bolt5x5.run`): for a chunk holding
    megabytes of message bodies that cost more client time than packing them.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


@cache
def upsert_nodes(kind: NodeKind) -> str:
    """Create the missing nodes whole; write-lock the others (a property set and removed:
    the lock stays until the commit); return the stored properties that differ from the row.

    One record back (a list of `[key, element id, created, stored properties or null]`):
    thousands of records would cost the driver more than the statement costs the server. A
    node created here or stored exactly as the row has it comes back without properties;
    `created` (a mark set on creation and removed in the same statement) tells which nodes
    no other transaction can have seen yet, so their relationships cannot exist.
    """
    return (
        f"UNWIND $rows AS row MERGE (n:{kind.value} {{key: row.key}}) "
        "ON CREATE SET n = row, n._new = true ON MATCH SET n._lock = true REMOVE n._lock "
        "WITH row, n, n._new IS NOT NULL AS created REMOVE n._new "
        "WITH row, n, created, properties(n) AS stored "
        "RETURN collect([row.key, elementId(n), created, "
        "CASE WHEN created OR stored = row THEN null ELSE stored END]) AS nodes"
    )


@dataclass(slots=True)
class ChunkWritten:
    """What one node chunk's transaction wrote: element ids by key, the keys it created,
    how many relationships it created, and those it left to the relationship phase."""

    ids: dict[str, str] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)
    edges: int = 0
    deferred: list[PlannedEdge] = field(default_factory=list)


def write_node_chunk(
    tx: ManagedTransaction, chunk: NodeChunk, known: ElementIds | None = None
) -> ChunkWritten:
    """Write one chunk of nodes (one transaction), then the chunk's relationships that can
    be created outright.

    A node that existed is merged with the chunk's records and written again only if that
    changes it (a re-load of the same records writes nothing). A relationship assigned to
    this chunk (`assign_edges`) is created here when one of its endpoints in this chunk
    was created by this transaction: nothing outside it has seen that node, so the
    relationship cannot exist yet, and `CREATE` needs no check. The others (every endpoint
    there before) are returned, to be merged by the relationship phase.
    """
    kind = chunk.kind
    written = ChunkWritten()
    stored: dict[str, dict[str, Any]] = {}
    record = tx.run(upsert_nodes(kind), rows=Rows(chunk.rows)).single(strict=True)
    for key, eid, created, props in record["nodes"]:
        written.ids[key] = eid
        if created:
            written.created.add(key)
        elif props is not None:
            stored[key] = props
    if stored:
        existing = {key: state_of(kind, props) for key, props in stored.items()}
        merged = merge_states(kind, existing, [r for key in stored for r in chunk.records[key]])
        rows = Rows()
        for key, props in stored.items():
            wanted = encode_node(merged[key])
            if wanted != props:
                rows.append({"id": written.ids[key], "props": wanted})
        if rows:
            tx.run(cypher.WRITE_NODES, rows=rows).consume()
    if chunk.edges:
        _create_edges(tx, chunk, written, known or {})
    return written


def _create_edges(
    tx: ManagedTransaction, chunk: NodeChunk, written: ChunkWritten, known: ElementIds
) -> None:
    def eid(ref: NodeRef) -> str:
        if ref[0] is chunk.kind and ref[1] in written.ids:
            return written.ids[ref[1]]
        return known[ref]

    def new_here(ref: NodeRef) -> bool:
        return ref[0] is chunk.kind and ref[1] in written.created

    by_kind: dict[EdgeKind, Rows] = {}
    for edge in chunk.edges:
        kind, source, target, disc, props, nulls = edge
        if new_here(source) or new_here(target):
            row = {"s": eid(source), "t": eid(target), "d": disc, "p": props, "n": nulls}
            by_kind.setdefault(kind, Rows()).append(row)
        else:
            written.deferred.append(edge)
    for kind, rows in by_kind.items():
        for part in chunks(rows, CREATE_ROWS):
            tx.run(cypher.create_edges(kind), rows=Rows(part)).consume()
        written.edges += len(rows)


def write_edge_chunk(tx: ManagedTransaction, kind: EdgeKind, rows: list[Any]) -> None:
    tx.run(cypher.write_edges(kind), rows=Rows(rows)).consume()


def run_ahead(jobs: Iterable[Callable[[], T]], depth: int = 2) -> Iterator[T]:
    """The jobs' results in order, each computed by a helper thread up to `depth` ahead.

    The consumer sends one chunk to Neo4j and waits (the driver releases the GIL on the
    socket) while the next chunks' rows are prepared: client and server work overlap.
    """
    waiting = iter(jobs)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphapi-neo4j-rows") as pool:
        pending: deque[Future[T]] = deque(
            pool.submit(job) for job in itertools.islice(waiting, depth)
        )
        try:
            while pending:
                done = pending.popleft().result()
                following = next(waiting, None)
                if following is not None:
                    pending.append(pool.submit(following))
                yield done
        finally:
            for future in pending:
                future.cancel()


# -- kept files and re-deriving (loads into a store that keeps no corpus: graphapi.incremental)
#: The label of the one node that keeps the identity and ownership files' text; it is not a
#: `NodeKind`, has no relationships and no `_placeholder`, so no graph query ever sees it.
META_LABEL = "GraphapiMeta"
KEPT_FILES_KEY = "kept-files"
#: The meta node keeping how far each source was read (`graphapi.cursors`): one JSON map
#: in its `CURSORS_PROPERTY`, written last by a load (`Neo4jStore.record_load`).
CURSORS_KEY = "cursors"
CURSORS_PROPERTY = "sources"


def cursors_props(cursors: Mapping[str, str]) -> dict[str, str]:
    """The cursors meta node's properties (the same text online and in a bulk import)."""
    return {CURSORS_PROPERTY: json.dumps(dict(sorted(cursors.items())))}


def cursors_of(props: Mapping[str, Any]) -> dict[str, str]:
    """The cursors kept in the meta node's properties; none when unreadable (that costs one
    full read of every source, nothing more)."""
    text = props.get(CURSORS_PROPERTY)
    try:
        found = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(key): value for key, value in found.items() if isinstance(value, str)}


META_CONSTRAINT = (
    f"CREATE CONSTRAINT graphapi_meta_key IF NOT EXISTS "
    f"FOR (n:{META_LABEL}) REQUIRE n.key IS UNIQUE"
)
READ_META = f"MATCH (m:{META_LABEL} {{key: $key}}) RETURN properties(m) AS props"
#: The meta node, write-locked until the transaction ends (a concurrent `record_load` waits
#: for this one, then merges its cursors into what this one wrote).
READ_META_LOCKED = (
    f"MERGE (m:{META_LABEL} {{key: $key}}) SET m._lock = true REMOVE m._lock "
    "RETURN properties(m) AS props"
)
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
def delete_edges(kind: EdgeKind) -> str:
    """Every relationship of `kind`, in server-side batches (auto-commit)."""
    return f"MATCH ()-[r:{kind.value}]->() CALL (r) {{ DELETE r }} IN TRANSACTIONS OF 5000 ROWS"


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
            tx.run(move_relationships(edge, outgoing), moves=Rows(moves)).consume()
    tx.run(DELETE_PEOPLE, keys=Rows(m["old"] for m in moves)).consume()
