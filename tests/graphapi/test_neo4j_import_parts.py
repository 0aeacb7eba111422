"""The bulk export on several processes (`graphapi.neo4j_parts`): the same files as one.

A database of the relation fixtures and a synthetic list is exported by one process and by
two or three; every file must be the same bytes. A child whose snapshot is not the
parent's (simulated: it is asked for another generation) must answer None and leave its
part to the parent, and the files must still be the same. Rows whose ends are not node ids
are refused in the parent and in a child alike.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from graphapi import neo4j_import, neo4j_parts
from graphapi.cli import main
from graphapi.errors import SnapshotError
from graphapi.neo4j_import import export_database_files
from graphapi.neo4j_parts import (
    BODY_CHAR_NS,
    PROPS_CHAR_NS,
    ROW_NS,
    Part,
    PartProcess,
    costs,
    plan,
)
from graphapi.neo4j_tables import TablesPart
from graphapi.sample import write_sample_mbox

RELATIONS = Path(__file__).resolve().parents[1] / "fixtures" / "relations"
SOURCES = [
    str(RELATIONS / "MAINTAINERS"),
    str(RELATIONS / "people.mailmap"),
    str(RELATIONS / "list.mbox"),
]
OPTIONS = [
    "--aliases",
    str(RELATIONS / "aliases.txt"),
    "--company-map",
    str(RELATIONS / "companies.txt"),
]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("parts")
    sample = tmp / "sample.mbox"
    write_sample_mbox(sample, series_count=8)
    assert main(["load", "--db", str(tmp / "g.db"), *SOURCES, str(sample), *OPTIONS]) == 0
    return tmp / "g.db"


@pytest.fixture(autouse=True)
def _parallel_however_small(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixtures' graph is far below the size worth a second process: split it anyway."""
    monkeypatch.setattr(neo4j_parts, "MIN_PARALLEL_COST", 0)


def _files(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


def test_two_or_three_processes_write_the_files_one_writes(database: Path, tmp_path: Path) -> None:
    one = export_database_files(database, tmp_path / "1", workers=1)
    expected = _files(tmp_path / "1")
    assert any(name.startswith("rels-") for name in expected)
    assert not any(name.startswith(".spool") for name in expected)
    for workers in (2, 3):
        many = export_database_files(database, tmp_path / str(workers), workers=workers)
        assert _files(tmp_path / str(workers)) == expected
        assert many == one


def test_a_child_reading_another_snapshot_leaves_its_part_to_the_parent(
    database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if a load committed between the parent's snapshot and the child's: the child must
    not write (it answers None), the parent writes its part from its own snapshot."""
    export_database_files(database, tmp_path / "1", workers=1)
    answers: list[TablesPart | None] = []
    start, answer = neo4j_parts.start_part, PartProcess.answer

    def later(database: Any, out: Path, index: int, part: Part, state: Any) -> PartProcess:
        return start(database, out, index, part, (state[0] + 1, state[1]))

    def recorded(self: PartProcess) -> TablesPart | None:
        answers.append(answer(self))
        return answers[-1]

    monkeypatch.setattr(neo4j_import, "start_part", later)
    monkeypatch.setattr(PartProcess, "answer", recorded)
    export_database_files(database, tmp_path / "2", workers=2)
    assert answers == [None]
    assert _files(tmp_path / "2") == _files(tmp_path / "1")


def test_the_plan_deals_every_label_and_type_once_costliest_first() -> None:
    labels = {"Patch": 4000, "Person": 40}
    types = {"REPLY_TO": 3000, "AUTHORED": 900, "TRAILER": 800}
    parts = plan(labels, types, 2)
    assert len(parts) == 2
    assert sorted(n for p in parts for n in p.labels) == sorted(labels)
    assert sorted(t for p in parts for t in p.types) == sorted(types)
    loads = [sum(labels[n] for n in p.labels) + sum(types[t] for t in p.types) for p in parts]
    assert loads[0] >= loads[1] > 0  # the parent's part is the costliest
    assert loads == [4700, 4040]  # longest first: 4000 | 3000, +900, +800 | +40
    assert plan({"Person": 1}, {}, 4) == [Part(("Person",), ())]  # never an empty part


def test_a_table_costs_its_rows_props_and_message_bodies() -> None:
    sizes = ({"Message": (10, 1000), "Person": (10, 1000)}, {"AUTHORED": (10, 20)}, 5000)
    labels, types = costs(sizes)
    person = 10 * ROW_NS + 1000 * PROPS_CHAR_NS
    assert labels == {"Person": person, "Message": person + 5000 * BODY_CHAR_NS}
    assert types == {"AUTHORED": 10 * ROW_NS + 20 * PROPS_CHAR_NS}


def test_a_small_graph_is_one_part(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(neo4j_parts, "MIN_PARALLEL_COST", 1000)
    assert plan({"Person": 100}, {"AUTHORED": 899}, 2) == [Part(("Person",), ("AUTHORED",))]
    assert len(plan({"Person": 100}, {"AUTHORED": 900}, 2)) == 2


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("source", ["Bogus:x", "nocolon", "Person:"])
def test_an_edge_whose_end_is_not_a_node_id_is_refused(
    database: Path, tmp_path: Path, workers: int, source: str
) -> None:
    broken = tmp_path / "broken.db"
    with sqlite3.connect(database) as conn, sqlite3.connect(broken) as copy:
        conn.backup(copy)
    with sqlite3.connect(broken) as conn:
        first = "SELECT source, target, ekey FROM edges LIMIT 1"
        conn.execute(
            f"UPDATE edges SET source = ? WHERE (source, target, ekey) = ({first})", [source]
        )
    with pytest.raises(SnapshotError):
        export_database_files(broken, tmp_path / "out", workers=workers)
    assert not list((tmp_path / "out").glob(".spool*"))  # no scratch left by any process
