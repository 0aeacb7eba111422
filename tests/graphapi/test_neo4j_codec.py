"""The Neo4j store's pure parts, no server needed: property encoding, ordering, settings."""

from __future__ import annotations

import random

import pytest

from graphapi.errors import UsageError
from graphapi.model import NodeKind
from graphapi.store.neo4j_codec import (
    NodeState,
    decode_props,
    encode_edge_props,
    encode_node,
    node_data,
    order_preserving,
    state_of,
)
from graphapi.store.neo4j_cypher import dependency_graph, neighborhood
from graphapi.store.neo4j_store import Neo4jSettings

ODD_PROPS = {
    "plain": "text",
    "none": None,
    "dicts": [{"a": 1, "b": [1, 2]}],
    "nested": [["x", 1]],
    "mixed": [1, "a"],
    "with_none": [1, None],
    "empty": [],
    "huge": 2**70,
    "bools": [True, False],
    "surrogate": "bad \udce9 byte",
    "float": 1.5,
}


def _utf16_order(values: list[str]) -> list[str]:
    """How Neo4j sorts strings: by UTF-16 code units."""
    return sorted(values, key=lambda v: v.encode("utf-16-be", "surrogatepass"))


def test_order_preserving_makes_utf16_order_equal_python_order() -> None:
    rng = random.Random(5)
    alphabet = ["a", "Z", "é", "\ud7ff", "\ue000", "\ufffd", "\uffff", "\U0001f600", "\U00010000"]
    words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4))) for _ in range(400)]
    assert _utf16_order(words) != sorted(words)  # the problem is real
    encoded = {order_preserving(w): w for w in words}
    assert [encoded[e] for e in _utf16_order(list(encoded))] == sorted(set(words))
    assert order_preserving("plain ascii") == "plain ascii"


def test_node_props_round_trip_whatever_their_values() -> None:
    state = NodeState(NodeKind.PATCH, "k", dict(ODD_PROPS), {}, True)
    stored = encode_node(state)
    assert all(not isinstance(v, dict) for v in stored.values())
    assert "none" not in stored and stored["_nulls"] == ["none"]
    assert decode_props(stored) == ODD_PROPS
    assert node_data(NodeKind.PATCH, stored).props == {**ODD_PROPS, "placeholder": True}
    again = state_of(NodeKind.PATCH, stored)
    assert (again.props, again.placeholder) == (ODD_PROPS, True)


def test_edge_props_remove_the_spelling_not_used() -> None:
    encoded, nulls = encode_edge_props({"a": [{"x": 1}], "b": 2, "c": None})
    assert encoded == {
        "a": None,
        "a_json": '[{"x": 1}]',
        "b": 2,
        "b_json": None,
        "c": None,
        "c_json": None,
    }
    assert nulls == ["c"]


def test_derived_properties_sort_and_search_like_networkx() -> None:
    person = NodeState(NodeKind.PERSON, "ann@x.org", {"emails": ["ann@x.org"], "name": "Ann"})
    stored = encode_node(person)
    assert stored["_sort"] == "Ann"
    assert stored["_search"] == "['ann@x.org'] ann"
    series = encode_node(NodeState(NodeKind.SERIES, "s", {"date": "2025-01-02", "title": "T"}))
    older = encode_node(NodeState(NodeKind.SERIES, "t", {"date": "2025-01-01", "title": "T"}))
    undated = encode_node(NodeState(NodeKind.SERIES, "u", {"title": "T"}))
    assert series["_sort"] < older["_sort"] < undated["_sort"]  # newest first, undated last


def test_depths_are_chosen_from_a_fixed_range_never_spliced_from_input() -> None:
    assert "AS ring3" in neighborhood(NodeKind.FILE, 3)  # one ring per step, never `*1..n`
    assert "AS ring2" in neighborhood(NodeKind.FILE, 2)
    assert "ring3" not in neighborhood(NodeKind.FILE, 2) and "*" not in neighborhood(
        NodeKind.FILE, 2
    )
    with pytest.raises(ValueError):
        neighborhood(NodeKind.FILE, 4)
    with pytest.raises(ValueError):
        dependency_graph("UPSTREAM", 11)


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE", "NEO4J_AUTH"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(UsageError, match="no Neo4j URI"):
        Neo4jSettings.from_env()
    bare = Neo4jSettings.from_env("bolt://db:7687")
    assert (bare.auth, bare.database) == (None, "neo4j")
    monkeypatch.setenv("NEO4J_URI", "neo4j://cluster:7687")
    monkeypatch.setenv("NEO4J_AUTH", "neo4j/s3cret/with/slashes")
    monkeypatch.setenv("NEO4J_DATABASE", "lore")
    settings = Neo4jSettings.from_env()
    assert (settings.uri, settings.auth, settings.database) == (
        "neo4j://cluster:7687",
        ("neo4j", "s3cret/with/slashes"),
        "lore",
    )
    monkeypatch.setenv("NEO4J_USER", "reader")
    monkeypatch.setenv("NEO4J_PASSWORD", "pw")
    assert Neo4jSettings.from_env().auth == ("reader", "pw")
    monkeypatch.delenv("NEO4J_USER")
    monkeypatch.delenv("NEO4J_PASSWORD")
    monkeypatch.setenv("NEO4J_AUTH", "none")
    assert Neo4jSettings.from_env().auth is None
