"""Neo4j following the embedded database: one load path, the same changes (issue 13 item 3).

`graphapi load --neo4j URI --db FILE SOURCE` loads into FILE exactly as `load --db FILE`
does: the sources are read through FILE's cursors, new messages join FILE's corpus, the
graph is assembled from the corpus and only the rows that changed are written. Before FILE
commits, those same rows are applied to Neo4j (`GraphChanges`: written nodes and edges set
whole, deleted ones deleted). Neo4j so holds the graph of one load of everything loaded,
however it was split into loads; a load that merges its own messages into Neo4j without a
corpus (`load --neo4j` without `--db`) cannot: a reply to a cover letter loaded earlier never
reaches that series' patches, and a re-roll is not linked to a version loaded before.

Neo4j keeps, in a meta node, which database it follows (FILE's `uuid`, which a copy of FILE
on another machine keeps) and the generation of FILE it holds. A load whose FILE generation
differs (the first load that mirrors, or one whose Neo4j part failed half-way: it is marked
as applying until it ends) writes the whole graph again, after clearing Neo4j. A Neo4j
holding another database's graph, or a graph loaded without `--db`, is refused: clearing it
would lose what FILE does not hold.

A failure in Neo4j raises inside FILE's write transaction, so FILE rolls back too and the
next load retries; Neo4j is then marked as applying, and is rewritten whole.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from neo4j import ManagedTransaction

from graphapi import database as db
from graphapi.errors import UsageError
from graphapi.model import MESSAGE_BODY_LIMIT, NodeKind, split_node_id
from graphapi.neo4j_csv import edge_properties, node_properties
from graphapi.snapshot import EdgeId, GraphChanges, graph_of, read_bodies
from graphapi.store.neo4j_store import Neo4jStore
from graphapi.store.neo4j_write import META_LABEL
from graphapi.store.networkx_store import NetworkXStore

__all__ = ["MIRROR_KEY", "Mirror", "database_uuid", "follows", "mirror_mark"]

MIRROR_KEY = "mirror"
_ROWS = 2_000  # rows per Neo4j transaction when a load's changes take several
#: A load changing at most this many rows is applied in one transaction (with the mark).
_ONE_TRANSACTION = 20_000
_READ_MIRROR = f"MATCH (m:{META_LABEL} {{key: $key}}) RETURN properties(m) AS props"
_WRITE_MIRROR = f"MERGE (m:{META_LABEL} {{key: $key}}) SET m = $props, m.key = $key"
_ANY_NODE = f"MATCH (n) WHERE NOT n:{META_LABEL} RETURN count(n) > 0 AS held LIMIT 1"
_CLEAR_GRAPH = (
    f"MATCH (n) WHERE NOT n:{META_LABEL} CALL (n) {{ DETACH DELETE n }} "
    "IN TRANSACTIONS OF 10000 ROWS"
)
#: A merging load's cursors and kept files: the followed database holds its own.
_CLEAR_OTHER_META = f"MATCH (m:{META_LABEL}) WHERE m.key <> $key DELETE m"


def database_uuid(conn: sqlite3.Connection) -> str:
    """The database's identity, made on first use (inside the load's write transaction)."""
    found = db.get_meta(conn, "uuid")
    if found is None:
        found = str(uuid.uuid4())
        db.set_meta(conn, "uuid", found)
    return found


def follows(neo4j: Neo4jStore) -> str | None:
    """The identity of the database `neo4j` follows; None when it follows none."""
    held = _held_mark(neo4j)
    return str(held.get("database")) if held is not None else None


def _held_mark(neo4j: Neo4jStore) -> dict[str, Any] | None:
    """The mirror meta node's properties; None when there is none."""
    rows = neo4j.run_read(_READ_MIRROR, key=MIRROR_KEY)
    return dict(rows[0]["props"]) if rows else None


class Mirror:
    """`open_for_load`'s `before_commit`: applies a load's changes to `neo4j`."""

    def __init__(self, neo4j: Neo4jStore, database: str) -> None:
        self.neo4j = neo4j
        self.database = database  # for messages only
        self.rewrote = False  # the last call wrote the whole graph (tests, the CLI's line)

    def __call__(
        self, conn: sqlite3.Connection, store: NetworkXStore, changes: GraphChanges | None
    ) -> None:
        ident = database_uuid(conn)
        held = _held_mark(self.neo4j)
        self._refuse_foreign(held, ident)
        end = db.generation(conn)  # `_write` has counted this load already, when it wrote
        start = end - 1 if changes is not None else end
        mark = (_WRITE_MIRROR, {"key": MIRROR_KEY, "props": mirror_mark(ident, end)})
        if held is not None and held.get("generation") == start:  # in step
            if changes is None:
                return  # nothing new, and Neo4j holds this generation already
            jobs = self._jobs(conn, store.graph, changes)
            if sum(len(params["rows"]) for _, params in jobs) <= _ONE_TRANSACTION:
                self.neo4j._write_tx(_run_all([*jobs, mark]))  # all or nothing, and fast
                return
            self._begin(ident)
            self._run_chunked(jobs)
        else:
            self._begin(ident)
            self.neo4j._run_auto(_CLEAR_GRAPH)  # the meta nodes stay: the mark with them
            self.neo4j._run(_CLEAR_OTHER_META, key=MIRROR_KEY)
            graph = store.graph if changes is not None else graph_of(conn)
            self._run_chunked(self._jobs(conn, graph, _everything(graph, end)))
            self.rewrote = True
        self.neo4j._write_tx(_run_all([mark]))

    def _refuse_foreign(self, held: dict[str, Any] | None, ident: str) -> None:
        """Another database's graph, or a merging load's, is never cleared."""
        if held is not None and held.get("database") != ident:
            raise UsageError(
                f"the Neo4j database follows another graphapi database, not {self.database}: "
                "load it with that one's --db, or use an empty Neo4j database"
            )
        if held is None and self._holds_nodes():
            raise UsageError(
                "the Neo4j database holds a graph loaded without --db: load into an empty "
                f"Neo4j database to have it follow {self.database}"
            )

    def _begin(self, ident: str) -> None:
        """Before writing in several transactions: the schema, and the mark of a graph being
        written (a failure from here on is seen by the next load, which rewrites it)."""
        self.neo4j.ensure_schema()
        self.neo4j._run(_WRITE_MIRROR, key=MIRROR_KEY, props=mirror_mark(ident, None))

    # -- the meta node -------------------------------------------------------------------
    def _holds_nodes(self) -> bool:
        rows = self.neo4j.run_read(_ANY_NODE)
        return bool(rows and rows[0]["held"])

    # -- the rows --------------------------------------------------------------------------
    def _jobs(self, conn: sqlite3.Connection, graph: Any, changes: GraphChanges) -> list[Job]:
        """Deleted edges and nodes first, then nodes set whole, then edges set whole."""
        message = NodeKind.MESSAGE.value
        written = set(changes.nodes)
        messages = [
            nid
            for nid in (f"{message}:{key}" for key in changes.messages)
            if nid in graph and nid not in written
        ]  # a replaced body changes no row of the graph
        nodes = [*changes.nodes, *messages]
        bodies = read_bodies(conn, [key for _, key in _splits(nodes, NodeKind.MESSAGE)])
        return [
            *_grouped(_DELETE_EDGE, _edge_ends(changes.edges_gone)),
            *_grouped(_DELETE_NODE, _node_keys(changes.nodes_gone)),
            *_grouped(_SET_NODE, _node_rows(graph, nodes, bodies)),
            *_grouped(_SET_EDGE, _edge_rows(graph, changes.edges)),
        ]

    def _run_chunked(self, jobs: list[Job]) -> None:
        """Each statement over its rows, `_ROWS` rows per transaction."""
        for query, params in jobs:
            rows = params["rows"]
            for start in range(0, len(rows), _ROWS):
                self.neo4j._write_tx(_run_all([(query, {"rows": rows[start : start + _ROWS]})]))


#: One statement and its parameters.
Job = tuple[str, dict[str, Any]]


def mirror_mark(ident: str, generation: int | None) -> dict[str, Any]:
    """The mirror meta node: the database followed, and the generation held (None while a
    load is being applied in several transactions)."""
    return {"database": ident, "generation": generation}


def _grouped(
    statement: _Statement, groups: dict[tuple[str, ...], list[dict[str, Any]]]
) -> list[Job]:
    return [(statement(*labels), {"rows": rows}) for labels, rows in groups.items()]


def _run_all(jobs: Sequence[Job]) -> Callable[[ManagedTransaction], None]:
    """A unit of work running every job in one managed transaction."""

    def work(tx: ManagedTransaction) -> None:
        for query, params in jobs:
            tx.run(query, params).consume()

    return work


class _Statement:
    """A Cypher statement for one label (nodes) or one (type, start, end) triple (edges)."""

    def __init__(self, template: str) -> None:
        self.template = template

    def __call__(self, *names: str) -> str:
        if not all(name.isidentifier() for name in names):  # never: the enums are ours
            raise ValueError(f"{names!r} cannot be Neo4j labels or types")
        return self.template.format(*names)


_SET_NODE = _Statement("UNWIND $rows AS row MERGE (n:{0} {{key: row.key}}) SET n = row.props")
_DELETE_NODE = _Statement("UNWIND $rows AS row MATCH (n:{0} {{key: row.key}}) DETACH DELETE n")
_SET_EDGE = _Statement(
    "UNWIND $rows AS row MATCH (a:{1} {{key: row.s}}) MATCH (b:{2} {{key: row.t}}) "
    "MERGE (a)-[r:{0} {{disc: row.d}}]->(b) SET r = row.p"
)
_DELETE_EDGE = _Statement(
    "UNWIND $rows AS row MATCH (:{1} {{key: row.s}})-[r:{0} {{disc: row.d}}]->"
    "(:{2} {{key: row.t}}) DELETE r"
)


def _everything(graph: Any, generation: int) -> GraphChanges:
    return GraphChanges(
        generation,
        nodes=list(graph.nodes),
        edges=[(s, t, k) for s, t, k in graph.edges(keys=True)],
    )


def _split(nid: str) -> tuple[NodeKind, str]:
    found = split_node_id(nid)
    if found is None:  # never: ids are written by `node_id`
        raise ValueError(f"{nid!r} is not a node id")
    return found


def _splits(nids: Iterable[str], kind: NodeKind) -> Iterator[tuple[NodeKind, str]]:
    return (split for split in map(_split, nids) if split[0] is kind)


def _node_keys(nids: Iterable[str]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for kind, key in map(_split, nids):
        groups[(kind.value,)].append({"key": key})
    return groups


def _node_rows(
    graph: Any, nids: Iterable[str], bodies: dict[str, str]
) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for nid in nids:
        attrs = graph.nodes[nid]
        kind: NodeKind = attrs["kind"]
        if kind is NodeKind.MESSAGE and attrs["key"] in bodies and "body" not in attrs["props"]:
            props = {**attrs["props"], "body": bodies[attrs["key"]][:MESSAGE_BODY_LIMIT]}
            attrs = {**attrs, "props": props}  # Neo4j keeps bodies on the node
        groups[(kind.value,)].append({"key": attrs["key"], "props": node_properties(kind, attrs)})
    return groups


def _edge_ends(edges: Iterable[EdgeId]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for source, target, ekey in edges:
        (skind, skey), (tkind, tkey) = _split(source), _split(target)
        kind, _, disc = ekey.partition(":")
        groups[(kind, skind.value, tkind.value)].append({"s": skey, "t": tkey, "d": disc})
    return groups


def _edge_rows(graph: Any, edges: Iterable[EdgeId]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for source, target, ekey in edges:
        (skind, skey), (tkind, tkey) = _split(source), _split(target)
        attrs = graph.edges[source, target, ekey]
        disc = ekey.partition(":")[2]
        row = {"s": skey, "t": tkey, "d": disc, "p": edge_properties(disc, attrs)}
        groups[(attrs["kind"].value, skind.value, tkind.value)].append(row)
    return groups
