"""`export-graph --format neo4j-import`: the files, then a real import into Neo4j 5.26.

The unit tests read the CSV files and `finish.cypher` of a small hand-made graph. The Neo4j
tests run the export's own `import.sh` with Neo4j's admin tool (Maven Central), serve the
imported store and compare it, node by node and relationship by relationship, with the same
sources loaded online (`graphapi load --neo4j`); then an online load on top of the imported
database must give what two online loads give (the kept files come from the meta node).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from graphapi.cli import main
from graphapi.model import EdgeKind, EdgeRecord, GraphBatch, NodeKind, NodeRecord
from graphapi.neo4j_csv import ARRAY_DELIMITER, cypher_literal
from graphapi.neo4j_import import export_database_files, export_import_files, read_finish
from graphapi.neo4j_tables import SPOOL_ROWS
from graphapi.sample import write_sample_mbox
from graphapi.snapshot import read_snapshot
from graphapi.store.networkx_store import NetworkXStore
from tests.contract.conftest import split_mbox
from tests.neo4j_bulk import Dump, dump, run_finish, run_import
from tests.neo4j_server import neo4j_server

RELATIONS = Path(__file__).resolve().parents[1] / "fixtures" / "relations"


def _small_graph() -> NetworkXStore:
    store = NetworkXStore()
    store.write(
        GraphBatch(
            nodes=[
                NodeRecord(NodeKind.MESSAGE, "a@x", {"subject": 'say "hi"\r\nthere', "n": 1}),
                NodeRecord(NodeKind.MESSAGE, "b@x", {"subject": "two", "n": "one", "tags": []}),
                NodeRecord(NodeKind.FILE, "f.c", {"path": "f.c", "parts": ["a;b", ""]}),
            ],
            edges=[
                EdgeRecord(
                    EdgeKind.REPLY_TO,
                    (NodeKind.MESSAGE, "b@x"),
                    (NodeKind.MESSAGE, "a@x"),
                    {"order": 2, "note": None},
                    "d1",
                ),
            ],
        )
    )
    return store


def test_headers_types_and_quoting(tmp_path: Path) -> None:
    written = export_import_files(_small_graph(), tmp_path / "out")
    assert (written.nodes, written.relationships) == (3, 1)
    files = {p.name: p.read_bytes().decode() for p in (tmp_path / "out").glob("*.csv")}
    # `n` is a long on one message and a string on the other: one file per type.
    messages = sorted(v for k, v in files.items() if k.startswith("nodes-Message"))
    assert len(messages) == 2
    assert messages[0].startswith("key:ID(Message),:LABEL,")
    assert any(",n:long," in m.splitlines()[0] for m in messages)
    assert any(",n:string," in m.splitlines()[0] for m in messages)
    assert '"say ""hi""\r\nthere"' in "".join(messages)
    file_csv = next(v for k, v in files.items() if k.startswith("nodes-File"))
    assert "parts:string[]" in file_csv and f'"a;b{ARRAY_DELIMITER}"' in file_csv
    rel = next(v for k, v in files.items() if k.startswith("rels-REPLY_TO"))
    header, row = rel.splitlines()
    assert header.startswith(":START_ID(Message),:END_ID(Message),:TYPE,disc:string,")
    assert row.startswith('"b@x","a@x",REPLY_TO,"d1",')
    assert "_nulls:string[]" in header and '"note"' in row


def test_empty_lists_go_to_finish_cypher(tmp_path: Path) -> None:
    written = export_import_files(_small_graph(), tmp_path / "out")
    assert written.fixups == 1
    statements = read_finish(tmp_path / "out" / "finish.cypher")
    assert statements[0].startswith("CREATE CONSTRAINT graphapi_person_key IF NOT EXISTS")
    assert statements[-1] == (
        "MATCH (x:Message) WHERE x._fixup IS NOT NULL "
        "CALL (x) { SET x += [{`tags`: []}][x._fixup] REMOVE x._fixup } "
        "IN TRANSACTIONS OF 10000 ROWS"
    )
    # The row carries the index of its map; a file without such rows has no such column.
    files = {p.name: p.read_text("utf-8") for p in (tmp_path / "out").glob("nodes-*.csv")}
    marked = [text for text in files.values() if "_fixup:int" in text.splitlines()[0]]
    assert len(marked) == 1
    header, row = marked[0].splitlines()
    assert header.endswith(",_fixup:int") and row.startswith('"b@x",') and row.endswith(",0")


def test_fixups_share_one_statement_per_label(tmp_path: Path) -> None:
    """Rows with the same unspelt values share a map; the statement does not grow with rows."""
    store = NetworkXStore()
    nodes = [
        NodeRecord(NodeKind.FILE, f"f{i}.c", {"path": f"f{i}.c", "tags": []}) for i in range(50)
    ]
    nodes.append(NodeRecord(NodeKind.FILE, "g.c", {"path": "g.c", "tags": [""]}))
    store.write(GraphBatch(nodes=nodes, edges=[]))
    written = export_import_files(store, tmp_path / "out")
    assert written.fixups == 51
    statements = read_finish(tmp_path / "out" / "finish.cypher")
    fixes = [s for s in statements if "_fixup" in s]
    assert len(fixes) == 1
    assert "[{`tags`: []}, {`tags`: ['']}][x._fixup]" in fixes[0]
    rows = (tmp_path / "out" / "nodes-File-1.csv").read_text("utf-8").splitlines()[1:]
    assert sorted(row.rsplit(",", 1)[1] for row in rows) == ["0"] * 50 + ["1"]


def test_cypher_literals_escape_to_one_line() -> None:
    assert cypher_literal("it's\\\n\x00") == "'it\\'s\\\\\\n\\u0000'"
    assert cypher_literal([1, 2.5, True]) == "[1, 2.5, true]"


def test_export_refuses_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "old.csv").write_text("x", "utf-8")
    db = tmp_path / "g.db"
    assert main(["load", "--db", str(db), str(RELATIONS / "list.mbox")]) == 0
    code = main(
        ["export-graph", "--db", str(db), "--format", "neo4j-import", "--output", str(tmp_path)]
    )
    assert code == 1
    assert not (tmp_path / "import.sh").exists()


def test_rows_spooled_in_blocks_come_back_once_each_in_their_type_file(tmp_path: Path) -> None:
    """More rows than one spool block, a property of two types: every row once, in the file
    of its type, and the scratch spool removed."""
    count = 2 * SPOOL_ROWS + 7
    nodes = [
        NodeRecord(NodeKind.FILE, f"f{i}.c", {"path": f"f{i}.c", "size": i if i % 3 else str(i)})
        for i in range(count)
    ]
    store = NetworkXStore()
    store.write(GraphBatch(nodes=nodes, edges=[]))
    written = export_import_files(store, tmp_path / "out")
    assert written.nodes == count and not list((tmp_path / "out").glob(".spool*"))
    seen: dict[str, str] = {}
    for path in sorted((tmp_path / "out").glob("nodes-File-*.csv")):
        header, *rows = path.read_text("utf-8").splitlines()
        size_type = "long" if "size:long" in header else "string"
        for row in rows:
            key = row.split(",", 1)[0].strip('"')
            assert key not in seen
            seen[key] = size_type
    assert len(seen) == count
    assert all(t == ("long" if int(k[1:-2]) % 3 else "string") for k, t in seen.items())


def test_the_database_rows_export_as_the_graph_read_from_them(tmp_path: Path) -> None:
    """`export-graph` reads the database's rows; the same files as from its graph."""
    db = tmp_path / "g.db"
    sources = [*FILES, str(RELATIONS / "list.mbox"), *OPTIONS]
    assert main(["load", "--db", str(db), *sources]) == 0
    export_database_files(db, tmp_path / "rows", follow=False)
    export_import_files(read_snapshot(db), tmp_path / "graph")
    names = sorted(p.name for p in (tmp_path / "graph").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "rows").iterdir())
    assert any(name.startswith("rels-") for name in names)
    for name in names:
        assert (tmp_path / "rows" / name).read_bytes() == (tmp_path / "graph" / name).read_bytes()


# -- against a real Neo4j 5.26 -------------------------------------------------------------
FILES = [str(RELATIONS / n) for n in ("MAINTAINERS", "people.mailmap")]
OPTIONS = [
    "--aliases",
    str(RELATIONS / "aliases.txt"),
    "--company-map",
    str(RELATIONS / "companies.txt"),
]


def _cli(*args: str) -> str:
    """`graphapi ...` in a child process, as a user runs it; its stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "graphapi", *args], check=True, capture_output=True, text=True
    )
    return done.stderr


def _export(db: Path, out: Path, *options: str) -> None:
    _cli(
        "export-graph", "--db", str(db), "--format", "neo4j-import", "--output", str(out), *options
    )


def _clear(uri: str) -> None:
    with GraphDatabase.driver(uri, auth=None) as driver, driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")


def _dump(uri: str) -> Dump:
    with GraphDatabase.driver(uri, auth=None) as driver:
        return dump(driver)


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], list[str]]:
    """A database holding part A, and the `load` arguments of parts A and B."""
    tmp = tmp_path_factory.mktemp("parts")
    sample = tmp / "sample.mbox"
    write_sample_mbox(sample, series_count=12)
    first, second = split_mbox(sample, 2)
    part_a = [*FILES, str(RELATIONS / "list.mbox"), str(first), *OPTIONS]
    _cli("load", "--db", str(tmp / "a.db"), *part_a)
    return tmp / "a.db", part_a, [str(second)]


@pytest.fixture(scope="module")
def dumps(
    tmp_path_factory: pytest.TempPathFactory, parts: tuple[Path, list[str], list[str]]
) -> Iterator[dict[str, Dump]]:
    """Part A bulk-imported for merging loads, then part B merged online on top; then A and
    A+B both merged online."""
    tmp = tmp_path_factory.mktemp("bulk")
    db, part_a, part_b = parts
    _export(db, tmp / "a", "--merging")
    run_import(tmp / "a", tmp / "home")
    found: dict[str, Dump] = {}
    with neo4j_server(home=tmp / "home") as uri:
        run_finish(uri, tmp / "a")
        found["bulk A"] = _dump(uri)
        _cli("load", "--neo4j", uri, *part_b)
        found["bulk A + online B"] = _dump(uri)
        _clear(uri)
        _cli("load", "--neo4j", uri, *part_a)
        found["online A"] = _dump(uri)
        _cli("load", "--neo4j", uri, *part_b)
        found["online A + B"] = _dump(uri)
    yield found


@pytest.mark.neo4j
def test_a_bulk_import_holds_what_an_online_load_writes(dumps: dict[str, Dump]) -> None:
    nodes, rels = dumps["bulk A"]
    assert any(label == "GraphapiMeta" for label, _ in nodes)
    assert len(rels) > 100
    assert dumps["bulk A"] == dumps["online A"]


@pytest.mark.neo4j
def test_an_online_load_continues_from_a_bulk_import(dumps: dict[str, Dump]) -> None:
    assert dumps["bulk A + online B"] != dumps["bulk A"]
    assert dumps["bulk A + online B"] == dumps["online A + B"]


WHOLE_GRAPH = "wrote the whole graph"


@pytest.fixture(scope="module")
def followed(
    tmp_path_factory: pytest.TempPathFactory, parts: tuple[Path, list[str], list[str]]
) -> Iterator[dict[str, tuple[Dump, str]]]:
    """Part A's database exported as it is by default (the import follows the database),
    then part B loaded into both (`load --db --neo4j`); then Neo4j cleared and the same
    database written whole by a mirrored load with nothing new. Each dump with the stderr
    of the load that made it."""
    tmp = tmp_path_factory.mktemp("follow")
    db = tmp / "f.db"
    shutil.copy(parts[0], db)
    _export(db, tmp / "f")
    run_import(tmp / "f", tmp / "home")
    found: dict[str, tuple[Dump, str]] = {}
    with neo4j_server(home=tmp / "home") as uri:
        run_finish(uri, tmp / "f")
        found["bulk A"] = (_dump(uri), "")
        said = _cli("load", "--db", str(db), "--neo4j", uri, *parts[2])
        found["bulk A + mirrored B"] = (_dump(uri), said)
        _clear(uri)  # the mark too: the next mirrored load writes the whole graph
        said = _cli("load", "--db", str(db), "--neo4j", uri, *parts[2])
        found["A + B written whole"] = (_dump(uri), said)
    yield found


def _graph(dumped: Dump) -> Dump:
    nodes, rels = dumped
    return {k: v for k, v in nodes.items() if k[0] != "GraphapiMeta"}, rels


@pytest.mark.neo4j
def test_a_followed_import_carries_the_mirror_mark_and_the_same_graph(
    followed: dict[str, tuple[Dump, str]], dumps: dict[str, Dump]
) -> None:
    nodes, _ = followed["bulk A"][0]
    meta = {key: props for (label, key), props in nodes.items() if label == "GraphapiMeta"}
    assert list(meta) == ["mirror"]  # no cursors nor kept files: the database holds them
    assert isinstance(meta["mirror"]["generation"], int) and meta["mirror"]["database"]
    assert _graph(followed["bulk A"][0]) == _graph(dumps["online A"])


@pytest.mark.neo4j
def test_a_mirrored_load_continues_a_followed_import_with_its_changes_only(
    followed: dict[str, tuple[Dump, str]],
) -> None:
    continued, said = followed["bulk A + mirrored B"]
    assert WHOLE_GRAPH not in said
    assert continued != followed["bulk A"][0]
    whole, said_whole = followed["A + B written whole"]
    assert WHOLE_GRAPH in said_whole
    assert continued == whole  # the mark's generation moved on with the load, too
