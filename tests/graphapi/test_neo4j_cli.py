"""`graphapi load/query/export-graph --neo4j URI` in-process against the session's Neo4j.

Loading through the CLI gives the same answers as the embedded store loaded from the same
file, a re-load only finds duplicates, and the connection comes from $NEO4J_URI (and
$NEO4J_DATABASE) with `--neo4j=`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphapi.cli import main
from graphapi.store.neo4j_store import Neo4jStore
from tests.graphapi.conftest import SMALL_DIGEST

pytestmark = pytest.mark.neo4j

QUERY = """{ stats { messages people companies series patches files
  topContributors { person { name } count } }
  person(email: "ana.lopez@intel.com") { name reviewers { person { name } count } } }"""


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_load_then_query_matches_the_embedded_store(
    neo4j_store: Neo4jStore,
    neo4j_uri: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    neo4j_store.clear()
    code, out = _run(capsys, "load", "--neo4j", neo4j_uri, str(SMALL_DIGEST))
    assert code == 0
    assert "read 5 / loaded 5 / duplicates 0 / defective 0 / skipped 0" in out
    code, out = _run(capsys, "load", "--neo4j", neo4j_uri, str(SMALL_DIGEST))
    assert code == 0 and "read 5 / loaded 0 / duplicates 5" in out

    db = tmp_path / "g.db"
    _run(capsys, "load", "--db", str(db), str(SMALL_DIGEST))
    code, embedded = _run(capsys, "query", "--db", str(db), QUERY)
    assert code == 0
    code, on_neo4j = _run(capsys, "query", "--neo4j", neo4j_uri, QUERY)
    assert code == 0
    assert json.loads(on_neo4j) == json.loads(embedded)
    assert json.loads(on_neo4j)["data"]["stats"]["people"] == 5

    out_file = tmp_path / "net.json"
    code, _ = _run(
        capsys,
        *("export-graph", "--neo4j", neo4j_uri, "--format", "cytoscape"),
        *("--output", str(out_file)),
    )
    assert code == 0 and json.loads(out_file.read_text())["elements"]["nodes"]


def test_connection_settings_come_from_the_environment(
    neo4j_store: Neo4jStore,
    neo4j_uri: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NEO4J_URI", neo4j_uri)
    monkeypatch.delenv("NEO4J_USER", raising=False)
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    monkeypatch.setenv("NEO4J_DATABASE", "neo4j")
    code, out = _run(capsys, "query", "--neo4j=", "{ stats { messages } }")
    assert code == 0 and "messages" in json.loads(out)["data"]["stats"]

    monkeypatch.setenv("NEO4J_DATABASE", "no-such-database")
    assert main(["query", "--neo4j=", "{ stats { messages } }"]) == 1
    err = capsys.readouterr().err
    assert "database 'no-such-database'" in err and len(err.strip().splitlines()) == 1

    monkeypatch.delenv("NEO4J_URI")
    assert main(["query", "--neo4j=", "{ stats { messages } }"]) == 1
    assert "no Neo4j URI" in capsys.readouterr().err


def test_aliases_and_company_map_are_kept_with_neo4j(
    neo4j_store: Neo4jStore,
    neo4j_uri: str,
    tmp_path: Path,
) -> None:
    """Given alone, they are kept in the database for later loads (as `--db` keeps them)."""
    neo4j_store.clear()
    aliases = tmp_path / "aliases.txt"
    aliases.write_text("a@example.org: b@example.org\n")
    companies = tmp_path / "companies.txt"
    companies.write_text("example.org: Example Inc\n")
    argv = ["load", "--neo4j", neo4j_uri, "--aliases", str(aliases)]
    assert main([*argv, "--company-map", str(companies)]) == 0
    assert neo4j_store.kept_files() == {
        "aliases": aliases.read_text(),
        "company_map": companies.read_text(),
    }
    assert main(["load", "--neo4j", neo4j_uri]) == 1  # nothing to load
