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
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from graphapi import database as db
from graphapi.errors import SnapshotError
from graphapi.model import MESSAGE_BODY_LIMIT, NodeKind

if TYPE_CHECKING:  # an export child (`neo4j_parts`) starts without it
    from graphapi.incremental import KeptFiles

__all__ = ["DatabaseRows", "EdgeRow", "NodeRow", "Sizes", "State"]

#: (kind, key, props, name sightings or None, placeholder)
NodeRow = tuple[NodeKind, str, dict[str, Any], dict[str, int] | None, bool]
#: (type, start label, end label, the row's leading fields (`neo4j_csv.edge_lead`: start key,
#: end key, type, disc), props: JSON text or a dict)
EdgeRow = tuple[str, str, str, str, "str | Mapping[str, Any]"]
#: (rows, props characters) per label, the same per type, message body characters
Sizes = tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]], int]
#: (generation, identity or None): the state of the database a part must be read at.
State = tuple[int, str | None]

_MESSAGE = NodeKind.MESSAGE.value
#: A message node's body is in `messages` (the corpus), cut as the online writer cuts it.
_NODES = f"""
SELECT n.kind, n.key, n.props, n.names, n.placeholder, substr(m.body, 1, {MESSAGE_BODY_LIMIT})
FROM nodes AS n LEFT JOIN messages AS m ON n.kind = '{_MESSAGE}' AND m.key = n.key
{{where}} ORDER BY n.id
"""


def _quoted_sql(text: str) -> str:
    """SQL for `neo4j_csv.quoted(text)`: SQLite quotes in C what Python did per field."""
    return f"""'"' || replace({text}, '"', '""') || '"'"""


def _label_sql(nid: str) -> str:
    return f"substr({nid}, 1, instr({nid}, ':') - 1)"


def _key_sql(nid: str) -> str:
    return f"substr({nid}, instr({nid}, ':') + 1)"


#: An edge's type: the part of its key before the first colon (`ekey.partition(":")[0]`).
_TYPE = "substr(ekey, 1, instr(ekey || ':', ':') - 1)"
#: An edge's ends are split, and its leading fields quoted and joined, by SQLite: the split of
#: `model.split_node_id` (at the first colon) and the spelling of `neo4j_csv.edge_lead`.
_EDGES = f"""
SELECT {_TYPE},
    {_label_sql("source")}, {_label_sql("target")},
    {_quoted_sql(_key_sql("source"))} || ',' || {_quoted_sql(_key_sql("target"))} || ','
        || {_TYPE} || ','
        || {_quoted_sql("substr(ekey, instr(ekey || ':', ':') + 1)")},
    props, instr(source, ':') > 1 AND instr(target, ':') > 1
    AND length(source) > instr(source, ':') AND length(target) > instr(target, ':')
FROM edges {{where}}
"""
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
        from graphapi.incremental import KeptFiles

        texts = {name: db.get_meta(self.conn, meta) for name, meta in _KEPT.items()}
        return KeptFiles(**texts)

    def state(self) -> State:
        """The generation and identity the transaction reads: another transaction reading
        the same ones reads the same rows (every load writing them bumps the generation)."""
        return self.generation, db.get_meta(self.conn, "uuid")

    def sizes(self) -> Sizes:
        """(rows, characters of props) per node label, the same per relationship type, and
        the characters of the message bodies the nodes carry (estimated from a sample):
        what each table costs to write (`neo4j_parts.costs`)."""
        conn = self.conn
        count = "count(*), coalesce(sum(length(props)), 0)"
        labels = {
            k: (n, c) for k, n, c in conn.execute(f"SELECT kind, {count} FROM nodes GROUP BY 1")
        }
        types = {
            k: (n, c) for k, n, c in conn.execute(f"SELECT {_TYPE}, {count} FROM edges GROUP BY 1")
        }
        # Every 16th body: a body past a row's page is read only where it is measured, so
        # this reads a sixteenth of the bodies (the corpus is most of a database's bytes).
        found = conn.execute(
            "SELECT sum(CASE WHEN seq % 16 = 0 THEN "
            f"min(length(body), {MESSAGE_BODY_LIMIT}) END) FROM messages"
        ).fetchone()
        body = 16 * (found[0] or 0)
        return labels, types, int(body)

    def nodes(self, labels: Sequence[str] | None = None) -> Iterator[NodeRow]:
        """Every node row (of `labels`, if given), in id order (so label by label), a
        message's body in its props."""
        loads = json.loads
        sql, args = _only(_NODES, "n.kind", labels)
        try:
            for kind, key, props, names, placeholder, body in self.conn.execute(sql, args):
                values = loads(props)
                if body is not None and "body" not in values:
                    values["body"] = body  # Neo4j keeps bodies on the node
                yield _KINDS[kind], key, values, loads(names), bool(placeholder)
        except (KeyError, ValueError, sqlite3.Error) as exc:
            raise SnapshotError(f"cannot read {self.path}: {exc}") from exc

    def edges(self, types: Sequence[str] | None = None) -> Iterator[EdgeRow]:
        """Every edge row (of `types`, if given): its type, its ends' labels, its leading
        fields, its props' JSON.

        Both ids must be node ids (`model.split_node_id`: a known kind, a colon, a key)."""
        labels = _KINDS
        sql, args = _only(_EDGES, _TYPE, types)
        try:
            for kind, source, target, lead, props, ids in self.conn.execute(sql, args):
                if not ids or source not in labels or target not in labels:
                    raise ValueError(f"an edge {lead} whose ends are not node ids")
                yield kind, source, target, lead, props
        except (ValueError, sqlite3.Error) as exc:
            raise SnapshotError(f"cannot read {self.path}: {exc}") from exc


def _only(query: str, column: str, values: Sequence[str] | None) -> tuple[str, list[str]]:
    """`query` with its `{where}` keeping only the rows whose `column` is in `values`."""
    if values is None:
        return query.format(where=""), []
    marks = ", ".join("?" * len(values))
    return query.format(where=f"WHERE {column} IN ({marks})"), list(values)
