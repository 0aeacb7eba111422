"""Hostile queries are refused with an error that names the limit they hit."""

from __future__ import annotations

from graphapi.store.networkx_store import NetworkXStore
from tests.graphapi.conftest import run_errors


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
