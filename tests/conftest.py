"""Shared fixtures: paths to the project's own fixtures and to the shared corpora.

Tests that need `../shared/corpora` skip with a reason when it is absent, and fail instead
when `CI=true` (CI always has it, so a skip there would hide a broken setup).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

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
    """A real Neo4j for the session: `NEO4J_URI` when set, else one started from Maven artifacts."""
    from tests.neo4j_server import neo4j_server

    with neo4j_server() as uri:
        yield uri
