"""The importer's CSV tables, written as rows stream in: memory flat whatever the graph's size.

Split from `graphapi.neo4j_import` (which decides what rows there are). A table is one
label's nodes or one (type, start label, end label)'s relationships. Its header must name
every property column with one type before the first row, but which columns there are and
which properties change type between rows is only known after the last row. So each row is
encoded once, as it comes, into its fields (`neo4j_csv`), and spooled to a scratch file with
`marshal` (the fastest serialiser of plain lists and dicts); the table only remembers the
*shape* of each row (its property names and types: a handful per table). At the end
the shapes give the files: one per combination of the types of the properties whose type
varies (so that each column keeps one type), with the columns that file's rows use, and
the spooled rows are read back once into them.

A relationship's properties repeat (a patch's number in its series, a file's line counts,
a reply's empty map): their fields are encoded once per distinct JSON text and the spool
holds the index of that encoding. Values no field can spell (an empty list, ...) are left
empty and given to `finish.cypher` (`Tables.fixups`): the row holds the index of their map in
a `_fixup` column, present only in files that have such rows.
"""

from __future__ import annotations

import json
import marshal
import shutil
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from graphapi.neo4j_csv import (
    edge_properties,
    field_of,
    map_literal,
    quoted,
)

__all__ = [
    "FIXUP_PROPERTY",
    "FIXUP_ROWS",
    "SPOOL_ROWS",
    "ImportFiles",
    "Tables",
    "TablesPart",
    "fixup_statements",
    "merged",
]

#: Rows per server-side transaction of a `finish.cypher` statement.
FIXUP_ROWS = 10_000
#: The property marking a row whose unspelt values `finish.cypher` sets: the index of their
#: map in its statement (removed by it).
FIXUP_PROPERTY = "_fixup"
#: Relationship properties up to this long (JSON) are encoded once per distinct text; longer
#: ones (trailers, ...) rarely repeat, and remembering them would only grow the export.
SHARED_PROPS_LENGTH = 96
_SPOOL_BUFFER = 1 << 20
SPOOL_ROWS = 2_000  # rows per marshalled list in a spool

#: One property column: (name, importer type).
Column = tuple[str, str]
#: Where a file goes in the importer's lists: (0, label's rank, label, "", "", n) for a
#: node file, (1, 0, type, start label, end label, n) for a relationship file, n its place
#: among its table's files.
Rank = tuple[int, int, str, str, str, int]
#: (label or type, is a relationship type) -> each distinct map of unspelt values (as a
#: Cypher literal) and its index, the row's `_fixup` property
Fixups = dict[tuple[str, bool], dict[str, int]]


@dataclass(slots=True)
class ImportFiles:
    """What an export wrote: counts, and the files the importer reads."""

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


@dataclass(slots=True)
class TablesPart:
    """What one `Tables` wrote, to be merged with the other parts of a parallel export: its
    files (listed by `ranks`) and the unspelt values of its labels and types."""

    files: ImportFiles
    ranks: dict[str, Rank]
    fixups: Fixups


def merged(parts: list[TablesPart]) -> TablesPart:
    """One export's files from the parts that wrote its tables (each label and type in one
    part): listed as one `Tables` writing them all lists them."""
    files = ImportFiles()
    ranks: dict[str, Rank] = {}
    fixups: Fixups = {}
    for part in parts:
        files.nodes += part.files.nodes
        files.relationships += part.files.relationships
        files.fixups += part.files.fixups
        files.largest_field = max(files.largest_field, part.files.largest_field)
        files.node_files += part.files.node_files
        files.relationship_files += part.files.relationship_files
        files.multiline_files += part.files.multiline_files
        ranks.update(part.ranks)
        fixups.update(part.fixups)
    for listed in (files.node_files, files.relationship_files, files.multiline_files):
        listed.sort(key=ranks.__getitem__)
    return TablesPart(files, ranks, fixups)


def fixup_statements(fixups: Fixups) -> Iterator[str]:
    """Per label (relationship type) with unspelt values, labels first, by name: one
    statement setting each marked row's map and removing its mark, in server-side batches.
    The statement's size grows with the number of distinct maps, never with the number of
    rows."""
    for (name, relationship), maps in sorted(fixups.items(), key=lambda item: item[0][::-1]):
        match = f"MATCH ()-[x:{name}]->()" if relationship else f"MATCH (x:{name})"
        listed = "[" + ", ".join(maps) + "]"
        yield (
            f"{match} WHERE x.{FIXUP_PROPERTY} IS NOT NULL "
            f"CALL (x) {{ SET x += {listed}[x.{FIXUP_PROPERTY}] REMOVE x.{FIXUP_PROPERTY} }} "
            f"IN TRANSACTIONS OF {FIXUP_ROWS} ROWS"
        )


@dataclass(slots=True)
class _Encoded:
    """A row's property fields, the index of its shape in its table, and its `_fixup` mark."""

    cells: dict[str, str]
    shape: int
    mark: int | None


class _Table:
    """One label's (relationship triple's) rows: spooled as they come, written at the end."""

    def __init__(self, stem: str, header: list[str], owner: tuple[str, bool], spool: Path):
        self.stem, self.header, self.owner = stem, header, owner
        self.rows = 0
        #: (columns in row order, holds a mark) -> index: a table's rows have few shapes
        self.shapes: dict[tuple[tuple[Column, ...], bool], int] = {}
        self.shared: dict[str, int] = {}  # props JSON -> index in `encodings`
        self.encodings: list[_Encoded] = []
        self.spool_path = spool
        self.spool: IO[bytes] = spool.open("wb", buffering=_SPOOL_BUFFER)
        self.pending: list[tuple[Any, ...]] = []  # rows not spooled yet

    def shape_of(self, columns: tuple[Column, ...], marked: bool) -> int:
        return self.shapes.setdefault((columns, marked), len(self.shapes))

    def add(self, lead: str, encoded: _Encoded | int) -> None:
        """Spool one row: its leading fields (joined), and its encoding (or a shared one's
        index)."""
        if isinstance(encoded, int):
            self.pending.append((lead, encoded))
        else:
            self.pending.append((lead, encoded.cells, encoded.shape, encoded.mark))
        if len(self.pending) >= SPOOL_ROWS:
            self._spill()
        self.rows += 1

    def _spill(self) -> None:
        """The pending rows as one length-prefixed block: `marshal.loads` of bytes reads it
        back many times faster than `marshal.load` of a file, which reads object by object."""
        block = marshal.dumps(self.pending)
        self.spool.write(len(block).to_bytes(8, "little"))
        self.spool.write(block)
        self.pending = []

    def replay(self) -> Iterator[tuple[Any, ...]]:
        """The spooled rows as they were added, in that order (the spool is removed after):
        (lead, shared encoding's index) or (lead, cells, shape, mark)."""
        self.spool.close()
        with self.spool_path.open("rb", buffering=_SPOOL_BUFFER) as handle:
            while size := handle.read(8):
                yield from marshal.loads(handle.read(int.from_bytes(size, "little")))
        yield from self.pending
        self.pending = []
        self.spool_path.unlink()


@dataclass(slots=True)
class _File:
    """One CSV file of a table: its property columns, whether it has a `_fixup` column."""

    path: Path
    columns: list[Column]
    marked: bool
    handle: IO[str] | None = None
    multiline: bool = False


class Tables:
    """Every table of an export, and the values they cannot spell (for `finish.cypher`)."""

    def __init__(self, out: Path, scratch: str = ".spool") -> None:
        self.out = out
        self.files = ImportFiles()
        self.ranks: dict[str, Rank] = {}
        self.fixups: Fixups = defaultdict(dict)
        self._tables: dict[tuple[str, ...], _Table] = {}
        self._scratch = out / scratch
        self._scratch.mkdir()
        self._counts: dict[str, int] = defaultdict(int)

    # -- rows in ---------------------------------------------------------------------------
    def node(self, label: str, props: Mapping[str, Any]) -> None:
        """A node: `props` as the online writer stores them (with `key`)."""
        table = self._table((label,), f"nodes-{label}", [f"key:ID({label})", ":LABEL"], False)
        table.add(f"{quoted(props['key'])},{label}", self._encode(table, props, "key"))

    def relationship(
        self, kind: str, source: str, target: str, fields: str, props: str | Mapping[str, Any]
    ) -> None:
        """A relationship of type `kind` from a `source` to a `target` label: `fields` its
        leading fields joined (`neo4j_csv.edge_lead`: start key, end key, type, disc); `props`
        the graph's edge attributes (`kind` aside), or their JSON text (the database's row:
        encoded once per distinct short text)."""
        table = self._tables.get((kind, source, target))
        if table is None:
            table = self._table(
                (kind, source, target),
                f"rels-{kind}",
                [f":START_ID({source})", f":END_ID({target})", ":TYPE", "disc:string"],
                True,
            )
        if isinstance(props, str):
            found = table.shared.get(props)
            if found is None:
                encoding = self._encode(table, _stored(json.loads(props)), "disc")
                if len(props) > SHARED_PROPS_LENGTH:
                    table.add(fields, encoding)
                    return
                found = table.shared[props] = len(table.encodings)
                table.encodings.append(encoding)
            table.add(fields, found)
        else:
            table.add(fields, self._encode(table, _stored(props), "disc"))

    def _table(self, ident: tuple[str, ...], stem: str, header: list[str], rel: bool) -> _Table:
        table = self._tables.get(ident)
        if table is None:
            spool = self._scratch / f"{len(self._tables)}.spool"
            table = self._tables[ident] = _Table(stem, header, (ident[0], rel), spool)
        return table

    def _encode(self, table: _Table, props: Mapping[str, Any], fixed: str) -> _Encoded:
        """A row's property fields (every property but `fixed`, which leads the row), and the
        values no field can spell (their fields left empty) as a `_fixup` mark."""
        cells: dict[str, str] = {}
        columns: list[Column] = []
        unspelt: dict[str, Any] = {}
        for name, value in props.items():
            if name == fixed or value is None:
                continue
            kind, cell = field_of(value)
            columns.append((name, kind))
            if cell is None:
                unspelt[name] = value
            else:
                cells[name] = cell
        mark = self._fixup(table.owner, unspelt) if unspelt else None
        return _Encoded(cells, table.shape_of(tuple(columns), mark is not None), mark)

    def _fixup(self, owner: tuple[str, bool], values: dict[str, Any]) -> int:
        """The index of `values` among `owner`'s maps of unspelt values (added if new)."""
        self.files.fixups += len(values)
        maps = self.fixups[owner]
        return maps.setdefault(map_literal(values), len(maps))

    # -- files out -------------------------------------------------------------------------
    def finish(self, node_order: list[str]) -> None:
        """Write every table's files: nodes in `node_order` of labels (others after), then
        relationships by type, start and end label; the scratch directory is removed."""
        order = {label: index for index, label in enumerate(node_order)}
        tables: list[tuple[tuple[int, int, str, str, str], _Table]] = []
        for ident, table in self._tables.items():
            if table.owner[1]:
                tables.append(((1, 0, ident[0], ident[1], ident[2]), table))
            else:
                tables.append(((0, order.get(ident[0], len(order)), ident[0], "", ""), table))
        for rank, table in sorted(tables, key=lambda item: item[0]):
            self._write_table(table, rank)
        shutil.rmtree(self._scratch)

    def part(self) -> TablesPart:
        """What `finish` wrote, to merge with other parts (`merged`)."""
        return TablesPart(self.files, self.ranks, dict(self.fixups))

    def _write_table(self, table: _Table, rank: tuple[int, int, str, str, str]) -> None:
        files, file_of_shape = self._plan(table)
        self.ranks.update((csv.path.name, (*rank, n)) for n, csv in enumerate(files))
        for csv in files:
            csv.handle = csv.path.open("w", encoding="utf-8", newline="")
            extra = [f"{FIXUP_PROPERTY}:int"] if csv.marked else []
            columns = [f"{name}:{kind}" for name, kind in csv.columns]
            csv.handle.write(",".join([*table.header, *columns, *extra]) + "\n")
        largest = self.files.largest_field
        #: a shared encoding's file and fields after the lead (with their longest): spelt once
        tails: dict[int, tuple[_File, str, int]] = {}
        for row in table.replay():
            if len(row) == 2:
                lead, index = row
                found = tails.get(index)
                if found is None:
                    shared = table.encodings[index]
                    csv = file_of_shape[shared.shape]
                    found = tails[index] = (csv, *_tail(csv, shared.cells, shared.mark))
                csv, tail, longest = found
            else:
                lead, cells, shape, mark = row
                csv = file_of_shape[shape]
                tail, longest = _tail(csv, cells, mark)
            line = lead + tail
            if not csv.multiline and ("\n" in line or "\r" in line):
                csv.multiline = True
            if len(line) > largest:  # no field is longer than its line, nor a lead's field
                largest = max(largest, longest, len(lead))  # than the lead: a bound
            assert csv.handle is not None
            csv.handle.write(line + "\n")
        self.files.largest_field = largest
        listed = self.files.relationship_files if table.owner[1] else self.files.node_files
        for csv in files:
            assert csv.handle is not None
            csv.handle.close()
            listed.append(csv.path.name)
            if csv.multiline:
                self.files.multiline_files.append(csv.path.name)
        if table.owner[1]:
            self.files.relationships += table.rows
        else:
            self.files.nodes += table.rows

    def _plan(self, table: _Table) -> tuple[list[_File], dict[int, _File]]:
        """The files of a table, and the file of each row shape: a property whose type varies
        between rows splits them into one file per combination of such types."""
        types: dict[str, set[str]] = defaultdict(set)
        for columns, _ in table.shapes:
            for name, kind in columns:
                types[name].add(kind)
        mixed = sorted(name for name, seen in types.items() if len(seen) > 1)
        groups: dict[tuple[str, ...], list[tuple[int, tuple[Column, ...], bool]]] = defaultdict(
            list
        )
        for (columns, marked), index in table.shapes.items():
            present = dict(columns)
            groups[tuple(present.get(name, "") for name in mixed)].append((index, columns, marked))
        files: list[_File] = []
        by_shape: dict[int, _File] = {}
        for _signature, members in sorted(groups.items()):
            used: dict[str, str] = {}
            for _, columns, _ in members:
                used.update(columns)
            typed = sorted(used.items())
            marked = any(flag for _, _, flag in members)
            path = self._path(table.stem)
            csv = _File(path, typed, marked)
            files.append(csv)
            by_shape.update((index, csv) for index, _, _ in members)
        return files, by_shape

    def _path(self, stem: str) -> Path:
        self._counts[stem] += 1
        return self.out / f"{stem}-{self._counts[stem]}.csv"

    def discard(self) -> None:
        """After a failure: close and remove the spools."""
        for table in self._tables.values():
            table.spool.close()
        shutil.rmtree(self._scratch, ignore_errors=True)


def _tail(csv: _File, cells: dict[str, str], mark: int | None) -> tuple[str, int]:
    """A row's fields after its lead in `csv` (each after a comma; empty where the row has
    no such property), and the length of the longest."""
    fields = [cells.get(name, "") for name, _ in csv.columns]
    if csv.marked:
        fields.append("" if mark is None else str(mark))
    return "".join("," + f for f in fields), max(map(len, fields), default=0)


def _stored(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """An edge's properties as the online writer leaves them (`disc` aside: it leads the row)."""
    return edge_properties("", attrs)
