"""The CLI in-process: load, query, export-schema, and one-line errors on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphapi.cli import build_parser, main
from tests.conftest import ROOT
from tests.graphapi.conftest import SMALL_DIGEST


def _load(db: Path, *sources: Path) -> int:
    return main(["load", "--db", str(db), *map(str, sources)])


def test_load_then_query(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "g.db"
    assert _load(db, SMALL_DIGEST) == 0
    summary = capsys.readouterr().out
    assert "read 5 / loaded 5 / duplicates 0 / defective 0 / skipped 0" in summary
    assert main(["query", "--db", str(db), '{ person(email: "tberg@google.com") { name } }']) == 0
    assert json.loads(capsys.readouterr().out) == {"data": {"person": {"name": "Tom Berg"}}}


def test_reload_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "g.db"
    _load(db, SMALL_DIGEST)
    first = db.read_bytes()
    capsys.readouterr()
    assert _load(db, SMALL_DIGEST) == 0
    assert "read 5 / loaded 0 / duplicates 5" in capsys.readouterr().out
    query = "{ stats { messages people companies series patches files } }"
    main(["query", "--db", str(db), query])
    again = json.loads(capsys.readouterr().out)
    db.write_bytes(first)
    main(["query", "--db", str(db), query])
    assert json.loads(capsys.readouterr().out) == again


def test_a_load_says_how_the_graph_took_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh load rebuilds and says so; an update says how much it re-assembled; a load
    that finds nothing new says nothing of the graph; a new .mailmap rebuilds, saying why."""
    monkeypatch.setenv("GRAPHAPI_REGION_SHARE", "1")  # these fixtures are tiny corpora
    db, series = tmp_path / "g.db", ROOT / "tests" / "fixtures" / "series"
    _load(db, series / "coverless_reroll.mbox")
    assert "  graph: rebuilt whole (a fresh load)" in capsys.readouterr().out.splitlines()
    _load(db, series / "partial_resend.mbox")
    lines = capsys.readouterr().out.splitlines()
    assert "  graph: updated in place, 6 of 11 messages re-assembled" in lines, lines
    _load(db, series / "partial_resend.mbox")
    assert not [line for line in capsys.readouterr().out.splitlines() if "graph:" in line]
    _load(db, ROOT / "tests" / "fixtures" / "mailmap" / "people.mailmap")
    changed = "  graph: rebuilt whole (MAINTAINERS, .mailmap, aliases or the company map changed)"
    assert changed in capsys.readouterr().out.splitlines()


def test_query_with_variables_and_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "g.db"
    _load(db, SMALL_DIGEST)
    capsys.readouterr()
    code = main(
        [
            "query",
            "--db",
            str(db),
            "query($e: String!) { person(email: $e) { name } }",
            "--variables",
            '{"e": "ana.lopez@intel.com"}',
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["data"]["person"]["name"] == "Ana Lopez"
    assert main(["query", "--db", str(db), "{ nosuchfield }"]) == 1
    response = json.loads(capsys.readouterr().out)
    assert "nosuchfield" in response["errors"][0]["message"]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.txt", b"", "empty file"),
        ("binary.bin", b"\x00\x01\x02\xff" * 100, "binary file"),
        ("notes.txt", b"just some notes\n", "unknown format"),
    ],
)
def test_bad_source_gives_one_line_and_keeps_snapshot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, expected: str
) -> None:
    db = tmp_path / "g.db"
    _load(db, SMALL_DIGEST)
    before = db.read_bytes()
    capsys.readouterr()
    source = tmp_path / name
    source.write_bytes(content)
    assert _load(db, source) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err
    assert db.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("g.db")] == ["g.db"]


def test_missing_source_and_plain_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "g.db"
    assert _load(db, tmp_path / "nope.txt") == 1
    assert "no such file" in capsys.readouterr().err
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "readme.md").write_text("# not mail\n")
    assert _load(db, plain) == 1
    assert "graphapi: error:" in capsys.readouterr().err
    assert not db.exists()


def test_truncated_digest_counts_defects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SMALL_DIGEST.read_text("utf-8")
    cut = text[: text.index("Author: Tom Berg")]  # the last but one entry loses its Author line
    cut += "\n"
    source = tmp_path / "cut.txt"
    source.write_text(cut, "utf-8")
    assert _load(tmp_path / "g.db", source) == 0
    out = capsys.readouterr().out
    assert "read 4 / loaded 4" in out and "defective 1" in out
    assert "no parsable Author" in out


def test_query_without_graph_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", "--db", str(tmp_path / "none.db"), "{ stats { people } }"]) == 1
    assert "graphapi load" in capsys.readouterr().err


def test_corrupt_snapshot_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "bad.db"
    db.write_bytes(b"GRAPHAPI-SNAPSHOT 1\n" + b"garbage")
    assert main(["query", "--db", str(db), "{ stats { people } }"]) == 1
    assert "once to migrate it" in capsys.readouterr().err
    assert main(["load", "--db", str(db)]) == 1
    assert "cannot read the older snapshot" in capsys.readouterr().err
    assert db.read_bytes() == b"GRAPHAPI-SNAPSHOT 1\n" + b"garbage"
    db.write_bytes(b"SQLite format 3\x00" + b"garbage" * 100)
    assert main(["query", "--db", str(db), "{ stats { people } }"]) == 1
    assert "cannot open" in capsys.readouterr().err


def test_schema_file_matches_export(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export-schema"]) == 0
    assert capsys.readouterr().out == (ROOT / "schema.graphql").read_text("utf-8")


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert f"graphapi {name}" in readme, f"README does not document 'graphapi {name}'"


def test_a_reader_that_leaves_early_gets_no_traceback() -> None:
    """`graphapi export-schema | head -1`: the pipe closes under the writer (here before it
    writes at all, so the write fails whatever the pipe's buffer holds)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "graphapi", "export-schema"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    error = done.stderr.decode()
    assert done.returncode == 141, error
    assert "Traceback" not in error and "BrokenPipe" not in error


def test_a_load_imports_neither_graphql_nor_strawberry_nor_the_neo4j_driver(
    tmp_path: Path,
) -> None:
    """A load that finds nothing new takes well under a second, most of it imports: the
    GraphQL stack (graphql-core, Strawberry) and the Neo4j driver are only for commands
    that answer queries or talk to Neo4j."""
    db = tmp_path / "g.db"
    probe = (
        "import sys\n"
        "from graphapi.cli import main\n"
        f"code = main(['load', '--quiet', '--db', {str(db)!r}, {str(SMALL_DIGEST)!r}])\n"
        "loaded = sorted(m for m in ('graphql', 'strawberry', 'neo4j') if m in sys.modules)\n"
        "print(code, loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.splitlines()[-1] == "0 []", done.stdout + done.stderr
