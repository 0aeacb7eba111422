"""Shared fixtures: paths to the project's own fixtures and to the shared corpora.

Tests that need `../shared/corpora` skip with a reason when it is absent, and fail instead
when `CI=true` (CI always has it, so a skip there would hide a broken setup).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from graphapi.store.neo4j_store import Neo4jStore

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
CORPORA = ROOT.parent / "shared" / "corpora"


def corpus_file(name: str) -> Path:
    """A file of the shared corpora, or skip (fail under CI) when it is missing."""
    path = CORPORA / name
    if not path.exists():
        message = f"shared corpus {path} is absent"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: corpora must be present)")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    """A real Neo4j for the session: `NEO4J_URI` when set, else one started from Maven artifacts.

    Without `NEO4J_URI`, Java and Maven are needed to build and start the test server; where
    they are missing the Neo4j tests skip with one line saying how to enable them (and fail
    under `CI=true`, where `.ci/run` requires them).
    """
    from tests.neo4j_server import NEO4J_URI_ENV, neo4j_server

    if not os.environ.get(NEO4J_URI_ENV):
        missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
        if missing:
            message = (
                f"Neo4j tests need {' and '.join(missing)} (Java 17 and Maven build the test "
                f"server) or {NEO4J_URI_ENV}=bolt://... naming a running Neo4j 5"
            )
            if os.environ.get("CI") == "true":
                pytest.fail(message + " (CI=true: the Neo4j tests are required)")
            pytest.skip(message)
    with neo4j_server() as uri:
        yield uri


@pytest.fixture(scope="session")
def neo4j_store(neo4j_uri: str) -> Iterator[Neo4jStore]:
    """The session server's database behind a `Neo4jStore` (notifications off)."""
    from neo4j import GraphDatabase

    from graphapi.store.neo4j_store import Neo4jStore

    driver = GraphDatabase.driver(neo4j_uri, auth=None, notifications_min_severity="OFF")
    store = Neo4jStore(driver, os.environ.get("NEO4J_DATABASE") or "neo4j")
    yield store
    driver.close()
