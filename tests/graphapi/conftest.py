"""Shared fixtures: the graph of the small digest fixture, built once per session; a sample
list's database; a connection to a module's database (`saved`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphapi import database
from graphapi.loading import load_sources
from graphapi.sample import write_sample_mbox
from graphapi.schema import Context, schema
from graphapi.snapshot import write_snapshot
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from tests.conftest import FIXTURES

SMALL_DIGEST = FIXTURES / "digest" / "small.txt"


def sample_database(root: Path, series_count: int) -> Path:
    """A database (`root/g.db`) of a synthetic list of `series_count` series."""
    mbox = root / "list.mbox"
    write_sample_mbox(mbox, series_count=series_count)
    store = NetworkXStore()
    load_sources(store, [mbox])
    write_snapshot(store, root / "g.db")
    return root / "g.db"


@pytest.fixture
def conn(saved: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the module's database: the module defines the `saved` fixture."""
    connection = database.connect(saved)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def digest_store() -> NetworkXStore:
    store = NetworkXStore()
    load_sources(store, [SMALL_DIGEST], load_company_map())
    return store


def run(store: NetworkXStore, query: str, **variables: Any) -> dict[str, Any]:
    """Execute a query in-process; fail the test on any GraphQL error."""
    result = schema.execute_sync(
        query, variable_values=variables or None, context_value=Context(store=store)
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


def run_errors(store: NetworkXStore, query: str, **variables: Any) -> list[str]:
    """The error messages a query gets (it must get some)."""
    result = schema.execute_sync(
        query, variable_values=variables or None, context_value=Context(store=store)
    )
    assert result.errors, "expected the query to be refused"
    return [e.message for e in result.errors]
