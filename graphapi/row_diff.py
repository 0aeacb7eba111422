"""Writing a load's graph as database rows at the cost of what changed (issue 13).

A load rebuilds (or patches) the networkx graph, and the database must then hold exactly its
rows (`graph_rows` reads them back). Only the rows that differ are written, and their keys are
reported (the change log and a Neo4j mirror read them). Two ways to find them:

- **with a hint** (`NetworkXStore.touched`: the node ids and edge keys that may have changed
  since the graph was read from this database): only those rows are built and compared with
  the stored ones, read by key. A hint that names too much costs a little more; one that
  misses an added or deleted row is caught by counting the rows afterwards, and the whole
  graph is then diffed (a hint that misses a changed row cannot be seen: it is the hint's
  giver's promise).
- **without one** (a full rebuild): the graph's rows and the stored rows are walked side by
  side in key order, a page of stored rows at a time, and writes go out in chunks. Nothing
  holds every row: a load's memory peak is the graph, not the graph and its rows.

Rows are built as `snapshot` always built them: props as compact JSON (`database.dumps`,
here through one reused C encoder, which gives the same text at a fraction of the cost).
The tables are `WITHOUT ROWID`, ordered by key, so the order rows are written in does not
change what is stored or how it reads back.
"""

from __future__ import annotations

import json
import json.encoder
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from graphapi import database as db
from graphapi.errors import SnapshotError

log = logging.getLogger("graphapi")

__all__ = [
    "EDGES",
    "NODES",
    "Diff",
    "GraphRows",
    "Known",
    "PartialRows",
    "Table",
    "Touched",
    "diff_all",
    "diff_keys",
    "encoder",
    "write_rows",
]

#: Stored rows read per page, and written rows per statement: small enough that a page is
#: nothing next to the graph, large enough that the statements' overhead is nothing.
CHUNK = 2000

Key = Any  # a node id (str) or an edge's (source, target, ekey)
Row = tuple[Any, ...]  # the columns after the key


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def encoder() -> Callable[[Any], str]:
    """`database.dumps` without its per-call cost (a new `JSONEncoder` and C encoder for each
    value): one C encoder, made once, with the same separators and escaping."""
    make: Any = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the plain way gives the same text
        return db.dumps
    encode = make(None, _refuse, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    join = "".join
    return lambda value: join(encode(value, 0))


@dataclass(frozen=True)
class Table:
    """One of the graph's tables: its name, key columns and the columns after the key."""

    name: str
    keys: tuple[str, ...]
    rest: tuple[str, ...]

    def key_tuple(self, key: Key) -> tuple[Any, ...]:
        return (key,) if len(self.keys) == 1 else tuple(key)

    @property
    def _columns(self) -> str:
        return ", ".join((*self.keys, *self.rest))

    @property
    def _order(self) -> str:
        return ", ".join(self.keys)

    def page(self, conn: sqlite3.Connection, after: Key | None) -> list[Row]:
        """Up to `CHUNK` stored rows in key order, after the key `after` (None: from the
        start). Each page is read whole, so writing between pages is safe."""
        sql = f"SELECT {self._columns} FROM {self.name}"
        args: tuple[Any, ...] = ()
        if after is not None:
            sql += f" WHERE ({self._order}) > ({', '.join('?' * len(self.keys))})"
            args = self.key_tuple(after)
        return conn.execute(f"{sql} ORDER BY {self._order} LIMIT {CHUNK}", args).fetchall()

    def stored(self, conn: sqlite3.Connection, keys: Sequence[Key]) -> dict[Key, Row]:
        """The stored rows of these keys (those that exist), by key."""
        found: dict[Key, Row] = {}
        if len(self.keys) == 1:
            select = f"{self._columns} FROM {self.name}"
            for row in db.rows_keyed(conn, select, self.keys[0], keys):
                found[row[0]] = tuple(row[1:])
            return found
        where = " AND ".join(f"{column} = ?" for column in self.keys)
        sql = f"SELECT {', '.join(self.rest)} FROM {self.name} WHERE {where}"
        for key in keys:
            row = conn.execute(sql, key).fetchone()
            if row is not None:
                found[key] = tuple(row)
        return found

    def count(self, conn: sqlite3.Connection) -> int:
        return int(conn.execute(f"SELECT count(*) FROM {self.name}").fetchone()[0])


NODES = Table("nodes", ("id",), ("kind", "key", "props", "names", "placeholder"))
EDGES = Table("edges", ("source", "target", "ekey"), ("kind", "props"))


@dataclass
class Diff:
    """Writes a table's changed rows in chunks; the keys written and deleted, in key order,
    and how many of the written rows were new to the table."""

    conn: sqlite3.Connection
    table: Table
    written: list[Key] = field(default_factory=list)
    gone: list[Key] = field(default_factory=list)
    added: int = 0
    _rows: list[tuple[Any, ...]] = field(default_factory=list)
    _doomed: list[tuple[Any, ...]] = field(default_factory=list)

    def write(self, key: Key, row: Row, new: bool) -> None:
        self.written.append(key)
        self.added += new
        self._rows.append((*self.table.key_tuple(key), *row))
        if len(self._rows) >= CHUNK:
            self.flush()

    def delete(self, key: Key) -> None:
        self.gone.append(key)
        self._doomed.append(self.table.key_tuple(key))
        if len(self._doomed) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Send what is pending (deletes first: a key is never both deleted and written)."""
        table = self.table
        if self._doomed:
            where = " AND ".join(f"{column} = ?" for column in table.keys)
            self.conn.executemany(f"DELETE FROM {table.name} WHERE {where}", self._doomed)
            self._doomed = []
        if self._rows:
            marks = ", ".join("?" * (len(table.keys) + len(table.rest)))
            sql = f"INSERT OR REPLACE INTO {table.name} VALUES ({marks})"
            self.conn.executemany(sql, self._rows)
            self._rows = []


def diff_all(diff: Diff, new: Iterable[tuple[Key, Row]]) -> None:
    """Make the table hold exactly the rows `new` (in ascending key order): walk them beside
    the stored rows, a page at a time, writing what differs and deleting what is gone."""
    conn, table = diff.conn, diff.table
    stored = _stored_rows(conn, table)
    old = next(stored, None)
    last: Key | None = None
    for key, row in new:
        if last is not None and not last < key:
            raise SnapshotError(f"graph rows out of order in {table.name}: {last!r}, {key!r}")
        last = key
        while old is not None and old[0] < key:
            diff.delete(old[0])
            old = next(stored, None)
        if old is not None and old[0] == key:
            if old[1] != row:
                diff.write(key, row, False)
            old = next(stored, None)
        else:
            diff.write(key, row, True)
    while old is not None:
        diff.delete(old[0])
        old = next(stored, None)
    diff.flush()


def _stored_rows(conn: sqlite3.Connection, table: Table) -> Iterator[tuple[Key, Row]]:
    """Every stored row as (key, rest), in key order (checked: `diff_all` relies on Python
    ordering keys as SQLite does, which holds for text compared as UTF-8 bytes)."""
    after: Key | None = None
    width = len(table.keys)
    while True:
        page = table.page(conn, after)
        for row in page:
            key = row[0] if width == 1 else row[:width]
            if after is not None and not after < key:
                raise SnapshotError(f"stored rows out of order in {table.name}: {after!r}")
            after = key
            yield key, row[width:]
        if len(page) < CHUNK:
            return


#: Whether a key's stored row is known already, and that row (None: none is stored).
Known = Callable[[Key], tuple[bool, Row | None]]


def diff_keys(
    diff: Diff,
    keys: Iterable[Key],
    row_of: Callable[[Key], Row | None],
    known: Known | None = None,
) -> None:
    """Compare only the rows of `keys` (`row_of`: the graph's row, None when it has none)
    with the stored ones; the rest of the table is taken to be unchanged. `known`: stored
    rows read already (a partial graph's, `region_graph`): only the others are read."""
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        stored: dict[Key, Row] = {}
        unread = chunk
        if known is not None:
            unread = []
            for key in chunk:
                hit, row = known(key)
                if not hit:
                    unread.append(key)
                elif row is not None:
                    stored[key] = row
        stored.update(diff.table.stored(diff.conn, unread))
        for key in chunk:
            row, old = row_of(key), stored.get(key)
            if row is None:
                if old is not None:
                    diff.delete(key)
            elif old != row:
                diff.write(key, row, old is None)
    diff.flush()


class PartialRows(Protocol):
    """A graph holding part of the stored rows (`region_graph.RegionGraph`): which stored
    rows it read, and what they were."""

    def known_node(self, nid: str, /) -> tuple[bool, Row | None]: ...

    def known_edge(self, key: tuple[str, str, str], /) -> tuple[bool, Row | None]: ...


#: Node ids and (source, target, ekey) edge keys that may have changed (`NetworkXStore.touched`).
Touched = tuple[set[str], set[tuple[str, str, str]]]


class GraphRows:
    """The rows of a networkx graph (as `NetworkXStore.write` builds it), built on demand."""

    def __init__(self, graph: Any) -> None:
        self._node: dict[str, dict[str, Any]] = graph._node
        self._succ: dict[str, dict[str, dict[str, dict[str, Any]]]] = graph._succ
        self._dumps = encoder()

    def node_row(self, attrs: dict[str, Any]) -> Row:
        dumps, names = self._dumps, attrs.get("names")
        return (
            attrs["kind"]._value_,  # not `value`: a descriptor, called per row
            attrs["key"],
            dumps(attrs["props"]),
            dumps(names) if names else "{}",
            int(bool(attrs.get("placeholder"))),
        )

    def edge_row(self, attrs: dict[str, Any]) -> Row:
        return attrs["kind"]._value_, self._dumps({k: v for k, v in attrs.items() if k != "kind"})

    def node(self, nid: str) -> Row | None:
        attrs = self._node.get(nid)
        return None if attrs is None else self.node_row(attrs)

    def edge(self, key: tuple[str, str, str]) -> Row | None:
        source, target, ekey = key
        attrs = self._succ.get(source, {}).get(target, {}).get(ekey)
        return None if attrs is None else self.edge_row(attrs)

    def nodes(self) -> Iterator[tuple[str, Row]]:
        """Every node's row, by id."""
        node, row = self._node, self.node_row
        for nid in sorted(node):
            yield nid, row(node[nid])

    def edges(self) -> Iterator[tuple[tuple[str, str, str], Row]]:
        """Every edge's row, by (source, target, ekey)."""
        row, succ = self.edge_row, self._succ
        for source in sorted(succ):
            targets = succ[source]
            for target in sorted(targets) if len(targets) > 1 else targets:
                keyed = targets[target]
                for ekey in sorted(keyed) if len(keyed) > 1 else keyed:
                    yield (source, target, ekey), row(keyed[ekey])

    def counts(self) -> tuple[int, int]:
        """(nodes, edges) of the graph (networkx's `number_of_edges` walks degree views)."""
        edges = sum(len(keyed) for targets in self._succ.values() for keyed in targets.values())
        return len(self._node), edges


def write_rows(
    conn: sqlite3.Connection,
    graph: Any,
    touched: Touched | None,
    stored: tuple[int, int] | None = None,
    *,
    partial: PartialRows | None = None,
) -> tuple[Diff, Diff, tuple[int, int]]:
    """Make the `nodes` and `edges` tables hold `graph`'s rows, writing only what differs;
    the two diffs say which rows were written and deleted, then the graph's (nodes, edges).
    `touched`: see the module; `stored`: the tables' row counts before, when known (else
    they are counted after a hint's writes: a whole walk of both tables).

    `partial`: `graph` holds only the rows an in-place update read (`region_graph`), so
    the hint is all there is: its rows are written, the counts are the tables' after, and
    nothing is compared with the graph's size (the update's own tests and the split
    oracles check its hint instead); the stored rows it read are not read again."""
    rows = GraphRows(graph)
    nodes, edges = Diff(conn, NODES), Diff(conn, EDGES)
    if touched is not None:
        diff_keys(nodes, touched[0], rows.node, partial.known_node if partial is not None else None)
        diff_keys(edges, touched[1], rows.edge, partial.known_edge if partial is not None else None)
        if stored is None:
            now = NODES.count(conn), EDGES.count(conn)
        else:
            now = _after(stored[0], nodes), _after(stored[1], edges)
        if partial is not None:
            return nodes, edges, now
        counts = rows.counts()
        if now == counts:
            return nodes, edges, counts
        log.warning("the load's list of changed rows missed some: comparing every row")
    if partial is not None:  # never: an update always gives its hint
        raise SnapshotError("a graph holding part of the rows cannot be compared whole")
    # a second pass after a hint adds to its lists: what it wrote now compares equal
    diff_all(nodes, rows.nodes())
    diff_all(edges, rows.edges())
    return nodes, edges, rows.counts()


def _after(before: int, diff: Diff) -> int:
    """A table's row count after `diff`, from its count before."""
    return before + diff.added - len(diff.gone)
