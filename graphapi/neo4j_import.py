"""A whole graph as `neo4j-admin database import full` files: a first load at bulk speed.

The online Neo4j writer (`store.neo4j_write`) merges thousands of rows per transaction;
Neo4j's offline importer writes the store files directly, orders of magnitude faster, but
only into an empty database. `export_import_files` writes what the online writer would have
written for the same graph (`neo4j_codec.encode_node` for nodes, the props `write_edges`
leaves on a relationship), so a bulk-loaded database answers exactly as an online-loaded one
and later online loads (`graphapi load --neo4j`) continue from it:

- `nodes-<Label>-<n>.csv`: `key:ID(<Label>)` (each label its own ID space, as keys are
  unique per label only), `:LABEL`, then one typed column per property (`name:string[]`,
  `order:long`, ...). A property whose type varies between nodes of a label splits them
  into one file per combination of its types, so every column keeps one type;
- `rels-<TYPE>-<n>.csv`: `:START_ID(<Label>)`, `:END_ID(<Label>)`, `:TYPE`, `disc`, props;
- the `GraphapiMeta` nodes holding the kept MAINTAINERS / mailmap / aliases / company map
  text and the exported load's cursors, as `Neo4jStore.record_load` stores them (a later
  `load --neo4j` of the same sources reads only what is new since);
- `finish.cypher`: the key constraints the online store creates (same names, so its
  `ensure_schema` finds them), then the values a CSV field cannot spell (an empty list, a
  list holding an empty string or the array delimiter): a row holding some carries the
  index of their map in a `_fixup` property, and one statement per label or type sets the
  maps and removes the marks (its text grows with the distinct maps, not with the rows);
- `import.sh`: `import.sh import [neo4j-admin options]` runs the importer (offline, server
  stopped), `import.sh finish` runs `finish.cypher` with cypher-shell (server started).

Fields are written by hand rather than with `csv`: the importer reads an unquoted empty
field as "no property" and a quoted one (`""`) as the empty string, a distinction the
`csv` module does not let us make per field.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from graphapi.errors import UsageError
from graphapi.incremental import KeptFiles, kept_files_of
from graphapi.model import MESSAGE_BODY_LIMIT, EdgeKind, NodeKind
from graphapi.neo4j_csv import (
    ARRAY_DELIMITER,
    csv_field,
    cypher_literal,
    edge_properties,
    finish_statements,
    map_literal,
    node_properties,
    quoted,
    spellable,
    split_by_types,
)
from graphapi.store.neo4j_write import (
    CURSORS_KEY,
    KEPT_FILES_KEY,
    META_LABEL,
    cursors_props,
)
from graphapi.store.networkx_store import NetworkXStore

__all__ = [
    "ARRAY_DELIMITER",
    "ImportFiles",
    "cypher_literal",
    "edge_properties",
    "export_import_files",
    "finish_statements",
    "node_properties",
]

_ARRAY_DELIMITER_OPTION = "U+001F"
#: Rows per server-side transaction of a `finish.cypher` statement.
FIXUP_ROWS = 10_000
#: The property marking a row whose unspelt values `finish.cypher` sets: the index of their
#: map in its statement (removed by it).
FIXUP_PROPERTY = "_fixup"
_MIN_READ_BUFFER = 4 * 1024 * 1024
#: A relationship row's fields that are not property columns (ends, labels, type) or are
#: written first (`disc`).
_REL_FIELDS = ("_s", "_t", "_sl", "_tl", "_type", "disc")


@dataclass(slots=True)
class ImportFiles:
    """What `export_import_files` wrote: counts, and the files the importer reads."""

    nodes: int = 0
    relationships: int = 0
    node_files: list[str] = field(default_factory=list)
    relationship_files: list[str] = field(default_factory=list)
    multiline_files: list[str] = field(default_factory=list)
    fixups: int = 0  # values set by finish.cypher rather than by the importer
    largest_field: int = 0  # characters: the importer's read buffer must hold it

    def line(self) -> str:
        return (
            f"{self.nodes} nodes and {self.relationships} relationships in "
            f"{len(self.node_files) + len(self.relationship_files)} CSV files"
            + (f" ({self.fixups} values set by finish.cypher)" if self.fixups else "")
        )


class _Writer:
    """Writes the CSV files and collects the values they cannot spell."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.files = ImportFiles()
        #: per (label or type, is a relationship type): each distinct map of unspelt values
        #: (as a Cypher literal) and its index, the row's `_fixup` property
        self.fixups: dict[tuple[str, bool], dict[str, int]] = defaultdict(dict)
        self._counts: dict[str, int] = defaultdict(int)

    def _path(self, stem: str) -> Path:
        self._counts[stem] += 1
        return self.out / f"{stem}-{self._counts[stem]}.csv"

    def nodes(self, label: str, rows: list[dict[str, Any]]) -> None:
        for columns, members in split_by_types(rows, ("key",)):
            header = [f"key:ID({label})", ":LABEL", *(f"{n}:{t}" for n, t in columns.items())]
            lines = (([quoted(row["key"]), label], row) for row in members)
            self._write_table(f"nodes-{label}", header, lines, columns, (label, False))
            self.files.nodes += len(members)

    def relationships(
        self, kind: EdgeKind, ends: tuple[str, str], rows: list[dict[str, Any]]
    ) -> None:
        source, target = ends
        for columns, members in split_by_types(rows, _REL_FIELDS):
            header = [f":START_ID({source})", f":END_ID({target})", ":TYPE", "disc:string"]
            header += [f"{n}:{t}" for n, t in columns.items()]
            lines = (
                ([quoted(row["_s"]), quoted(row["_t"]), kind.value, quoted(row["disc"])], row)
                for row in members
            )
            self._write_table(f"rels-{kind.value}", header, lines, columns, (kind.value, True))
            self.files.relationships += len(members)

    def _write_table(
        self,
        stem: str,
        header: list[str],
        lines: Iterator[tuple[list[str], dict[str, Any]]],
        columns: Mapping[str, str],
        owner: tuple[str, bool],
    ) -> None:
        """One CSV file: each row's leading fields, then its property cells; a row holding
        values no field can spell gets the index of their map in `_fixup` (a column only
        files with such rows have), for `finish.cypher` to set them."""
        rows: list[list[str]] = []
        marks: list[int | None] = []
        for start, row in lines:
            cells, unspelt = _cells(row, columns)
            rows.append(start + cells)
            marks.append(self._fixup(owner, unspelt) if unspelt else None)
        if any(mark is not None for mark in marks):
            header = [*header, f"{FIXUP_PROPERTY}:int"]
            for cells, mark in zip(rows, marks, strict=True):
                cells.append("" if mark is None else str(mark))
        listed = self.files.relationship_files if owner[1] else self.files.node_files
        self._write(self._path(stem), header, rows, listed)

    def _fixup(self, owner: tuple[str, bool], values: dict[str, Any]) -> int:
        """The index of `values` among `owner`'s maps of unspelt values (added if new)."""
        self.files.fixups += len(values)
        maps = self.fixups[owner]
        return maps.setdefault(map_literal(values), len(maps))

    def fixup_statements(self) -> Iterator[str]:
        """Per label (relationship type) with unspelt values: one statement setting each
        marked row's map and removing its mark, in server-side batches. The statement's
        size grows with the number of distinct maps, never with the number of rows."""
        for (name, relationship), maps in self.fixups.items():
            match = f"MATCH ()-[x:{name}]->()" if relationship else f"MATCH (x:{name})"
            listed = "[" + ", ".join(maps) + "]"
            yield (
                f"{match} WHERE x.{FIXUP_PROPERTY} IS NOT NULL "
                f"CALL (x) {{ SET x += {listed}[x.{FIXUP_PROPERTY}] REMOVE x.{FIXUP_PROPERTY} }} "
                f"IN TRANSACTIONS OF {FIXUP_ROWS} ROWS"
            )

    def _write(
        self, path: Path, header: list[str], lines: Iterable[list[str]], listed: list[str]
    ) -> None:
        multiline = False
        largest = self.files.largest_field
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(",".join(header) + "\n")
            for cells in lines:
                line = ",".join(cells)
                if not multiline and ("\n" in line or "\r" in line):
                    multiline = True
                largest = max(largest, max(map(len, cells)))
                handle.write(line + "\n")
        self.files.largest_field = largest
        listed.append(path.name)
        if multiline:
            self.files.multiline_files.append(path.name)


def _cells(row: Mapping[str, Any], columns: Mapping[str, str]) -> tuple[list[str], dict[str, Any]]:
    """A row's property fields in `columns` order, and the values no field can spell (their
    fields are left empty)."""
    cells = []
    unspelt: dict[str, Any] = {}
    for name in columns:
        value = row.get(name)
        if value is None:
            cells.append("")
        elif spellable(value):
            cells.append(csv_field(value))
        else:
            cells.append("")
            unspelt[name] = value
    return cells, unspelt


# -- the export ----------------------------------------------------------------------------------
def export_import_files(store: NetworkXStore, out: str | os.PathLike[str]) -> ImportFiles:
    """Write `store`'s whole graph, and the files it keeps, as importer files into `out`.

    `out` must be empty or not exist: files of an earlier export would be imported too.
    """
    target = Path(out)
    _prepare(target)
    writer = _Writer(target)
    try:
        _write_nodes(writer, store)
        _write_relationships(writer, store)
        _write_meta(writer, kept_files_of(store), store.cursors)
        _write_finish(target / "finish.cypher", writer.fixup_statements())
        _write_script(target / "import.sh", writer.files)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return writer.files


def _prepare(target: Path) -> None:
    try:
        target.mkdir(parents=True, exist_ok=True)
        if any(target.iterdir()):
            raise UsageError(f"{target} is not empty: export into a new or empty directory")
    except OSError as exc:
        raise UsageError(f"cannot use {target}: {exc.strerror or exc}") from exc


def _write_nodes(writer: _Writer, store: NetworkXStore) -> None:
    by_label: dict[NodeKind, list[dict[str, Any]]] = defaultdict(list)
    for _, attrs in store.graph.nodes(data=True):
        kind = attrs["kind"]
        by_label[kind].append(node_properties(kind, _with_body(store, attrs)))
    for kind in NodeKind:
        if by_label.get(kind):
            writer.nodes(kind.value, by_label[kind])


def _with_body(store: NetworkXStore, attrs: dict[str, Any]) -> dict[str, Any]:
    """A message node as the online writer has it: the embedded graph keeps bodies in its
    corpus (and database), Neo4j keeps them on the node."""
    if attrs["kind"] is not NodeKind.MESSAGE or "body" in attrs["props"]:
        return attrs
    held = store.corpus.messages.get(attrs["key"])
    if held is None:
        return attrs  # a message known only as a reply target has no body either way
    props = {**attrs["props"], "body": held.body[:MESSAGE_BODY_LIMIT]}
    return {**attrs, "props": props}


def _write_relationships(writer: _Writer, store: NetworkXStore) -> None:
    graph = store.graph
    groups: dict[tuple[EdgeKind, str, str], list[dict[str, Any]]] = defaultdict(list)
    for source, target, ekey, attrs in graph.edges(keys=True, data=True):
        kind: EdgeKind = attrs["kind"]
        start, end = graph.nodes[source], graph.nodes[target]
        ends = (start["kind"].value, end["kind"].value)
        row = edge_properties(ekey.partition(":")[2], attrs)
        row.update(_s=start["key"], _t=end["key"], _sl=ends[0], _tl=ends[1], _type=kind.value)
        groups[(kind, *ends)].append(row)
    for (kind, source_label, target_label), rows in sorted(groups.items(), key=_group_order):
        writer.relationships(kind, (source_label, target_label), rows)


def _group_order(item: tuple[tuple[EdgeKind, str, str], Any]) -> tuple[str, str, str]:
    kind, source, target = item[0]
    return kind.value, source, target


def _write_meta(writer: _Writer, kept: KeptFiles, cursors: Mapping[str, str]) -> None:
    """The meta nodes an online load writes: the kept files, and how far each source was
    read, so that a later `load --neo4j` reads only what is new since the exported load."""
    files = kept.as_dict()
    rows: list[dict[str, Any]] = [{"key": KEPT_FILES_KEY, **files}] if files else []
    if cursors:
        rows.append({"key": CURSORS_KEY, **cursors_props(cursors)})
    if rows:
        writer.nodes(META_LABEL, rows)


def _write_finish(path: Path, fixups: Iterable[str]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("// graphapi: run once on the started server after the import.\n")
        for statement in [*finish_statements(), *fixups]:
            handle.write(statement + ";\n")


def read_finish(path: str | os.PathLike[str]) -> list[str]:
    """The statements of a `finish.cypher` (one per line, `;`-terminated)."""
    statements = []
    for line in Path(path).read_text("utf-8").splitlines():
        if line and not line.startswith("//"):
            statements.append(line.removesuffix(";"))
    return statements


_SCRIPT = """#!/bin/sh
# Written by `graphapi export-graph --format neo4j-import`: a first load of an EMPTY Neo4j
# database at bulk speed, after which `graphapi load --neo4j ...` continues online.
#
#   ./import.sh import [neo4j-admin options]   with the server STOPPED (writes the store files)
#   ./import.sh finish [cypher-shell options]  once the server is started (constraints, ...)
#
# Environment: NEO4J_ADMIN (default neo4j-admin), CYPHER_SHELL (default cypher-shell),
# NEO4J_DATABASE (default neo4j), NEO4J_URI (default bolt://localhost:7687); cypher-shell
# reads NEO4J_USERNAME / NEO4J_PASSWORD itself.
set -eu
cd "$(dirname "$0")"
database="${{NEO4J_DATABASE:-neo4j}}"
step="${{1:-}}"
[ $# -gt 0 ] && shift
case "$step" in
import)
    # The database first: --nodes and --relationships take every argument after them.
    exec ${{NEO4J_ADMIN:-neo4j-admin}} database import full "$database" \\
        --array-delimiter={delimiter} --read-buffer-size={buffer} \\
{multiline}{nodes}{relationships}        "$@"
    ;;
finish)
    exec ${{CYPHER_SHELL:-cypher-shell}} -a "${{NEO4J_URI:-bolt://localhost:7687}}" \\
        -d "$database" -f finish.cypher "$@"
    ;;
*)
    echo "usage: $0 import [neo4j-admin options] | finish [cypher-shell options]" >&2
    exit 2
    ;;
esac
"""


def _write_script(path: Path, files: ImportFiles) -> None:
    multiline = ""
    if files.multiline_files:
        # v1 (every file may hold line breaks in quoted fields): the v2 chunker, which takes
        # the list of such files, fails on a CR in a quoted field that spans its chunks
        # ("found CR outside a text cell": Neo4j 5.26.30 on kvm-ppc).
        multiline = "        --multiline-fields=true \\\n"
    nodes = "".join(f"        --nodes={name} \\\n" for name in files.node_files)
    relationships = "".join(
        f"        --relationships={name} \\\n" for name in files.relationship_files
    )
    # Fields are counted in characters, the buffer in bytes (UTF-8: at most 4 per character).
    buffer = max(_MIN_READ_BUFFER, 4 * files.largest_field + 1024)
    path.write_text(
        _SCRIPT.format(
            delimiter=_ARRAY_DELIMITER_OPTION,
            buffer=buffer,
            multiline=multiline,
            nodes=nodes,
            relationships=relationships,
        ),
        encoding="utf-8",
    )
    path.chmod(0o755)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    """`python -m graphapi.neo4j_import finish DIR URI`: run `finish.cypher` without
    cypher-shell (through the project's own driver settings: $NEO4J_USER, ...)."""
    from graphapi.store.neo4j_store import Neo4jSettings, Neo4jStore

    parser = argparse.ArgumentParser(prog="python -m graphapi.neo4j_import")
    parser.add_argument("step", choices=["finish"])
    parser.add_argument("directory")
    parser.add_argument("uri", nargs="?")
    args = parser.parse_args(argv)
    statements = read_finish(Path(args.directory) / "finish.cypher")
    with (
        Neo4jStore.connect(Neo4jSettings.from_env(args.uri)) as store,
        store.driver.session(database=store.database) as session,
    ):
        for statement in statements:
            # auto-commit, as cypher-shell runs them: `CALL ... IN TRANSACTIONS` needs it
            session.run(statement).consume()
    print(f"ran {len(statements)} statements of finish.cypher", file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
