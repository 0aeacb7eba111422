"""Which graph rows each load changed, so a server reads only those (issue 13, serving an update).

A load writes only the node and edge rows that differ from the graph before it
(`graphapi.row_diff`); the keys of those rows are kept here under the generation the load
committed (tables `node_changes`, `edge_changes`). A server holding generation `a` of the graph
reads the rows changed after `a`, whether changed or deleted, and patches its copy
(`graphapi.graph_patch`) instead of reading ~500k rows again.

The log covers every generation after `changes_from` (in `meta`). A load that changes a large
share of the rows is not logged (reading everything costs no more than reading that much),
and generations older than `KEPT_GENERATIONS` are pruned: both move `changes_from` forward,
and a server further behind reads the whole graph, as it always did.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graphapi import database as db
from graphapi.graph_rows import EDGE_COLUMNS, NODE_COLUMNS

__all__ = ["KEPT_GENERATIONS", "Changes", "changes_since", "record"]

#: How many generations of changes are kept (a server more loads behind reads everything).
KEPT_GENERATIONS = 32

#: A load changing more than this share of the graph's rows is not logged.
LOGGED_SHARE = 0.25

#: ... unless it changes fewer rows than this (a small graph is read whole in no time anyway).
LOGGED_ALWAYS = 1000

_FROM = "changes_from"


@dataclass(frozen=True, slots=True)
class Changes:
    """The rows changed since a generation, as they are now: `NODE_COLUMNS` and
    `EDGE_COLUMNS`, with every column after the key None for a row that was deleted."""

    generation: int
    nodes: list[tuple[Any, ...]]
    edges: list[tuple[Any, ...]]


def record(
    conn: sqlite3.Connection,
    generation: int,
    nodes: Sequence[str],
    edges: Sequence[tuple[str, str, str]],
    rows: int,
) -> None:
    """Log the keys of the node and edge rows a write of `generation` changed or deleted
    (`rows`: how many the graph has now), in the write's transaction."""
    found = db.get_meta(conn, _FROM)
    start = int(found) if found is not None else generation - 1  # a database of before the log
    if len(nodes) + len(edges) > max(LOGGED_ALWAYS, LOGGED_SHARE * rows):
        start = generation
    else:
        conn.executemany(
            "INSERT OR IGNORE INTO node_changes VALUES (?, ?)", ((generation, n) for n in nodes)
        )
        conn.executemany(
            "INSERT OR IGNORE INTO edge_changes VALUES (?, ?, ?, ?)",
            ((generation, *edge) for edge in edges),
        )
    start = max(start, generation - KEPT_GENERATIONS)
    conn.execute("DELETE FROM node_changes WHERE generation <= ?", (start,))
    conn.execute("DELETE FROM edge_changes WHERE generation <= ?", (start,))
    db.set_meta(conn, _FROM, str(start))


def changes_since(conn: sqlite3.Connection, generation: int) -> Changes | None:
    """The rows changed after `generation`; None when the log does not cover them all (or
    the database has none), and the graph must be read whole."""
    current = db.generation(conn)
    found = db.get_meta(conn, _FROM)
    if found is None or int(found) > generation or generation > current:
        return None
    try:
        nodes = conn.execute(
            f"SELECT c.id, {_columns('n', NODE_COLUMNS, 1)} FROM "
            "(SELECT DISTINCT id FROM node_changes WHERE generation > ?) AS c "
            "LEFT JOIN nodes AS n ON n.id = c.id ORDER BY c.id",
            (generation,),
        ).fetchall()
        edges = conn.execute(
            f"SELECT c.source, c.target, c.ekey, {_columns('e', EDGE_COLUMNS, 3)} FROM "
            "(SELECT DISTINCT source, target, ekey FROM edge_changes WHERE generation > ?) AS c "
            "LEFT JOIN edges AS e ON e.source = c.source AND e.target = c.target "
            "AND e.ekey = c.ekey ORDER BY c.source, c.target, c.ekey",
            (generation,),
        ).fetchall()
    except sqlite3.OperationalError:  # no log tables: written by a version before the log
        return None
    return Changes(current, nodes, edges)


def _columns(table: str, columns: str, keys: int) -> str:
    """`columns` after the first `keys` (the key), qualified by `table`."""
    return ", ".join(f"{table}.{c.strip()}" for c in columns.split(",")[keys:])
