"""The Neo4j store: the `GraphStore` seam over a `Neo4jConnection`.

Writes are batched `UNWIND $rows ... MERGE` transactions (`neo4j_write`); every read is one
parameterised Cypher statement (`neo4j_cypher`) run as a read on the configured database,
then shaped in Python (`neo4j_shape`) by the rules of `rules`, so that every answer,
ordering of ties included, equals the embedded store's on the same records. Connecting,
running statements and failures: `neo4j_connection`.

Aggregates over much of the graph (statistics, review networks and statistics, whole-kind
lists, review ties) are kept per state of the database (`neo4j_kept`), as the embedded
store keeps them per graph: a kept answer costs one round trip that reads the database's
mark, or none while a server's refresher follows the mark; any commit to the database,
whoever makes it, retires it. While the mark is followed (a server), the rows of per-key
reads (a node by key, lineages, relations, dependencies) are kept too, apart
(`kept_rows`); elsewhere (a load, a one-shot command) they would cost a round trip each for
the mark and hold memory for nothing. Message bodies are never kept.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from neo4j import ManagedTransaction

from graphapi.api_errors import StoreUnreachable
from graphapi.model import EdgeKind, GraphBatch, NodeData, NodeKind, node_id
from graphapi.store import neo4j_cypher as cypher
from graphapi.store import neo4j_cypher_reviews as review_cypher
from graphapi.store import neo4j_shape as shape
from graphapi.store import neo4j_write as writing
from graphapi.store.base import (
    DependencyDirection,
    Direction,
    GroupBy,
    Level,
    Lookup,
    Page,
    Position,
    Related,
    Tie,
    TieQuery,
    ViewGraph,
)
from graphapi.store.neo4j_codec import order_preserving, state_of
from graphapi.store.neo4j_connection import (
    BATCH_ROWS_ENV,
    DEFAULT_DATABASE,
    EDGE_CHUNK_ROWS,
    MOVE_CHUNK_PEOPLE,
    NODE_CHUNK_CHARS,
    Neo4jConnection,
    Neo4jSettings,
    WriteStats,
)
from graphapi.store.neo4j_kept import UNFOLLOWED
from graphapi.store.rules import DEFAULT_REVIEW_KINDS, SUBSYSTEM_REVIEW_KINDS

__all__ = [
    "BATCH_ROWS_ENV",
    "DEFAULT_DATABASE",
    "Neo4jSettings",
    "Neo4jStore",
    "StoreUnreachable",
    "WriteStats",
]

_DEFAULT_KINDS = sorted(DEFAULT_REVIEW_KINDS)
_SUBSYSTEM_KINDS = sorted(SUBSYSTEM_REVIEW_KINDS)
_UNBOUNDED = 2**62  # a neighbourhood's `$first` when the caller asks for all of it
T = TypeVar("T")


class Neo4jStore(Neo4jConnection):
    """`GraphStore`, `StoreMaintenance` and `Rederiving` over a Neo4j database (5.x;
    community edition is enough)."""

    # -- writing ---------------------------------------------------------------------------
    def write(self, batch: GraphBatch) -> None:
        """Merge the batch: nodes, then edges, in chunks of thousands of rows per transaction.

        Each chunk is one transaction (retried by the driver on transient errors); a load
        that fails half-way leaves whole chunks behind, and re-running it completes it.
        A node chunk also creates the relationships whose later-written endpoint it
        created (`neo4j_write.write_node_chunk`): into an empty database that is every
        relationship, and the relationship phase merges only those between nodes that
        were there before.
        """
        self.ensure_schema()
        stats = WriteStats()
        started = time.perf_counter()
        node_rows, edge_rows = self.chunk_rows
        nodes = writing.plan_nodes(batch)
        planned = [
            (kind, keys, per_key)
            for kind, per_key in nodes.items()
            for keys in writing.node_chunks(per_key, node_rows, NODE_CHUNK_CHARS)
        ]
        position = {(kind, key): at for at, (kind, keys, _) in enumerate(planned) for key in keys}
        with ThreadPoolExecutor(1, thread_name_prefix="graphapi-neo4j-plan") as planner:
            assigned = planner.submit(_assign_edges, batch, position, len(planned))
            node_jobs = [
                partial(
                    writing.prepare_node_chunk, kind, keys, per_key, partial(_nth, assigned, at)
                )
                for at, (kind, keys, per_key) in enumerate(planned)
            ]
            ids: writing.ElementIds = {}
            deferred: dict[EdgeKind, list[writing.PlannedEdge]] = {}
            with self._session() as session:
                for chunk in writing.run_ahead(node_jobs):
                    work = partial(writing.write_node_chunk, chunk=chunk, known=ids)
                    written = self._guard(partial(session.execute_write, work))
                    ids.update(((chunk.kind, key), eid) for key, eid in written.ids.items())
                    for edge in written.deferred:
                        deferred.setdefault(edge[0], []).append(edge)
                    stats.nodes += len(chunk.keys)
                    stats.edges += written.edges
                    stats.created_edges += written.edges
                stats.node_seconds = time.perf_counter() - started
                edge_jobs = [
                    partial(_edge_rows, kind, edges[start : start + edge_rows], ids)
                    for kind, edges in deferred.items()
                    for start in range(0, len(edges), edge_rows)
                ]
                for kind, rows in writing.run_ahead(edge_jobs):
                    edge_work = partial(writing.write_edge_chunk, kind=kind, rows=rows)
                    self._guard(partial(session.execute_write, edge_work))
                    stats.edges += len(rows)
        stats.seconds = time.perf_counter() - started
        self.last_write = stats

    # -- maintenance (StoreMaintenance, Rederiving) ----------------------------------------
    def rederiving(self) -> Neo4jStore:
        """This store re-applies changed files in place (`graphapi.incremental.rederive`)."""
        return self

    def kept_files(self) -> dict[str, str]:
        """The identity and ownership files' text kept by `keep_files`, by name."""
        rows = self._run(writing.READ_META, key=writing.KEPT_FILES_KEY)
        props = rows[0]["props"] if rows else {}
        return {k: v for k, v in props.items() if k != "key" and isinstance(v, str)}

    def keep_files(self, files: Mapping[str, str]) -> None:
        """Keep these files' text (replacing what was kept) in the database's meta node."""
        self.ensure_schema()
        self._run(writing.WRITE_META, key=writing.KEPT_FILES_KEY, props=dict(files))

    def load_cursors(self) -> dict[str, str]:
        """How far each source was read by earlier loads (`graphapi.cursors`), kept as one
        JSON map in the meta node that `record_load` writes."""
        rows = self._run(writing.READ_META, key=writing.CURSORS_KEY)
        return writing.cursors_of(rows[0]["props"] if rows else {})

    def record_load(self, files: Mapping[str, str] | None, cursors: Mapping[str, str]) -> None:
        """The end of a load, after its records are written: the files' text (None:
        unchanged) and the cursors it moved, merged into the kept ones, in one transaction.
        A load killed before this re-reads, when re-run, all it read (merges are idempotent);
        two loads of different sources each keep their own cursors."""
        self.ensure_schema()

        def work(tx: ManagedTransaction) -> None:
            if files is not None:
                tx.run(writing.WRITE_META, key=writing.KEPT_FILES_KEY, props=dict(files)).consume()
            found = tx.run(writing.READ_META_LOCKED, key=writing.CURSORS_KEY).single()
            kept = writing.cursors_of(found["props"] if found else {})
            props = writing.cursors_props({**kept, **cursors})
            tx.run(writing.WRITE_META, key=writing.CURSORS_KEY, props=props).consume()

        self._guard(partial(self._write_tx, work))

    def node_keys(self, kind: NodeKind) -> list[str]:
        """The key of every node of `kind`, sorted."""
        return [row["key"] for row in self._run(writing.node_keys(kind))]

    def person_identities(self) -> list[tuple[str, list[str], dict[str, int]]]:
        """(key, addresses, name sightings) of every person."""
        found = []
        for row in self._run(writing.PERSON_IDENTITIES):
            state = state_of(NodeKind.PERSON, row["props"])
            found.append((state.key, list(state.props.get("emails") or []), state.names))
        return found

    def delete_nodes(self, kind: NodeKind) -> None:
        """Delete every node of `kind` with its relationships (server-side batches)."""
        self._run_auto(writing.delete_nodes(kind))

    def delete_edges(self, kind: EdgeKind) -> None:
        """Delete every relationship of `kind` (server-side batches): re-derived edges."""
        self._run_auto(writing.delete_edges(kind))

    def move_people(self, moves: Mapping[str, str]) -> None:
        """Move every relationship of person `old` to person `new` (both exist), delete `old`.

        One transaction per chunk of people: a person is moved whole or not at all.
        """
        rows = [{"old": old, "new": new} for old, new in sorted(moves.items())]
        for chunk in writing.chunks(rows, MOVE_CHUNK_PEOPLE):
            self._guard(partial(self._write_tx, partial(writing.move_people_chunk, moves=chunk)))

    def delete_employment(self, keys: Sequence[str] | None) -> None:
        """Delete the `EMPLOYED_BY` relationships of these people (None: of everybody)."""
        if keys is None:
            self._run_auto(writing.DELETE_ALL_EMPLOYMENT)
            return
        for chunk in writing.chunks(list(keys), EDGE_CHUNK_ROWS):
            self._run(writing.DELETE_EMPLOYMENT_OF, keys=list(chunk))

    def delete_unemployed_companies(self) -> None:
        """Delete the companies nobody is employed by (nor otherwise related to)."""
        self._run_auto(writing.DELETE_UNEMPLOYED_COMPANIES)

    # -- lookups -----------------------------------------------------------------------------
    def get_many(
        self, kind: NodeKind, keys: Sequence[str], *, by: Lookup = "key"
    ) -> list[NodeData | None]:
        if by == "address":
            return [self._person_by_address(key) for key in keys]
        if not keys:
            return []
        unique = list(dict.fromkeys(keys))
        if kind is NodeKind.MESSAGE:  # bodies: large, and read once
            props = dict(zip(unique, self._props_of(kind, unique), strict=True))
        else:
            questions: list[Hashable] = [("node", kind, key) for key in unique]
            found = self._rows_kept(
                questions,
                lambda missing: self._props_of(kind, [q[-1] for q in missing]),  # type: ignore[index]
            )
            props = dict(zip(unique, found, strict=True))
        labels = [kind.value]
        return [_node_or_none(props[key], labels) for key in keys]

    def _props_of(self, kind: NodeKind, keys: list[str]) -> list[Mapping[str, Any] | None]:
        """Each key's stored properties (None: no such node), in `keys` order."""
        rows = self.run_read(cypher.get_many(kind), keys=keys)
        found = {row["key"]: row["props"] for row in rows}
        return [found.get(key) for key in keys]

    def message_bodies(self, keys: Sequence[str]) -> list[str | None]:
        return [
            (node.get("body") or "") if node is not None else None
            for node in self.get_many(NodeKind.MESSAGE, keys)
        ]

    def _person_by_address(self, email: str) -> NodeData | None:
        wanted = email.strip().lower()
        found = self.get_many(NodeKind.PERSON, [wanted])[0]
        if found is not None:
            return found
        rows = self._kept_rows(cypher.PERSON_BY_ADDRESS, email=wanted)  # merged-in address
        return shape.node_of(rows[0]["props"], [NodeKind.PERSON.value]) if rows else None

    def company_by_name(self, name: str) -> NodeData | None:
        rows = self._kept_rows(cypher.COMPANY_BY_NAME, name=name.strip().lower())
        return shape.node_of(rows[0]["props"], [NodeKind.COMPANY.value]) if rows else None

    def series_by_message(self, message_id: str) -> NodeData | None:
        key = message_id.strip().strip("<>")
        rows = self._kept_rows(cypher.SERIES_BY_MESSAGE, key=key)
        row = rows[0] if rows else None
        if row is None:
            return None
        if row["series"] is not None:
            return shape.node_of(row["series"], [NodeKind.SERIES.value])
        if row["other"] is not None:
            return shape.node_of(row["other"], row["labels"])
        return None

    def list_nodes(
        self,
        kind: NodeKind,
        *,
        search: str | None = None,
        related_to: tuple[EdgeKind, NodeKind, str] | None = None,
        prefix: str | None = None,
        after: Position | None = None,
        first: int = 20,
        where: Mapping[str, Any] | None = None,
    ) -> Page:
        words = search.lower().split() if search else []
        signature = (related_to[0], related_to[1]) if related_to else None
        key = related_to[2] if related_to else None
        extra = {"where": dict(where)} if where else {}
        position = _stored_position(after)

        def compute() -> Page:
            rows = self.run_read(
                cypher.list_nodes(kind, signature, filtered=bool(where)),
                **extra,
                key=key,
                words=words,
                prefix=prefix,
                after=position,
                first=max(first, 0),
            )
            return shape.page(rows, kind)

        if related_to is not None:  # one node's neighbours: no whole-kind sort
            return compute()
        shown = json.dumps(extra, sort_keys=True, default=str)
        question = ("list", kind, tuple(words), prefix, shown, _hashable(position), first)
        return self._kept(question, compute)

    # -- views and figures -------------------------------------------------------------------
    def dependency_graph(
        self, series_key: str, direction: DependencyDirection, max_depth: int
    ) -> ViewGraph:
        depth = min(max(max_depth, 0), cypher.MAX_DEPENDENCY_DEPTH)
        rows = self._kept_rows(cypher.dependency_graph(direction, depth), key=series_key)
        start = node_id(NodeKind.SERIES, series_key)
        return shape.dependency_view(rows, start, direction, depth)

    def neighborhood(
        self, kind: NodeKind, key: str, depth: int, first: int | None = None
    ) -> ViewGraph:
        bounded = min(max(depth, 0), cypher.MAX_NEIGHBORHOOD_DEPTH)
        keep = _UNBOUNDED if first is None else max(first, 1)

        def compute() -> ViewGraph:
            rows = self.run_read(cypher.neighborhood(kind, bounded), key=key, first=keep)
            return shape.neighborhood_view(rows)

        # walking a hub's rings to count them costs ~1 s at 95k messages: kept per state
        return self._kept(("neighborhood", kind, key, bounded, keep), compute)

    def review_network(
        self,
        *,
        level: Level,
        kinds: Sequence[str],
        since: datetime | None,
        until: datetime | None,
        min_weight: int,
        first: int,
    ) -> ViewGraph:
        def compute() -> ViewGraph:
            rows = self.run_read(
                review_cypher.review_network(level == "COMPANY"),
                kinds=list(kinds),
                since=since.isoformat() if since else None,
                until=until.isoformat() if until else None,
                min=min_weight,
                first=max(first, 0),
            )
            return shape.network_view(rows, first)

        question = ("network", level, tuple(kinds), since, until, min_weight, first)
        return self._kept(question, compute)

    def stats(self, first: int) -> dict[str, Any]:
        def compute() -> dict[str, Any]:
            rows = self.run_read(review_cypher.STATS, first=max(first, 0))
            return shape.stats_answer(rows[0], first)

        return self._kept(("stats", first), compute)

    def review_stats(
        self,
        *,
        group_by: GroupBy,
        since: datetime | None,
        until: datetime | None,
        include_pull_requests: bool = False,
    ) -> list[dict[str, Any]]:
        def compute() -> list[dict[str, Any]]:
            rows = self.run_read(
                review_cypher.REVIEW_STATS,
                kinds=_DEFAULT_KINDS,
                pulls=include_pull_requests,
                since=since.isoformat() if since else None,
                until=until.isoformat() if until else None,
            )
            return shape.review_stats_rows(rows, group_by)

        question = ("review_stats", group_by, since, until, include_pull_requests)
        return self._kept(question, compute)

    # -- answers kept per database state (`neo4j_kept`) --------------------------------------
    def _kept(self, question: Hashable, compute: Callable[[], T]) -> T:
        """A whole-graph aggregate, computed once per state of the database: one round
        trip (`database_mark`) when kept, plus the statement when not."""
        return self.kept.answer(self.database_mark(), question, compute)

    def _kept_rows(self, query: str, **params: Any) -> list[Any]:
        """The rows of a small read (a lookup), kept while the mark is followed."""
        question = ("rows", query, _signature(params))
        return list(self._rows_kept([question], lambda _: [self.run_read(query, **params)])[0])

    def _rows_kept(
        self, questions: list[Hashable], compute: Callable[[list[Hashable]], list[T]]
    ) -> list[T]:
        """Each question's answer, kept per followed mark (`kept_rows`); read at once (all
        of them by one `compute`) when no refresher follows the mark."""
        mark = self.followed.current()
        if mark is UNFOLLOWED:
            return compute(questions)
        return self.kept_rows.answers(mark, questions, compute)

    # -- batched reads: one statement for all the keys (`neo4j_cypher.per_key`) ---------------
    def _per_key(self, query: str, keys: Sequence[str], **params: Any) -> list[list[Any]]:
        """Each key's rows of `query` (a `per_key` statement), in `keys` order, kept per
        followed mark and key (`_rows_kept`): the keys not kept are read in one round trip."""
        unique = list(dict.fromkeys(keys))
        if not unique:
            return []
        shown = _signature(params)
        questions: list[Hashable] = [("per key", query, shown, key) for key in unique]

        def compute(missing: list[Hashable]) -> list[list[Any]]:
            return self._read_per_key(query, [q[-1] for q in missing], **params)  # type: ignore[index]

        groups = dict(zip(unique, self._rows_kept(questions, compute), strict=True))
        return [list(groups[key]) for key in keys]

    def _read_per_key(self, query: str, keys: Sequence[str], **params: Any) -> list[list[Any]]:
        """Each key's rows of `query` (a `per_key` statement), in `keys` order; one round trip."""
        unique = list(dict.fromkeys(keys))
        rows = self.run_read(query, keys=unique, **params) if unique else []
        return shape.by_key(rows, keys)

    def related_many(
        self, kind: NodeKind, keys: Sequence[str], edge: EdgeKind, direction: Direction
    ) -> list[list[Related]]:
        query = cypher.related_many(kind, edge, direction == "out")
        return [shape.related(rows) for rows in self._per_key(query, keys)]

    def related_pages(
        self,
        kind: NodeKind,
        edge: EdgeKind,
        owner_kind: NodeKind,
        owner_keys: Sequence[str],
        *,
        after: Position | None = None,
        first: int = 20,
    ) -> list[Page]:
        groups = self._per_key(
            cypher.related_pages(kind, edge, owner_kind),
            owner_keys,
            words=[],
            prefix=None,
            after=_stored_position(after),
            first=max(first, 0),
        )
        return [shape.page(rows, kind) for rows in groups]

    def ties_many(self, query: TieQuery, keys: Sequence[str], first: int) -> list[list[Tie]]:
        """Each key's ties, kept per database state (a hub's are an aggregate over much of
        the graph); the keys not kept are asked for in one statement."""
        if not keys:
            return []  # not even the mark's round trip
        questions: list[Hashable] = [("ties", query, first, key) for key in keys]
        key_of = dict(zip(questions, keys, strict=True))

        def compute(missing: list[Hashable]) -> list[list[Tie]]:
            statement = _tie_statement(query)
            wanted = [key_of[q] for q in missing]
            groups = self._read_per_key(statement, wanted, kinds=list(query.kinds), first=first)
            return [shape.ties(rows, first) for rows in groups]

        return self.kept.answers(self.database_mark(), questions, compute)

    def lineage_many(self, series_keys: Sequence[str]) -> list[list[NodeData]]:
        groups = self._per_key(cypher.LINEAGE_MANY, series_keys)
        return [
            shape.lineage_chain(rows, node_id(NodeKind.SERIES, key))
            for key, rows in zip(series_keys, groups, strict=True)
        ]

    def series_subsystems_many(
        self, series_keys: Sequence[str]
    ) -> list[list[tuple[NodeData, list[NodeData]]]]:
        query = review_cypher.SERIES_SUBSYSTEMS_MANY
        groups = self._per_key(query, series_keys, kinds=_SUBSYSTEM_KINDS)
        return [shape.subsystems(rows) for rows in groups]

    def first_review_many(self, series_keys: Sequence[str]) -> list[tuple[NodeData, str] | None]:
        groups = self._per_key(review_cypher.FIRST_REVIEW_MANY, series_keys, kinds=_DEFAULT_KINDS)
        return [shape.first_review(rows) for rows in groups]


def _node_or_none(props: Mapping[str, Any] | None, labels: list[str]) -> NodeData | None:
    return None if props is None else shape.node_of(props, labels)


def _signature(params: Mapping[str, Any]) -> str:
    """A read's parameters as one hashable text (lists, positions and dates included)."""
    return json.dumps(params, sort_keys=True, default=str)


def _hashable(position: list[str] | None) -> tuple[str, ...] | None:
    return tuple(position) if position is not None else None


def _stored_position(after: Position | None) -> list[str] | None:
    """A list position as the nodes store theirs (`_sort`, and the key as `_ks` orders it),
    so Cypher compares it as Python compares the unencoded one."""
    if after is None:
        return None
    return [order_preserving(after[0]), order_preserving(after[1])]


def _assign_edges(
    batch: GraphBatch, position: dict[writing.NodeRef, int], chunks: int
) -> list[list[writing.PlannedEdge]]:
    return writing.assign_edges(writing.plan_edges(batch), position, chunks)


def _nth(assigned: Future[list[list[writing.PlannedEdge]]], at: int) -> list[writing.PlannedEdge]:
    return assigned.result()[at]


def _edge_rows(
    kind: EdgeKind, edges: list[writing.PlannedEdge], ids: writing.ElementIds
) -> tuple[EdgeKind, list[Any]]:
    return kind, writing.edge_rows(edges, ids)


def _tie_statement(query: TieQuery) -> str:
    """The `per_key` statement answering `query` (its kinds are a parameter)."""
    if query.owner == "person":
        return review_cypher.review_ties_many(query.side == "reviewees")
    if query.owner == "company":
        return review_cypher.company_ties_many(query.side == "reviewees")
    if query.owner == "file":
        return review_cypher.file_people_many(query.side == "reviewers")
    return review_cypher.SERIES_REVIEWERS_MANY
