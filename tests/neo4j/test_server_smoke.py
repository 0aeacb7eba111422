"""Smoke test of the throw-away Neo4j server (``tests/neo4j_server.py``)."""

from __future__ import annotations

import pytest
from neo4j import GraphDatabase

from tests.neo4j_server import neo4j_server

pytestmark = pytest.mark.neo4j


def test_server_runs_cypher_and_is_5_26() -> None:
    with neo4j_server() as uri, GraphDatabase.driver(uri, auth=None) as driver:
        records, _, _ = driver.execute_query("CREATE (n:Smoke {x: 1}) RETURN n.x AS x")
        assert [r["x"] for r in records] == [1]

        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD name, versions RETURN name, versions"
        )
        components = {r["name"]: r["versions"] for r in records}
        assert components["Neo4j Kernel"][0].startswith("5.26"), components

        records, _, _ = driver.execute_query("SHOW DATABASES YIELD name, currentStatus")
        statuses = {r["name"]: r["currentStatus"] for r in records}
        assert statuses.get("neo4j") == "online", statuses
