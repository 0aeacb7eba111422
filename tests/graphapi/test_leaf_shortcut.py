"""The executor's short path for plain leaf fields (graphapi.schema.execution) answers exactly
as graphql-core's own path does: same data, same errors, same fields charged."""

from __future__ import annotations

from typing import Any

import pytest

from graphapi.model import NodeData, NodeKind
from graphapi.schema import Context, build_schema
from graphapi.schema import execution as shortcut
from graphapi.store.networkx_store import NetworkXStore

QUERIES = [
    "{ stats { messages people topDomains { name count } topContributors { count person "
    "{ name emails } } } }",
    "{ allSeries(first: 5) { totalCount pageInfo { hasNextPage endCursor } nodes { id title "
    "version isRfc date kind received missing total versions { title version } "
    "dependencies { kind declared label series { title } } } } }",
    '{ person(email: "tberg@google.com") { id name emails names company { name domains } '
    "reviewers { count lineages person { name } } } }",
    "{ people(first: 10) { edges { cursor node { name emails } } } }",
    "{ companies { nodes { __typename name domains people { totalCount } } } }",
    "{ reviewNetwork(level: COMPANY) { nodes { id kind label weight } edges { source "
    "target kind weight } } }",
]


def _answer(schema: Any, store: NetworkXStore, query: str, **context: Any) -> tuple[Any, ...]:
    request = Context(store, **context)
    result = schema.execute_sync(query, context_value=request)
    errors = [(e.message, e.path) for e in result.errors or []]
    return result.data, errors, request.resolved


@pytest.mark.parametrize("query", QUERIES)
def test_the_shortcut_answers_as_graphql_core(digest_store: NetworkXStore, query: str) -> None:
    fast, plain = build_schema(), build_schema(leaf_shortcut=False)
    answer = _answer(fast, digest_store, query)
    assert answer[0] and not answer[1]
    assert answer == _answer(plain, digest_store, query)
    limited = _answer(fast, digest_store, query, max_fields=7)
    assert limited == _answer(plain, digest_store, query, max_fields=7)
    assert limited[2] == 8 and "limit: response size <= 7 fields" in limited[1][0][0]


def test_a_null_in_a_non_null_leaf_is_graphql_cores_error(
    digest_store: NetworkXStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value the short path cannot complete (here a null name) goes graphql-core's way."""
    from graphapi.schema import people

    original = people.Person.of

    def nameless(data: NodeData) -> people.Person:
        person = original(data)
        person.name = None  # type: ignore[assignment]
        return person

    monkeypatch.setattr(people.Person, "of", staticmethod(nameless))
    query = "{ people(first: 2) { nodes { emails name } } }"
    fast = _answer(build_schema(), digest_store, query)
    assert fast == _answer(build_schema(leaf_shortcut=False), digest_store, query)
    assert fast[1] and fast[1][0][1] == ["people", "nodes", 0, "name"]  # masked: internal


def test_only_plain_leaves_take_the_short_path(digest_store: NetworkXStore) -> None:
    schema = build_schema()._schema
    person = schema.get_type("Person")
    assert shortcut._plan(person.fields["name"]) is not None  # type: ignore[union-attr]
    assert shortcut._plan(person.fields["emails"]) is not None  # type: ignore[union-attr]
    assert shortcut._plan(person.fields["company"]) is None  # type: ignore[union-attr]
    assert shortcut._plan(person.fields["reviewers"]) is None  # type: ignore[union-attr]
    assert digest_store.get_many(NodeKind.PERSON, ["tberg@google.com"], by="address")[0]
