"""Hostile queries are refused with an error that names the limit they hit."""

from __future__ import annotations

import time
from typing import Any

import pytest
from graphql import get_introspection_query

from graphapi.schema import Context, schema
from graphapi.store.networkx_store import NetworkXStore
from tests.graphapi.conftest import run, run_errors


def test_first_over_100_is_refused(digest_store: NetworkXStore) -> None:
    errors = run_errors(digest_store, "{ people(first: 1000) { totalCount } }")
    assert "first <= 100" in errors[0]


def test_depth_bomb_is_refused(digest_store: NetworkXStore) -> None:
    inner = "name"
    for _ in range(8):
        inner = f"series {{ nodes {{ author {{ {inner} }} }} }}"
    errors = run_errors(digest_store, f'{{ person(email: "x@y") {{ {inner} }} }}')
    assert "exceeds maximum operation depth" in errors[0]


def test_alias_bomb_is_refused(digest_store: NetworkXStore) -> None:
    aliases = " ".join(f"a{i}: stats {{ people }}" for i in range(50))
    errors = run_errors(digest_store, f"{{ {aliases} }}")
    assert "aliases" in errors[0].lower()


def test_token_flood_is_refused(digest_store: NetworkXStore) -> None:
    fields = " ".join("__typename" for _ in range(3000))
    errors = run_errors(digest_store, f"{{ {fields} }}")
    assert "token" in errors[0].lower()


def test_bad_ids_and_cursors_are_named(digest_store: NetworkXStore) -> None:
    assert "malformed node id" in run_errors(digest_store, '{ node(id: "nonsense") { id } }')[0]
    assert (
        "invalid cursor" in run_errors(digest_store, '{ people(after: "zzz") { totalCount } }')[0]
    )
    errors = run_errors(
        digest_store, '{ dependencyGraph(series: "Series:x", maxDepth: 99) { nodes { id } } }'
    )
    assert "maxDepth" in errors[0]


def test_very_long_strings_are_refused(digest_store: NetworkXStore) -> None:
    errors = run_errors(
        digest_store, "query($s: String) { people(search: $s) { totalCount } }", s="x" * 5000
    )
    assert "strings <= 1024" in errors[0] and "'search'" in errors[0]


def test_cyclic_fragments_are_refused(digest_store: NetworkXStore) -> None:
    query = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    assert "within itself" in run_errors(digest_store, query)[0]


def test_introspection_still_works(digest_store: NetworkXStore) -> None:
    assert run(digest_store, get_introspection_query())["__schema"]["queryType"]["name"] == "Query"


def test_internal_errors_are_masked(
    digest_store: NetworkXStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(digest_store, "stats", lambda first: 1 / 0)
    errors = run_errors(digest_store, "{ stats { people } }")
    assert errors == ["Internal error (details are in the server log)."]


def test_internal_errors_in_batched_fields_are_masked(
    digest_store: NetworkXStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise ZeroDivisionError("secret detail")

    monkeypatch.setattr(digest_store, "related_many", broken)
    errors = run_errors(digest_store, "{ allSeries(first: 3) { nodes { author { name } } } }")
    assert errors == ["Internal error (details are in the server log)."] * 3


def test_time_budget_stops_the_next_batched_level(
    digest_store: NetworkXStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a batched load has outlasted the budget, the fields below it are refused."""
    original = digest_store.related_many
    calls = []

    def slow(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        time.sleep(0.3)
        return original(*args, **kwargs)

    monkeypatch.setattr(digest_store, "related_many", slow)
    monkeypatch.setattr(digest_store, "batched_reads_pay", True, raising=False)  # batch as Neo4j
    query = "{ allSeries(first: 3) { nodes { id author { name company { name } } } } }"
    result = schema.execute_sync(query, context_value=Context(digest_store, budget_seconds=0.2))
    assert len(calls) == 1  # the three authors: one batched load, then the budget is spent
    assert result.data is not None
    assert [n["author"] for n in result.data["allSeries"]["nodes"]] == [None] * 3
    assert result.errors and all("per-request time budget" in e.message for e in result.errors)
    refused = sorted(tuple(e.path[:4]) for e in result.errors)  # a field of each author
    assert refused == [("allSeries", "nodes", i, "author") for i in range(3)]
