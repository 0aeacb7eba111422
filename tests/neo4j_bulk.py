"""Running a `graphapi export-graph --format neo4j-import` directory on the test server.

`run_import` runs the export's own `import.sh import` with `tests/neo4j/neo4j-admin` (Neo4j
5.26's admin tool from Maven Central) into a DBMS home that `neo4j_server(home=...)` then
serves; `run_finish` runs its `finish.cypher` as `import.sh finish` would with cypher-shell.
`dump` reads a whole database back (every node and relationship with its properties), to
compare a bulk-loaded database with an online-loaded one exactly.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from neo4j import Driver, GraphDatabase

from graphapi.neo4j_import import read_finish

__all__ = ["NEO4J_ADMIN", "Dump", "dump", "run_finish", "run_import"]

#: neo4j-admin for tests (`org.neo4j.cli.AdminTool` on the test server's class path).
NEO4J_ADMIN = Path(__file__).resolve().parent / "neo4j" / "neo4j-admin"

NodeId = tuple[str, str]  # (label, key)
RelId = tuple[str, str, str, str, str, str]  # (start label, key, type, disc, end label, key)
Dump = tuple[dict[NodeId, dict[str, Any]], dict[RelId, dict[str, Any]]]


def run_import(export: Path, home: Path, *extra: str) -> None:
    """`export/import.sh import` into `home` (created); RuntimeError with its output if it fails."""
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, NEO4J_ADMIN=str(NEO4J_ADMIN), NEO4J_HOME=str(home))
    done = subprocess.run(
        ["sh", str(export / "import.sh"), "import", *extra],
        env=env,
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-3000:]
        raise RuntimeError(f"import.sh import failed ({done.returncode}):\n{tail}")


def run_finish(uri: str, export: Path) -> int:
    """Run `export/finish.cypher` statement by statement; how many statements ran."""
    statements = read_finish(export / "finish.cypher")
    with GraphDatabase.driver(uri, auth=None) as driver, driver.session() as session:
        for statement in statements:
            session.run(statement).consume()  # auto-commit, as cypher-shell runs them
    return len(statements)


_NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
_RELS = (
    "MATCH (a)-[r]->(b) RETURN labels(a)[0] AS sl, a.key AS sk, type(r) AS type, "
    "properties(r) AS props, labels(b)[0] AS tl, b.key AS tk"
)


def dump(driver: Driver) -> Dump:
    """Every node by (label, key) and relationship by its ends, type and disc, with props."""
    nodes: dict[NodeId, dict[str, Any]] = {}
    for row in driver.execute_query(_NODES).records:
        labels = sorted(row["labels"])
        assert len(labels) == 1, labels
        props = dict(row["props"])
        nodes[(labels[0], props["key"])] = props
    rels: dict[RelId, dict[str, Any]] = {}
    for row in driver.execute_query(_RELS).records:
        props = dict(row["props"])
        ident = (row["sl"], row["sk"], row["type"], str(props["disc"]), row["tl"], row["tk"])
        assert ident not in rels, ident
        rels[ident] = props
    return nodes, rels
