"""Person.possibleAliases (issue 11 item 7) on a small fixture, in both stores.

tests/fixtures/aliases/list.mbox has one man under three addresses ("Tomas Varga" at Intel,
"Tomas Varga (Intel)" at linux.intel.com, "tomas varga" at home, Cc'd on his own patch), a
one-word "Varga" and a "Nora Varga". expected.json beside it was written by hand.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from graphapi.identity import name_key
from graphapi.loading import load_into_store
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from tests.conftest import FIXTURES
from tests.graphapi.conftest import run

HERE = FIXTURES / "aliases"
EXPECTED = json.loads((HERE / "expected.json").read_text("utf-8"))
QUERY = """query($e: String!) { person(email: $e) {
    possibleAliases { person { emails } evidence sharedFiles } } }"""


def suggestions(store: Any) -> dict[str, Any]:
    """Each fixture person's suggestions, as expected.json writes them."""
    found: dict[str, Any] = {"about": EXPECTED["about"]}
    for address in (k for k in EXPECTED if k != "about"):
        rows = run(store, QUERY, e=address)["person"]["possibleAliases"]
        found[address] = [
            {
                "emails": r["person"]["emails"],
                "evidence": r["evidence"],
                "sharedFiles": r["sharedFiles"],
            }
            for r in rows
        ]
    return found


def test_people_with_one_name_are_suggested_with_their_evidence() -> None:
    store = NetworkXStore()
    load_into_store(store, [HERE / "list.mbox"], load_company_map())
    assert suggestions(store) == EXPECTED


def test_suggesting_never_merges() -> None:
    store = NetworkXStore()
    load_into_store(store, [HERE / "list.mbox"], load_company_map())
    people = run(store, '{ people(search: "varga") { nodes { emails } } }')["people"]["nodes"]
    assert len(people) == 5


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Lorenzo Stoakes (Oracle)", "lorenzo stoakes"),
        ("Xin Li (Intel) (ex-Foo)", "xin li"),
        ("José  Pérez", "jose perez"),
        ("Kirill A. Shutemov", "kirill a shutemov"),
        ("pbonzini", None),
        ("(Oracle)", None),
    ],
)
def test_name_key_folds_affiliation_case_and_accents(name: str, key: str | None) -> None:
    assert name_key(name) == key


@pytest.mark.neo4j
def test_neo4j_suggests_alike(neo4j_store: Any) -> None:
    neo4j_store.clear()
    load_into_store(neo4j_store, [HERE / "list.mbox"], load_company_map())
    assert suggestions(neo4j_store) == EXPECTED
