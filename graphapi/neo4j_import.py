"""A whole graph as `neo4j-admin database import full` files: a first load at bulk speed.

The online Neo4j writer (`store.neo4j_write`) merges thousands of rows per transaction;
Neo4j's offline importer writes the store files directly, orders of magnitude faster, but
only into an empty database. `export_database_files` (the CLI's `export-graph --format
neo4j-import`) reads a database's rows (`neo4j_rows`), `export_import_files` a store's graph;
both write, through `neo4j_tables` (spooled, memory flat), what the online writer would have
written for the same graph (`neo4j_codec.encode_node` for nodes, the props `write_edges`
leaves on a relationship), so a bulk-loaded database answers exactly as an online-loaded one
and later online loads (`graphapi load --neo4j`) continue from it:

- `nodes-<Label>-<n>.csv`: `key:ID(<Label>)` (each label its own ID space, as keys are
  unique per label only), `:LABEL`, then one typed column per property (`name:string[]`,
  `order:long`, ...). A property whose type varies between nodes of a label splits them
  into one file per combination of its types, so every column keeps one type;
- `rels-<TYPE>-<n>.csv`: `:START_ID(<Label>)`, `:END_ID(<Label>)`, `:TYPE`, `disc`, props;
- a `GraphapiMeta` node: from a database, by default, the mirror mark (`neo4j_mirror`: the
  database's identity and the generation exported), so that the next `load --db FILE
  --neo4j` writes only what it changes; otherwise (`--merging`, or a store) the nodes
  holding the kept MAINTAINERS / mailmap / aliases / company map text and the exported
  load's cursors, as `Neo4jStore.record_load` stores them (a later merging `load --neo4j`
  of the same sources reads only what is new since);
- `finish.cypher`: the key constraints the online store creates (same names, so its
  `ensure_schema` finds them), then the values a CSV field cannot spell (an empty list, a
  list holding an empty string or the array delimiter): a row holding some carries the
  index of their map in a `_fixup` property, and one statement per label or type sets the
  maps and removes the marks (its text grows with the distinct maps, not with the rows);
- `import.sh`: `import.sh import [neo4j-admin options]` runs the importer (offline, server
  stopped), `import.sh finish` runs `finish.cypher` with cypher-shell (server started).

From a database, a graph large enough is written on every core (`neo4j_parts`: labels and
types dealt between processes reading one snapshot); the files are the same bytes.

Fields are written by hand rather than with `csv`: the importer reads an unquoted empty
field as "no property" and a quoted one (`""`) as the empty string, a distinction the
`csv` module does not let us make per field.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from graphapi.errors import UsageError
from graphapi.gcpause import paused_gc
from graphapi.incremental import KeptFiles, kept_files_of
from graphapi.model import MESSAGE_BODY_LIMIT, NodeKind
from graphapi.neo4j_csv import edge_lead, finish_statements
from graphapi.neo4j_mirror import MIRROR_KEY, mirror_mark
from graphapi.neo4j_parts import costs, plan, start_part, write_part, write_tables
from graphapi.neo4j_rows import DatabaseRows, EdgeRow, NodeRow
from graphapi.neo4j_tables import ImportFiles, TablesPart, fixup_statements, merged
from graphapi.store.neo4j_write import (
    CURSORS_KEY,
    KEPT_FILES_KEY,
    META_LABEL,
    cursors_props,
)
from graphapi.store.networkx_store import NetworkXStore
from loaders.mail.parallel import worker_count

__all__ = ["ImportFiles", "export_database_files", "export_import_files", "read_finish"]

_ARRAY_DELIMITER_OPTION = "U+001F"
_MIN_READ_BUFFER = 4 * 1024 * 1024


# -- the export ----------------------------------------------------------------------------------
def export_import_files(store: NetworkXStore, out: str | os.PathLike[str]) -> ImportFiles:
    """Write `store`'s whole graph, and the files it keeps, as importer files into `out`.

    `out` must be empty or not exist: files of an earlier export would be imported too.
    """
    graph = store.graph

    def nodes() -> Iterator[NodeRow]:
        for _, attrs in graph.nodes(data=True):
            attrs = _with_body(store, attrs)
            yield (
                attrs["kind"],
                attrs["key"],
                attrs["props"],
                attrs.get("names"),
                attrs["placeholder"],
            )

    def edges() -> Iterator[EdgeRow]:
        for source, target, ekey, attrs in graph.edges(keys=True, data=True):
            start, end = graph.nodes[source], graph.nodes[target]
            kind, disc = attrs["kind"].value, ekey.partition(":")[2]
            lead = edge_lead(start["key"], end["key"], kind, disc)
            yield kind, start["kind"].value, end["kind"].value, lead, attrs

    meta = _merging_meta(kept_files_of(store), store.cursors)
    return _export(out, nodes(), edges(), meta)


def export_database_files(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    follow: bool = True,
    workers: int | None = None,
) -> ImportFiles:
    """Write the graph of the database at `path` as importer files into `out`, straight from
    its rows (`neo4j_rows`): no graph is built, and memory stays flat however large it is.

    `follow`: the imported Neo4j follows the database, as after `load --db FILE --neo4j`
    (the mirror mark: the database's identity and generation), so that the next such load
    writes only what it changed. Otherwise it carries the cursors and kept files, for
    merging loads (`load --neo4j` without `--db`).

    `workers`: processes writing the tables (`neo4j_parts`; default `$GRAPHAPI_WORKERS`, else
    the usable CPUs); the files are the same whatever their number.
    """
    with DatabaseRows(path, identify=follow) as rows:
        if follow:
            meta = [{"key": MIRROR_KEY, **mirror_mark(rows.uuid, rows.generation)}]
        else:
            meta = _merging_meta(rows.kept_files(), rows.cursors())
        count = worker_count(workers)
        if count <= 1:
            return _export(out, rows.nodes(), rows.edges(), meta)
        return _export_parts(path, out, rows, meta, count)


@paused_gc()  # every row is freed by its count: no cycles worth a collection
def _export(
    out: str | os.PathLike[str],
    nodes: Iterable[NodeRow],
    edges: Iterable[EdgeRow],
    meta: list[dict[str, Any]],
) -> ImportFiles:
    target = _prepare(out)
    return _finish(target, [write_tables(target, nodes, edges, (META_LABEL, meta))])


@paused_gc()
def _export_parts(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    rows: DatabaseRows,
    meta: list[dict[str, Any]],
    count: int,
) -> ImportFiles:
    """The tables dealt between this process (the first part, and the meta rows) and
    children (the others), each reading the snapshot `rows` reads (`neo4j_parts`); a small
    graph is one part, written here."""
    target = _prepare(out)
    parts = plan(*costs(rows.sizes()), count)
    state = rows.state()
    children = [start_part(path, target, i, part, state) for i, part in enumerate(parts[1:], 1)]
    try:
        written = [write_part(rows, target, 0, parts[0], (META_LABEL, meta))]
        for index, child in enumerate(children, 1):
            answer = child.answer()
            if answer is None:  # a load committed before the child began: read it here
                answer = write_part(rows, target, index, parts[index])
            written.append(answer)
    except BaseException:  # a child killed mid-table leaves its spools: they go too
        for child in children:
            child.stop()
        for scratch in target.glob(".spool-*"):
            shutil.rmtree(scratch, ignore_errors=True)
        raise
    return _finish(target, written)


def _finish(target: Path, written: list[TablesPart]) -> ImportFiles:
    """`finish.cypher` and `import.sh` for the tables written (in one part or several)."""
    whole = merged(written)
    try:
        _write_finish(target / "finish.cypher", fixup_statements(whole.fixups))
        _write_script(target / "import.sh", whole.files)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return whole.files


def _prepare(out: str | os.PathLike[str]) -> Path:
    target = Path(out)
    try:
        target.mkdir(parents=True, exist_ok=True)
        if any(target.iterdir()):
            raise UsageError(f"{target} is not empty: export into a new or empty directory")
    except OSError as exc:
        raise UsageError(f"cannot use {target}: {exc.strerror or exc}") from exc
    return target


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


def _merging_meta(kept: KeptFiles, cursors: Mapping[str, str]) -> list[dict[str, Any]]:
    """The meta nodes a merging online load writes: the kept files, and how far each source
    was read, so that a later `load --neo4j` reads only what is new since the exported load."""
    files = kept.as_dict()
    rows: list[dict[str, Any]] = [{"key": KEPT_FILES_KEY, **files}] if files else []
    if cursors:
        rows.append({"key": CURSORS_KEY, **cursors_props(cursors)})
    return rows


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
