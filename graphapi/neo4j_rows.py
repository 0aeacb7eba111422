"""The graph of an embedded database, row by row, for the bulk export (`neo4j_import`).

`graphapi.snapshot.read_snapshot` builds the whole networkx graph and decodes every message
record of the corpus: at 95k messages two thirds of an export's time, and at a million
messages ~10 GiB. The importer files need neither: a node is its row (`nodes`: props,
name sightings, placeholder flag; a message's body beside it in `messages`), a
relationship its row (`edges`: both ends' ids, which hold their labels and keys, and its
props as JSON). So the rows are read straight from SQLite, in one read transaction (WAL:
a load committing meanwhile is not seen), which also gives the generation the export
holds, for the mirror mark.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from typing import Any

from graphapi import database as db
from graphapi.errors import SnapshotError
from graphapi.incremental import KeptFiles
from graphapi.model import MESSAGE_BODY_LIMIT, NodeKind, split_node_id

__all__ = ["DatabaseRows", "EdgeRow", "NodeRow"]

#: (kind, key, props, name sightings or None, placeholder)
NodeRow = tuple[NodeKind, str, dict[str, Any], dict[str, int] | None, bool]
#: (type, (start label, end label), (start key, end key, disc), props: JSON text or a dict)
EdgeRow = tuple[str, tuple[str, str], tuple[str, str, str], "str | Mapping[str, Any]"]

_MESSAGE = NodeKind.MESSAGE.value
#: A message node's body is in `messages` (the corpus), cut as the online writer cuts it.
_NODES = f"""
SELECT n.kind, n.key, n.props, n.names, n.placeholder, substr(m.body, 1, {MESSAGE_BODY_LIMIT})
FROM nodes AS n LEFT JOIN messages AS m ON n.kind = '{_MESSAGE}' AND m.key = n.key
ORDER BY n.id
"""
_EDGES = "SELECT source, target, ekey, props FROM edges"
#: The meta names of the kept files (`snapshot._KEPT_TEXTS`) by `KeptFiles` field.
_KEPT = {
    "maintainers": "maintainers_text",
    "mailmap": "mailmap_text",
    "aliases": "aliases_text",
    "company_map": "company_map_text",
}
_KINDS = {kind.value: kind for kind in NodeKind}


class DatabaseRows:
    """A read transaction on a graphapi database: its identity, generation and rows.

    `identify`: give the database its identity first if it has none (`database_uuid`, the
    one write, in its own short transaction), for the mirror mark.
    """

    def __init__(self, path: str | os.PathLike[str], *, identify: bool = False) -> None:
        self.path = path
        self.identify = identify
        self.uuid = ""
        self.generation = 0
        self._conn: sqlite3.Connection | None = None

    def __enter__(self) -> DatabaseRows:
        from graphapi.neo4j_mirror import database_uuid

        conn = self._conn = db.connect(self.path)
        try:
            if self.identify:
                with db.write_transaction(conn):
                    self.uuid = database_uuid(conn)
            conn.execute("BEGIN")  # deferred: the first read fixes what the export sees
            self.generation = db.generation(conn)
        except BaseException:
            conn.close()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        if self._conn is not None:
            self._conn.execute("COMMIT")
            self._conn.close()
            self._conn = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("DatabaseRows used outside its `with`")
        return self._conn

    def cursors(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT source, position FROM cursors").fetchall())

    def kept_files(self) -> KeptFiles:
        texts = {name: db.get_meta(self.conn, meta) for name, meta in _KEPT.items()}
        return KeptFiles(**texts)

    def nodes(self) -> Iterator[NodeRow]:
        """Every node row, in id order (so label by label), a message's body in its props."""
        loads = json.loads
        try:
            for kind, key, props, names, placeholder, body in self.conn.execute(_NODES):
                values = loads(props)
                if body is not None and "body" not in values:
                    values["body"] = body  # Neo4j keeps bodies on the node
                yield _KINDS[kind], key, values, loads(names), bool(placeholder)
        except (KeyError, ValueError, sqlite3.Error) as exc:
            raise SnapshotError(f"cannot read {self.path}: {exc}") from exc

    def edges(self) -> Iterator[EdgeRow]:
        """Every edge row: its type, its ends' labels, keys and disc, its props' JSON."""
        try:
            for source, target, ekey, props in self.conn.execute(_EDGES):
                start, end = _ends(source), _ends(target)
                kind, _, disc = ekey.partition(":")
                yield kind, (start[0], end[0]), (start[1], end[1], disc), props
        except (ValueError, sqlite3.Error) as exc:
            raise SnapshotError(f"cannot read {self.path}: {exc}") from exc


def _ends(nid: str) -> tuple[str, str]:
    """(label, key) of a node id (`model.node_id`: "Kind:key")."""
    split = split_node_id(nid)
    if split is None:
        raise ValueError(f"{nid!r} is not a node id")
    return split[0].value, split[1]
