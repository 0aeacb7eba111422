"""Every query of the API answered identically by NetworkXStore and Neo4jStore.

Both stores are built from the same sources with `load_into_store`; each query runs through
the GraphQL schema against both and the JSON responses (data and errors) must be equal,
ordering included. Connections are followed page by page with the cursors they return.
Each item of a page whose relations are batched per resolver level answers as that node
asked alone does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest

from graphapi.schema import Context, schema
from graphapi.store.base import GraphStore
from tests.contract.conftest import StorePair
from tests.contract.queries import (
    DEEP_LISTS,
    Case,
    deep_list,
    entity_cases,
    list_cases,
    node_as,
    view_cases,
)

pytestmark = pytest.mark.neo4j

MAX_PAGES = 50


def execute(store: GraphStore, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """A query's response as JSON-able data, errors included (message and path)."""
    result = schema.execute_sync(
        query, variable_values=variables or None, context_value=Context(store=store)
    )
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [(e.message, e.path) for e in result.errors]
    return json.loads(json.dumps(response, sort_keys=True, default=str))


def _end_cursor(data: Any, path: tuple[str, ...]) -> str | None:
    for name in path:
        data = data.get(name) if isinstance(data, dict) else None
    if not isinstance(data, dict) or not data["pageInfo"]["hasNextPage"]:
        return None
    cursor = data["pageInfo"]["endCursor"]
    return str(cursor) if cursor else None


def differences(pair: StorePair, cases: Iterable[Case]) -> tuple[int, list[str]]:
    """Run every case (and its further pages) on both stores; the queries that differ."""
    ran = 0
    failed: list[str] = []
    for case in cases:
        variables = dict(case.variables)
        for page in range(MAX_PAGES):
            expected = execute(pair.nx, case.query, variables)
            actual = execute(pair.neo, case.query, variables)
            ran += 1
            if actual != expected:
                failed.append(
                    f"{case.name} (page {page}) {variables}:\n  networkx: {expected}\n"
                    f"  neo4j:    {actual}"
                )
                break
            cursor = _end_cursor(expected["data"], case.follow) if case.follow else None
            if cursor is None:
                break
            variables["after"] = cursor
    return ran, failed


def _check(pair: StorePair, cases: Iterable[Case]) -> None:
    ran, failed = differences(pair, cases)
    assert ran > 0
    assert not failed, f"{len(failed)} of {ran} queries differ:\n" + "\n".join(failed[:5])


def test_entities_answer_alike(graphql_pair: StorePair) -> None:
    _check(graphql_pair, entity_cases(graphql_pair.nx))


def test_lists_searches_and_pages_answer_alike(graphql_pair: StorePair) -> None:
    _check(graphql_pair, list_cases(graphql_pair.nx))


def test_graph_views_and_stats_answer_alike(graphql_pair: StorePair) -> None:
    _check(graphql_pair, view_cases(graphql_pair.nx))


def test_list_items_answer_as_nodes_asked_alone(graphql_pair: StorePair) -> None:
    """The relations of a page's items come from batched loads, regrouped per item: each
    item must equal the same fields asked of that node alone, in both stores."""
    checked = 0
    for store in (graphql_pair.nx, graphql_pair.neo):
        for field, type_name, fields, params, args in DEEP_LISTS:
            variables: dict[str, Any] = {"first": 100, "prefix": ""} if params else {"first": 100}
            response = execute(store, deep_list(field, fields, params, args), variables)
            assert "errors" not in response, response
            single = node_as(type_name, fields)
            for item in response["data"][field]["nodes"]:
                alone = execute(store, single, {"id": item["id"]})
                assert alone == {"data": {"node": item}}, (field, item["id"])
                checked += 1
    assert checked > 20
