"""The graph of the small digest fixture, built once per session."""

from __future__ import annotations

from typing import Any

import pytest

from graphapi.loading import load_sources
from graphapi.schema import Context, schema
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from tests.conftest import FIXTURES

SMALL_DIGEST = FIXTURES / "digest" / "small.txt"


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
