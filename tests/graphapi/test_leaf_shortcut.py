"""The executor's short paths (graphapi.schema.execution: plain leaves, plain objects,
argument-less resolvers run directly) answer exactly as graphql-core's own path does: same
data, same errors, same fields charged; on a loaded graph and on one read for serving (where
API objects are kept per graph, graphapi.schema.kept)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql.execution.executor import Executor

from graphapi.model import NodeData, NodeKind
from graphapi.schema import Context, build_schema, kept
from graphapi.schema import execution as shortcut
from graphapi.snapshot import read_snapshot, write_snapshot
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
    # resolvers without arguments inside plain lists, nested; aliases, a field asked twice
    "{ allSeries(first: 8) { nodes { title author { name company { name } } "
    "patches { number title author { name } series { title } } linkedBy missing "
    "t: title title v: versions { version date } versions { title } "
    "previousVersion { title version } nextVersion { title } coverLetter { subject } "
    "firstReview { date hoursAfterPosting person { name } } } } }",
    # __typename, fragments, directives: graphql-core's way wherever they appear
    "query($yes: Boolean = true) { allSeries(first: 4) { nodes { __typename ...S "
    "versions @include(if: $yes) { title } dependencies @skip(if: $yes) { kind } } } } "
    "fragment S on Series { title author { ... on Person { name } } }",
    '{ person(email: "tberg@google.com") { series(first: 5) { nodes { title versions '
    "{ title version } } } reviewees { count person { name company { name } } } } }",
    "{ people(first: 5) { nodes { name company { name people(first: 2) { totalCount } } } } }",
]


@pytest.fixture(scope="module")
def served_store(digest_store: NetworkXStore, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The digest graph as `graphapi serve` reads it (node props shared, objects kept)."""
    db: Path = tmp_path_factory.mktemp("served") / "served.db"
    write_snapshot(digest_store, db)
    return read_snapshot(db, corpus=False).warm()


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


@pytest.mark.parametrize("query", QUERIES)
def test_a_served_graph_answers_as_graphql_core_twice(
    served_store: NetworkXStore, query: str
) -> None:
    """Asked twice on a graph read for serving: the second answer is made of kept objects."""
    fast, plain = build_schema(), build_schema(leaf_shortcut=False)
    expected = _answer(plain, served_store, query)
    assert expected[0] and not expected[1]
    assert _answer(fast, served_store, query) == expected
    assert _answer(fast, served_store, query) == expected
    limited = _answer(plain, served_store, query, max_fields=30)
    assert _answer(fast, served_store, query, max_fields=30) == limited


def test_a_served_graph_keeps_the_api_objects_of_an_answer(served_store: NetworkXStore) -> None:
    """The objects of a page of series are kept with the graph (so a second request reuses
    them, as `test_a_served_graph_answers_as_graphql_core_twice` compares)."""
    kept._KEPT.pop(served_store.graph, None)
    _answer(build_schema(), served_store, "{ allSeries(first: 3) { nodes { title } } }")
    made = [type(obj).__name__ for _props, obj in kept._KEPT[served_store.graph].values()]
    assert made.count("Series") == 3 and made.count("str") == 3  # the items and cursors


def test_a_page_of_series_runs_no_field_through_graphql_core(
    served_store: NetworkXStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The direct paths are taken: of the page of series with versions and dependencies,
    only the root field (it has arguments) goes through graphql-core's `execute_field`."""
    calls: list[str] = []
    original = Executor.execute_field

    def counted(self: Any, parent: Any, source: Any, details: Any, *rest: Any) -> Any:
        calls.append(details[0].node.name.value)
        return original(self, parent, source, details, *rest)

    monkeypatch.setattr(Executor, "execute_field", counted)
    query = (
        "{ allSeries(first: 20) { totalCount nodes { title version date "
        "versions { title version } dependencies { kind series { title version } } } } }"
    )
    answer = _answer(build_schema(), served_store, query)
    assert answer[0]["allSeries"]["nodes"] and not answer[1]
    assert calls == ["allSeries"]


def test_a_resolver_failing_on_the_direct_path_fails_as_in_graphql_core(
    served_store: NetworkXStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resolver that raises is reported by graphql-core's path (masked, at its path)
    exactly as without the short paths, and runs once: its error is replayed there, not
    raised again by running it (a store read that timed out would cost its time twice)."""
    from graphapi.schema.dataloaders import DataLoaders

    calls: list[str] = []

    def broken(self: DataLoaders) -> Any:
        calls.append("lineage")
        raise RuntimeError("lineage unavailable")

    monkeypatch.setattr(DataLoaders, "lineage", broken)
    query = "{ allSeries(first: 3) { nodes { title versions { title } } } }"
    slow = _answer(build_schema(leaf_shortcut=False), served_store, query)
    slow_calls = len(calls)
    calls.clear()
    fast = _answer(build_schema(), served_store, query)
    assert fast == slow
    assert fast[1] and fast[1][0][1] == ["allSeries", "nodes", 0, "versions"]
    assert len(calls) == slow_calls == 1  # as graphql-core alone: the error nulls the list


def test_resolvers_of_an_attempt_that_falls_back_run_once(
    served_store: NetworkXStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second series' versions fail: the first's ran before, on the direct path, and
    are not run again on graphql-core's (nor is the failing one); the answer is
    graphql-core's own."""
    from graphapi.schema.dataloaders import DataLoaders

    original = DataLoaders.lineage
    calls: list[str] = []

    class Counting:
        def __init__(self, loader: Any) -> None:
            self.loader = loader

        def load(self, key: str) -> Any:
            calls.append(key)
            if len(calls) == 2:
                raise RuntimeError("lineage unavailable")
            return self.loader.load(key)

    monkeypatch.setattr(DataLoaders, "lineage", lambda self: Counting(original(self)))
    query = "{ allSeries(first: 3) { nodes { title versions { title } } } }"
    slow = _answer(build_schema(leaf_shortcut=False), served_store, query)
    assert len(calls) == 2 and slow[1]  # the error nulls the list: the third is not asked
    calls.clear()
    fast = _answer(build_schema(), served_store, query)
    assert fast == slow
    assert len(calls) == 2, calls


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
