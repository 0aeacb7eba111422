"""The part of a database's graph an in-place update reads and changes (issue 13).

An update (`graphapi.region_write`) changes the rows its region owns and a few shared ones
(people, files, shortlog names). Reading the whole stored graph for that cost more than the
rest of the update (0.75 s of ~2 s on a 27k-message archive); this reads, by key, only the
rows the update looks at or writes, into a networkx graph like the whole one:

- `nodes`: node rows (an id without a row is remembered as absent);
- `around`: node rows with every edge in and out, and those edges' other ends (what a node
  must have to be removed, or its neighbours counted);
- `around_out`: node rows with every edge out, and whether an edge in of a kind comes
  from a node not read (a file: is it still touched from outside the region?);
- `records`: what a batch's write merges into (its nodes, its edges' ends, its edges).

Everything else is left out, so the graph answers only about what was read: the writer
(`region_write`) asks for its rows before it looks at them, `NetworkXStore.write` asks for
a batch's before merging it (an edge whose end was not read would make a placeholder of a
real node), and the row diff trusts the update's hint instead of counting the graph, and
takes the stored rows read here instead of reading them again (`row_diff.write_rows`,
`partial`; `known_node`, `known_edge`). Once read, a row's state in memory is the truth: a
row removed in memory is never read back. A store holding such a graph says so
(`NetworkXStore.partial`); a load reads the whole graph again if it is asked for after.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

import networkx as nx

from graphapi.database import rows_keyed
from graphapi.graph_rows import EDGE_COLUMNS, NODE_COLUMNS, RowReader
from graphapi.model import EdgeKind, GraphBatch
from graphapi.store.nx_write import edge_key

__all__ = ["RegionGraph"]

EdgeKey = tuple[str, str, str]  # (source id, target id, edge key)


class RegionGraph:
    """Rows of one database read into `graph` on demand (see the module)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.graph: Any = nx.MultiDiGraph()
        self._reader = RowReader(serving=False)
        self._asked: set[str] = set()  # node ids whose row was read (or found missing)
        self._whole: set[str] = set()  # node ids whose every edge was read
        self._edges: set[EdgeKey] = set()  # edges read (or found missing)
        self._out_whole: set[str] = set()  # node ids whose every edge out was read
        #: The rows as stored when read (the columns after the key), for the row diff.
        self._stored_nodes: dict[str, tuple[Any, ...]] = {}
        self._stored_edges: dict[EdgeKey, tuple[Any, ...]] = {}

    def nodes(self, ids: Iterable[str]) -> None:
        """Read the rows of these nodes (those not read yet)."""
        wanted = sorted(set(ids) - self._asked)
        self._asked.update(wanted)
        node, succ, pred = self.graph._node, self.graph._succ, self.graph._pred
        make = self._reader.node
        stored = self._stored_nodes
        for nid, kind, key, props, names, placeholder in rows_keyed(
            self._conn, f"{NODE_COLUMNS} FROM nodes", "id", wanted
        ):
            stored[nid] = (kind, key, props, names, placeholder)
            node[nid] = make(kind, key, props, names, placeholder)
            succ.setdefault(nid, {})
            pred.setdefault(nid, {})

    def around(self, ids: Iterable[str]) -> None:
        """Read these nodes with every edge in and out of them (and the other ends)."""
        wanted = sorted(set(ids) - self._whole)
        self._whole.update(wanted)
        select = f"{EDGE_COLUMNS} FROM edges"
        rows = [
            *rows_keyed(self._conn, select, "source", wanted),
            *rows_keyed(self._conn, select, "target", wanted),
        ]
        self._add_edges(wanted, rows)

    def around_out(self, ids: Iterable[str], kind: EdgeKind) -> set[str]:
        """Read these nodes with every edge out of them (and their ends); those of them
        with a stored edge in of `kind` that was not read (its source was not read whole).
        A file, touched by hundreds of patches outside the region, is read so: what an
        update asks of it is whether anything outside still touches it, and the first
        such edge answers (reading every edge in cost as much as the rest of the region)."""
        wanted = sorted(set(ids) - self._whole)
        select = f"{EDGE_COLUMNS} FROM edges"
        self._add_edges(wanted, rows_keyed(self._conn, select, "source", wanted))
        self._out_whole.update(wanted)
        whole, execute = self._whole, self._conn.execute
        sql = "SELECT source FROM edges WHERE target = ? AND kind = ?"
        return {
            nid
            for nid in wanted
            if any(source not in whole for (source,) in execute(sql, (nid, kind._value_)))
        }

    def records(self, batch: GraphBatch) -> None:
        """Read what writing `batch` merges into: its nodes, its edges' ends, its edges."""
        keys = [edge_key(edge) for edge in batch.edges]
        ends = [end for key in keys for end in key[:2]]
        self.edges(keys, [f"{r.kind._value_}:{r.key}" for r in batch.nodes] + ends)

    def edges(self, keys: Iterable[EdgeKey], nodes: Iterable[str] = ()) -> None:
        """Read these edges (those stored), their ends, and the nodes `nodes`."""
        wanted = sorted(key for key in set(keys) if not self.known_edge(key)[0])
        self._add_edges(nodes, self._edge_rows(wanted))
        self._edges.update(wanted)  # those not stored: absent

    def known_node(self, nid: str) -> tuple[bool, tuple[Any, ...] | None]:
        """Whether the stored row of node `nid` was read, and that row (None: none is
        stored); what the row diff need not read again (`row_diff.write_rows`)."""
        return nid in self._asked, self._stored_nodes.get(nid)

    def known_edge(self, key: EdgeKey) -> tuple[bool, tuple[Any, ...] | None]:
        """`known_node` for an edge: read by key, or with every edge of an end."""
        source, target, _ = key
        known = (
            key in self._edges
            or source in self._whole
            or target in self._whole
            or source in self._out_whole
        )
        return known, self._stored_edges.get(key)

    def _edge_rows(self, keys: list[EdgeKey]) -> Iterator[tuple[Any, ...]]:
        """The stored rows of these edges, one primary-key lookup each (an `IN` of row
        values is not one)."""
        sql = f"SELECT {EDGE_COLUMNS} FROM edges WHERE source = ? AND target = ? AND ekey = ?"
        execute = self._conn.execute
        for key in keys:
            row = execute(sql, key).fetchone()
            if row is not None:
                yield row

    def _add_edges(self, nodes: Iterable[str], rows: Iterable[tuple[Any, ...]]) -> None:
        """Read `nodes` and the ends of the edge `rows`, then add the edges not read before
        (one read before may have been removed since: the graph in memory is the truth)."""
        rows = [row for row in rows if tuple(row[:3]) not in self._edges]
        self.nodes([*nodes, *(row[0] for row in rows), *(row[1] for row in rows)])
        graph, make = self.graph, self._reader.edge
        succ, pred = graph._succ, graph._pred
        for source, target, ekey, kind, props in rows:
            if (source, target, ekey) in self._edges:
                continue  # read by both queries of `around` (an edge of a node to itself, ...)
            self._edges.add((source, target, ekey))
            self._stored_edges[source, target, ekey] = (kind, props)
            for end in (source, target):  # an end without a row, as `RowReader.read` does
                if end not in graph._node:
                    graph._node[end], succ[end], pred[end] = {}, {}, {}
            keyed = succ[source].get(target)
            if keyed is None:
                keyed = succ[source][target] = pred[target][source] = {}
            if ekey not in keyed:
                keyed[ekey] = make(kind, props)
