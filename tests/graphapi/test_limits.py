"""Hostile queries are refused with an error that names the limit they hit."""

from __future__ import annotations

import time
from typing import Any

import pytest
from graphql import get_introspection_query, parse, validate

from graphapi.schema import MAX_TOKENS, Context, schema
from graphapi.schema.limits import fragment_bomb
from graphapi.schema.validation import measure_document
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
    assert "limit: depth <= 12" in errors[0]


def test_alias_bomb_is_refused(digest_store: NetworkXStore) -> None:
    aliases = " ".join(f"a{i}: stats {{ people }}" for i in range(50))
    errors = run_errors(digest_store, f"{{ {aliases} }}")
    assert "aliases" in errors[0].lower()


def test_an_alias_under_lists_counts_once(digest_store: NetworkXStore) -> None:
    """An alias deep in lists is one name in the document; its fan-out is the cost's."""
    query = """{ allSeries(first: 100) { nodes { patches { trailers {
      person { email: emails n: name } } } } } }"""
    assert measure_document(schema._schema, parse(query))[0].aliases == 2
    run(digest_store, query)  # answered, not refused as thousands of aliases


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
    """Once a batched load has outlasted the budget, the fields below it are refused, with
    one error naming the limit (not one per refused field)."""
    original = digest_store.related_many
    calls = []

    def slow(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        time.sleep(0.3)
        return original(*args, **kwargs)

    monkeypatch.setattr(digest_store, "related_many", slow)
    monkeypatch.setattr(digest_store, "batched_reads_pay", True, raising=False)  # batch as Neo4j
    query = "{ allSeries(first: 3) { nodes { id author { name company { name } } } } }"
    context = Context(digest_store, budget_seconds=0.2)
    result = schema.execute_sync(query, context_value=context)
    assert len(calls) == 1  # the three authors: one batched load, then the budget is spent
    assert result.data is not None
    assert [n["author"] for n in result.data["allSeries"]["nodes"]] == [None] * 3
    assert result.errors and len(result.errors) == 1
    assert "limit: per-request time budget" in result.errors[0].message
    assert context.resolved == 9  # allSeries, nodes, 3 ids, 3 authors; the 9th field refused


def test_response_size_cap_stops_resolving(digest_store: NetworkXStore) -> None:
    context = Context(digest_store, max_fields=10)
    result = schema.execute_sync(
        "{ people(first: 100) { nodes { id name emails } } }", context_value=context
    )
    assert result.errors and len(result.errors) == 1
    assert "limit: response size <= 10 fields" in result.errors[0].message
    assert context.resolved == 11  # the 11th field was refused, and no field after it ran


def validation_ms(store: NetworkXStore, query: str, **variables: Any) -> tuple[float, list[str]]:
    """CPU milliseconds this thread spent answering `query` (best of 3), and its errors."""
    best, messages = float("inf"), []
    for _ in range(3):
        started = time.thread_time()
        result = schema.execute_sync(
            query, variable_values=variables or None, context_value=Context(store)
        )
        best = min(best, (time.thread_time() - started) * 1000)
        messages = [e.message for e in result.errors or []]
    return best, messages


@pytest.mark.parametrize("levels", range(3, 9))
def test_fragment_bombs_are_refused_fast(digest_store: NetworkXStore, levels: int) -> None:
    wide_ms, wide = validation_ms(digest_store, fragment_bomb(levels))
    assert wide and "limit: repeats <= 10" in wide[0]
    narrow_ms, narrow = validation_ms(digest_store, fragment_bomb(levels, width=10))
    if 10 ** (levels - 1) > 1_000_000:  # one __typename, 10^(levels-1) paths to it
        assert narrow and f"estimated cost {10 ** (levels - 1)} " in narrow[0]
    else:  # execution merges the repeated spreads: allowed and answered at once
        assert narrow == []
    assert wide_ms < 100 and narrow_ms < 100


FILES_DEEP = (
    'files(pathPrefix: "", first: $n) '
    "{ nodes { patches(first: 100) { nodes { trailers { person { name } } } } } }"
)


def test_cost_error_names_limit_and_estimate(digest_store: NetworkXStore) -> None:
    errors = run_errors(digest_store, f"query($n: Int = 100) {{ a: {FILES_DEEP} b: {FILES_DEEP} }}")
    assert "limit: cost <= 1000000" in errors[0]
    # files: 100 + 100 x (nodes: 1 + patches: 100 + 100 x (nodes: 1 + trailers: 20 + 20 x 2))
    assert "estimated cost 1240400 " in errors[0]


def test_cost_follows_first_and_variables(digest_store: NetworkXStore) -> None:
    query = f"query($n: Int) {{ a: {FILES_DEEP} b: {FILES_DEEP} }}"
    assert run(digest_store, query, n=10)["a"]["nodes"] is not None
    errors = run_errors(digest_store, query, n=100)
    assert "estimated cost 1240400 " in errors[0]


def test_neighborhood_is_costed_by_depth(digest_store: NetworkXStore) -> None:
    person = run(digest_store, "{ people(first: 1) { nodes { id } } }")["people"]["nodes"][0]["id"]
    view = "nodes { id kind label weight } edges { source target kind weight }"
    query = "query($id: ID!, $d: Int) { neighborhood(id: $id, depth: $d) { " + view + " } }"
    assert run(digest_store, query, id=person, d=2)["neighborhood"]["nodes"]
    errors = run_errors(digest_store, query, id=person, d=3)
    assert "estimated cost 1375000 " in errors[0]  # 50^3 x (1 + nodes: 1 + 4 + edges: 1 + 4)


def test_repeated_fields_are_refused_before_pairwise_validation(
    digest_store: NetworkXStore,
) -> None:
    elapsed, errors = validation_ms(digest_store, "{ " + "stats { people } " * 200 + "}")
    assert "'stats' is selected more than 10 times" in errors[0]
    assert elapsed < 50


def test_largest_valid_document_validates_under_50ms(digest_store: NetworkXStore) -> None:
    """A document just under the token limit, valid, passing every limit."""
    person = "name emails company { name domains } reviewers(first: 1) { count person { name } }"
    aliased = " ".join(f'p{i}: person(email: "x{i}@y") {{ {person} }}' for i in range(28))
    query = "{ " + aliased + " stats { people } }"
    started = time.thread_time()
    document = parse(query, max_tokens=MAX_TOKENS)
    tokens = len(query.split())  # a lower bound of the real token count
    errors = validate(schema._schema, document)
    measure, repeated = measure_document(schema._schema, document)
    elapsed = (time.thread_time() - started) * 1000
    assert not errors and repeated is None and measure.cost < 1_000_000
    assert tokens > MAX_TOKENS // 2
    assert elapsed < 50, f"{elapsed:.1f} ms"


def test_cyclic_fragment_bomb_is_refused_fast(digest_store: NetworkXStore) -> None:
    spreads_b, spreads_a = " ".join(["...B"] * 10), " ".join(["...A"] * 10)
    query = (
        f"query {{ ...A }} fragment A on Query {{ __typename {spreads_b} }} "
        f"fragment B on Query {{ __typename {spreads_a} }}"
    )
    elapsed, errors = validation_ms(digest_store, query)
    assert any("within itself" in e for e in errors) and elapsed < 50


def test_huge_depth_argument_is_costed_in_constant_time(digest_store: NetworkXStore) -> None:
    """`depth: 2000000000` must not make the estimate compute 50^2000000000."""
    query = 'query($d: Int) { neighborhood(id: "Person:x", depth: $d) { nodes { id } } }'
    elapsed, errors = validation_ms(digest_store, query, d=2_000_000_000)
    assert elapsed < 50 and errors  # refused: by the cost limit or the resolver's depth check
