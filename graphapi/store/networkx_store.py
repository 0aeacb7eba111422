"""The embedded store: one networkx MultiDiGraph in memory, persisted as a snapshot file.

Nodes are `Kind:key` strings with attributes `kind`, `key`, `props` (and `names` for
people); parallel edges are keyed by `EDGEKIND:discriminator`, so writing the same record
twice changes nothing. Queries live in `nx_lists`, `nx_reviews`, `nx_views` and `nx_stats` as plain
functions over the graph (`nx_graph` holds what they share).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import networkx as nx

from graphapi.corpus import Corpus
from graphapi.errors import SnapshotError
from graphapi.gcpause import paused_gc
from graphapi.heap import give_back
from graphapi.model import (
    MESSAGE_BODY_LIMIT,
    EdgeKind,
    GraphBatch,
    NodeData,
    NodeKind,
    node_id,
)
from graphapi.store import nx_graph, nx_lists, nx_reviews, nx_stats, nx_views
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
from graphapi.store.nx_write import GraphWriter, edge_key

if TYPE_CHECKING:
    from graphapi.message_index import StoredIndex
    from graphapi.region_graph import RegionGraph
    from graphapi.row_diff import Touched

__all__ = ["NetworkXStore"]

T = TypeVar("T")

#: The longest top lists `stats` keeps once per graph (the API asks for at most 100).
STATS_DEPTH = 100


class NetworkXStore:
    """`GraphStore` and `StoreMaintenance` over an in-memory networkx graph."""

    #: Reads are in-process dict walks: batching them through DataLoaders costs more than
    #: it saves, so the GraphQL layer asks this store directly (`schema.dataloaders.Immediate`).
    batched_reads_pay = False

    def __init__(
        self,
        graph: Any | None = None,
        *,
        corpus_loaded: bool = True,
        body_reader: Callable[[Sequence[str]], list[str | None]] | None = None,
        deferred: Callable[[], Any] | None = None,
    ) -> None:
        self._graph: Any = graph if graph is not None or deferred else nx.MultiDiGraph()
        #: Reads the graph (with its corpus) on first use: a load that finds nothing new
        #: finishes without reading either (see `graphapi.snapshot.open_for_load`).
        self._deferred = deferred
        #: Reads, on demand, the rows of the database's graph an in-place update needs (a
        #: load's store defers only its corpus; an update, `graphapi.region_write`, changes
        #: the stored graph). None: `graph` is that graph, whole.
        self.region_reader: Callable[[], RegionGraph] | None = None
        #: Set while `graph` holds only the rows an update read (`graphapi.region_graph`):
        #: `write` reads a batch's rows before merging it, and the row diff trusts `touched`.
        self.partial: RegionGraph | None = None
        #: The database's per-message index (`graphapi.message_index`); None: none kept.
        self.message_index: StoredIndex | None = None
        self.corpus_loaded = corpus_loaded
        #: Where bodies are read when neither the graph nor a loaded corpus holds them (the
        #: database, for a store opened for serving).
        self.body_reader = body_reader
        #: How far each source was read (`graphapi.cursors`), kept in the database.
        self.cursors: dict[str, str] = {}
        #: (series, patches) of the graph, as the last load counted them.
        self.counts: tuple[int, int] = (0, 0)
        #: The node ids and (source, target, edge key) edges that may differ from the rows
        #: the graph was read from; None: unknown (the whole graph is compared when it is
        #: written, `graphapi.row_diff`). Whoever changes the graph without `write` or
        #: `delete_edges`, which add what they change, sets it; `replace` and a database
        #: write reset it to None.
        self.touched: Touched | None = None

    @property
    def graph(self) -> Any:
        """The networkx graph (read now if it was deferred)."""
        if self._deferred is not None:
            self._graph, self._deferred = self._deferred(), None
        return self._graph

    @graph.setter
    def graph(self, value: Any) -> None:
        self._graph, self._deferred = value, None

    @property
    def materialised(self) -> bool:
        """False while a deferred graph has not been needed yet."""
        return self._deferred is None

    @property
    def corpus(self) -> Corpus:
        """The parsed messages this graph was built from (kept in the snapshot).

        A store read for serving only (`read_snapshot(corpus=False)`) has none: loading into
        it or saving it would lose every message, so that is refused.
        """
        if not self.corpus_loaded:
            raise SnapshotError("this graph was opened for serving, without its corpus")
        corpus = self.graph.graph.get("corpus")
        if corpus is None:
            corpus = self.graph.graph["corpus"] = Corpus()
        assert isinstance(corpus, Corpus)
        return corpus

    # -- what a load keeps (graphapi.loading): the same methods as Neo4jStore's ----------------
    def kept_files(self) -> dict[str, str]:
        """The identity and ownership files' text, by name: the corpus keeps them, so that
        every rebuild applies them to all messages."""
        corpus = self.corpus
        texts = {
            "maintainers": corpus.maintainers_text,
            "mailmap": corpus.mailmap_text,
            "aliases": corpus.aliases_text,
            "company_map": corpus.company_map_text,
        }
        return {name: text for name, text in texts.items() if text is not None}

    def keep_files(self, files: Mapping[str, str]) -> None:
        """Keep these files' text in the corpus (a name missing from `files`: none kept)."""
        corpus = self.corpus
        corpus.maintainers_text, corpus.mailmap_text = (
            files.get("maintainers"),
            files.get("mailmap"),
        )
        corpus.aliases_text = files.get("aliases")
        corpus.company_map_text = files.get("company_map")

    def load_cursors(self) -> dict[str, str]:
        """A copy of how far each source was read (`graphapi.cursors`): a load that fails
        part-way leaves the store's own untouched."""
        return dict(self.cursors)

    def record_load(self, files: Mapping[str, str] | None, cursors: Mapping[str, str]) -> None:
        """The end of a load: its files (None: unchanged) and cursors, written to the
        database with the rest when `graphapi.snapshot.open_for_load` commits."""
        if files is not None:
            self.keep_files(files)
        self.cursors.update(cursors)

    def replace(self, batch: GraphBatch) -> None:
        """Rebuild the graph from `batch` alone, keeping the corpus; swapped in at the end.
        The batch is emptied as it is merged: the graph and the whole batch are not held
        together (a caller drops its own reference)."""

        def fill(writer: GraphWriter) -> None:
            nodes, edges = batch.nodes, batch.edges
            batch.nodes, batch.edges = [], []
            _drain(nodes, writer.node)
            _drain(edges, writer.edge)

        self.replace_with(fill)

    def replace_with(self, fill: Callable[[GraphWriter], None]) -> None:
        """Rebuild the graph from the records `fill` gives the writer it is handed (as the
        assembly mapping makes them: `ingest.emit_assembly`), keeping the corpus; swapped in
        at the end. No batch of every record is held: a load's memory peak is the graph."""
        give_back()  # what parsing and assembly freed: the graph's small objects cannot use it
        fresh: Any = nx.MultiDiGraph()
        fresh.graph["corpus"] = self.corpus
        writer = GraphWriter(fresh)
        fill(writer)
        writer.finish()
        del writer
        self.graph, self.touched, self.partial = fresh, None, None
        give_back()  # what the build freed (the records it mapped), before the rows are written

    def defer(self, read: Callable[[], Any]) -> None:
        """Read the graph with `read` when it is next asked for (instead of the one held)."""
        self._graph, self._deferred, self.partial = None, read, None

    # -- writing ---------------------------------------------------------------------
    def write(self, batch: GraphBatch, *, read: bool = False) -> None:
        """Merge the batch's nodes, then its edges (an edge's missing ends become
        placeholders), then choose people's display names (`nx_write.GraphWriter`).
        `read`: the caller read what a partial graph merges the batch into already
        (`RegionGraph.records` of this batch or of one holding it), so it is not read again."""
        self._writable()
        if self.partial is not None and not read:
            self.partial.records(batch)  # what it merges into, before it is merged
        writer = GraphWriter(self.graph)
        for record in batch.nodes:
            writer.node(record)
        for edge in batch.edges:
            writer.edge(edge)
        writer.finish()
        if self.touched is not None:
            self._touch(batch)

    def _touch(self, batch: GraphBatch) -> None:
        """Add what `batch` wrote to `touched` (its nodes, its edges and their ends)."""
        assert self.touched is not None
        nodes, edges = self.touched
        nodes.update(f"{r.kind._value_}:{r.key}" for r in batch.nodes)
        for edge in batch.edges:
            key = edge_key(edge)
            nodes.update(key[:2])
            edges.add(key)

    def _writable(self) -> None:
        """Refuse to write a graph read for serving: it shares attribute dicts between edges
        (`graphapi.graph_rows`), so a write would change edges it never named."""
        if nx.is_frozen(self.graph):
            raise SnapshotError("this graph was opened for serving: it cannot be written to")

    def delete_edges(self, kind: EdgeKind) -> None:
        """Delete every edge of `kind` (re-derived edges, as Neo4jStore.delete_edges)."""
        self._writable()
        nx_graph.invalidate(self.graph)
        doomed = [
            (u, v, k)
            for u, v, k, data in self.graph.edges(keys=True, data=True)
            if data["kind"] is kind
        ]
        self.graph.remove_edges_from(doomed)
        if self.touched is not None:
            self.touched[1].update(doomed)

    def warm(self) -> NetworkXStore:
        """Build the derived indexes now (before serving) rather than on the first request."""
        with paused_gc():  # long-lived index objects: see graphapi.gcpause
            nx_reviews.review_index(self.graph)
            nx_reviews.people_index(self.graph)
            nx_lists.build_listings(self.graph)
            nx_reviews.company_index(self.graph)
            self.stats(STATS_DEPTH)
        return self

    def _kept(self, question: Hashable, compute: Callable[[], T]) -> T:
        """The answer to `question`, computed once per graph (`nx_graph.remembered`)."""
        return nx_graph.remembered(self.graph, question, compute)

    # -- maintenance (StoreMaintenance): kept_files, keep_files, load_cursors and
    # record_load are above, with what a load keeps ------------------------------------------
    def rederiving(self) -> None:
        """None: changed files are applied by rebuilding the graph from the corpus
        (`graphapi.loading.load_sources`), never patched into it."""
        return None

    # -- lookups ---------------------------------------------------------------------
    def node(self, nid: str) -> NodeData | None:
        attrs = self.graph.nodes.get(nid)
        return nx_graph.to_data(attrs) if attrs is not None else None

    def get_many(
        self, kind: NodeKind, keys: Sequence[str], *, by: Lookup = "key"
    ) -> list[NodeData | None]:
        if by == "address":
            return [self._person_by_address(key) for key in keys]
        return [self.node(node_id(kind, key)) for key in keys]

    def _person_by_address(self, email: str) -> NodeData | None:
        wanted = email.strip().lower()
        found = self.node(node_id(NodeKind.PERSON, wanted))
        if found is not None:
            return found
        other = nx_lists.person_by_address(self.graph, wanted)  # an address merged into a person
        return self.node(other) if other is not None else None

    def message_bodies(self, keys: Sequence[str]) -> list[str | None]:
        """From the graph when it holds them, else the loaded corpus, else `body_reader`."""
        corpus = self.graph.graph.get("corpus") if self.corpus_loaded else None
        if corpus is not None and corpus.partial:
            corpus = None  # slimmed after a load wrote them: the database has the bodies
        bodies: list[str | None] = []
        unread: list[int] = []
        for key in keys:
            attrs = self.graph.nodes.get(node_id(NodeKind.MESSAGE, key))
            if attrs is None:
                bodies.append(None)
            elif "body" in attrs["props"]:
                bodies.append(attrs["props"]["body"])
            elif corpus is not None and key in corpus.messages:
                bodies.append(corpus.messages[key].body[:MESSAGE_BODY_LIMIT])
            else:
                unread.append(len(bodies))
                bodies.append("")
        if unread and self.body_reader is not None:
            read = self.body_reader([keys[index] for index in unread])
            for index, body in zip(unread, read, strict=True):
                bodies[index] = (body or "")[:MESSAGE_BODY_LIMIT]
        return bodies

    def company_by_name(self, name: str) -> NodeData | None:
        wanted = name.strip().lower()
        for attrs in nx_graph.nodes_of(self.graph, NodeKind.COMPANY):
            props = attrs["props"]
            if props.get("name", "").lower() == wanted or wanted in props.get("domains", []):
                return nx_graph.to_data(attrs)
        return None

    def series_by_message(self, message_id: str) -> NodeData | None:
        key = message_id.strip().strip("<>")
        found = self.node(node_id(NodeKind.SERIES, key))
        if found is not None:
            return found
        patch = node_id(NodeKind.PATCH, key)
        for target in nx_graph.out_nodes(self.graph, patch, EdgeKind.PART_OF):
            return nx_graph.to_data(self.graph.nodes[target])
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
        items = nx_lists.list_nodes(self.graph, kind, search, related_to)
        if prefix is not None:
            items = [i for i in items if i.key.startswith(prefix)]
        if where:
            items = [i for i in items if all(i.get(k) == v for k, v in where.items())]
        return nx_lists.page_after(items, after, first)

    # -- reads for the items of a list (in memory: a loop) ---------------------------------
    def related_many(
        self, kind: NodeKind, keys: Sequence[str], edge: EdgeKind, direction: Direction
    ) -> list[list[Related]]:
        """Each node's neighbours over `edge`, kept per graph (`nx_lists.kept_related`):
        the relation fields of a list (each series' dependencies) ask them again and again."""
        graph = self.graph
        return [nx_lists.kept_related(graph, node_id(kind, k), edge, direction) for k in keys]

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
        return [
            self.list_nodes(kind, related_to=(edge, owner_kind, key), after=after, first=first)
            for key in owner_keys
        ]

    def ties_many(self, query: TieQuery, keys: Sequence[str], first: int) -> list[list[Tie]]:
        return [self._ties(query, key)[:first] for key in keys]

    def _ties(self, query: TieQuery, key: str) -> list[Tie]:
        """All of one key's ties; kept per graph but for series (cheap, and many)."""
        if query.owner == "series":
            return nx_reviews.series_reviewers(self.graph, key, set(query.kinds))
        return self._kept(("ties", query, key), lambda: nx_reviews.ties(self.graph, query, key))

    def lineage_many(self, series_keys: Sequence[str]) -> list[list[NodeData]]:
        """Each chain walked once per graph: a walk scans every out-edge of every version."""
        return [self._kept(("lineage", k), partial(self._lineage, k)) for k in series_keys]

    def _lineage(self, key: str) -> list[NodeData]:
        return nx_lists.lineage(self.graph, node_id(NodeKind.SERIES, key))

    def series_subsystems_many(
        self, series_keys: Sequence[str]
    ) -> list[list[tuple[NodeData, list[NodeData]]]]:
        return [nx_reviews.series_subsystems(self.graph, key) for key in series_keys]

    def first_review_many(self, series_keys: Sequence[str]) -> list[tuple[NodeData, str] | None]:
        return [nx_reviews.first_review(self.graph, key) for key in series_keys]

    # -- views and figures ---------------------------------------------------------------
    def dependency_graph(
        self, series_key: str, direction: DependencyDirection, max_depth: int
    ) -> ViewGraph:
        start = node_id(NodeKind.SERIES, series_key)
        return nx_views.dependency_graph(self.graph, start, direction, max_depth)

    def neighborhood(
        self, kind: NodeKind, key: str, depth: int, first: int | None = None
    ) -> ViewGraph:
        nid = node_id(kind, key)
        return self._kept(
            ("neighborhood", nid, depth, first),
            lambda: nx_views.neighborhood(self.graph, nid, depth, first),
        )

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
        question = ("review_network", level, frozenset(kinds), since, until, min_weight, first)
        wanted = set(kinds)

        def compute() -> ViewGraph:
            graph = self.graph
            return nx_views.review_network(graph, level, wanted, since, until, min_weight, first)

        return self._kept(question, compute)

    def stats(self, first: int) -> dict[str, Any]:
        if first <= STATS_DEPTH:  # one answer per graph, built by `warm`, cut to size
            full = self._kept(("stats",), lambda: nx_stats.stats(self.graph, STATS_DEPTH))
            return _cut_stats(full, first)
        return nx_stats.stats(self.graph, first)

    def review_stats(
        self,
        *,
        group_by: GroupBy,
        since: datetime | None,
        until: datetime | None,
        include_pull_requests: bool = False,
    ) -> list[dict[str, Any]]:
        question = ("review_stats", group_by, since, until, include_pull_requests)
        pulls = include_pull_requests
        return self._kept(
            question,
            lambda: nx_stats.review_stats(self.graph, group_by, since, until, pulls),
        )


def _drain(records: list[Any], take: Callable[[Any], None]) -> None:
    """`take` each record, dropping the list's reference to it as it goes."""
    for index, record in enumerate(records):
        records[index] = None
        take(record)
    records.clear()


def _cut_stats(full: dict[str, Any], first: int) -> dict[str, Any]:
    """The once-per-graph stats answer with its top lists cut to `first` (not mutated)."""
    tops = ("topDomains", "topCompanies", "topContributors")
    return {k: (v[:first] if k in tops else v) for k, v in full.items()}
