"""`export-graph --format neo4j-import`: the files, then a real import into Neo4j 5.26.

The unit tests read the CSV files and `finish.cypher` of a small hand-made graph. The Neo4j
tests run the export's own `import.sh` with Neo4j's admin tool (Maven Central), serve the
imported store and compare it, node by node and relationship by relationship, with the same
sources loaded online (`graphapi load --neo4j`); then an online load on top of the imported
database must give what two online loads give (the kept files come from the meta node).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from graphapi.cli import main
from graphapi.model import EdgeKind, EdgeRecord, GraphBatch, NodeKind, NodeRecord
from graphapi.neo4j_import import (
    ARRAY_DELIMITER,
    cypher_literal,
    export_import_files,
    read_finish,
)
from graphapi.sample import write_sample_mbox
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


# -- against a real Neo4j 5.26 -------------------------------------------------------------
FILES = [str(RELATIONS / n) for n in ("MAINTAINERS", "people.mailmap")]
OPTIONS = [
    "--aliases",
    str(RELATIONS / "aliases.txt"),
    "--company-map",
    str(RELATIONS / "companies.txt"),
]


def _cli(*args: str) -> None:
    """`graphapi ...` in a child process, as a user runs it."""
    subprocess.run([sys.executable, "-m", "graphapi", *args], check=True, capture_output=True)


def _clear(uri: str) -> None:
    with GraphDatabase.driver(uri, auth=None) as driver, driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")


def _dump(uri: str) -> Dump:
    with GraphDatabase.driver(uri, auth=None) as driver:
        return dump(driver)


@pytest.fixture(scope="module")
def dumps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Dump]]:
    """Part A bulk-imported, then part B online on top; then A and A+B both online."""
    tmp = tmp_path_factory.mktemp("bulk")
    sample = tmp / "sample.mbox"
    write_sample_mbox(sample, series_count=12)
    first, second = split_mbox(sample, 2)
    part_a = [*FILES, str(RELATIONS / "list.mbox"), str(first), *OPTIONS]
    part_b = [str(second)]
    _cli("load", "--db", str(tmp / "a.db"), *part_a)
    _cli(
        "export-graph",
        "--db",
        str(tmp / "a.db"),
        "--format",
        "neo4j-import",
        "--output",
        str(tmp / "a"),
    )
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
