"""`nodes(ids:)`: several nodes by global ID in one request, in the order asked."""

from __future__ import annotations

from graphapi.store.networkx_store import NetworkXStore
from tests.graphapi.conftest import run, run_errors

QUERY = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
  ... on Person { name } ... on Series { title } } }"""


def test_nodes_come_back_in_the_order_asked_with_null_for_unknown(
    digest_store: NetworkXStore,
) -> None:
    people = run(digest_store, "{ people(first: 2) { nodes { id name } } }")["people"]["nodes"]
    series = run(digest_store, "{ allSeries(first: 1) { nodes { id title } } }")["allSeries"]
    ids = [series["nodes"][0]["id"], people[1]["id"], "Person:nobody@example.org", people[0]["id"]]
    found = run(digest_store, QUERY, ids=[*ids, people[1]["id"]])["nodes"]
    assert [n and n["id"] for n in found] == [ids[0], ids[1], None, ids[3], ids[1]]
    assert found[0] == {"__typename": "Series", **series["nodes"][0]}
    assert found[1] == {"__typename": "Person", **people[1]}


def test_too_many_or_malformed_ids_are_named(digest_store: NetworkXStore) -> None:
    many = [f"Person:p{i}@example.org" for i in range(101)]
    assert "at most 100" in run_errors(digest_store, QUERY, ids=many)[0]
    assert run(digest_store, QUERY, ids=many[:100])["nodes"] == [None] * 100
    assert "malformed node id 'nonsense'" in run_errors(digest_store, QUERY, ids=["nonsense"])[0]
