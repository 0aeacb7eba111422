"""A neighbourhood keeps at most `first` nodes, by the documented rule
(`rules.NEIGHBORHOOD_ORDER`), and says what it left out; review networks and dependency
graphs say the same of themselves.

The graph is written by hand so that every step of the rule decides something:

    ring 1 of Person:s   Patch:p1 (AUTHORED + TRAILER: 2 ties), Patch:p2, Series:x,
                         Company:c (1 tie each; 4, 3 and 1 distinct neighbours)
    ring 2               File:f1 (touched by p1 and p2: 2 ties), Person:r (reviewed p2,
                         2 neighbours), File:f2 (1 neighbour)
    ring 3               Company:d (employs r)
"""

from __future__ import annotations

import pytest

from graphapi.model import EdgeKind, EdgeRecord, GraphBatch, NodeKind, NodeRecord
from graphapi.store.networkx_store import NetworkXStore
from tests.graphapi.conftest import run, run_errors

P, PATCH, SERIES, FILE, CO = (
    NodeKind.PERSON,
    NodeKind.PATCH,
    NodeKind.SERIES,
    NodeKind.FILE,
    NodeKind.COMPANY,
)
EDGES = [
    (EdgeKind.AUTHORED, (P, "s"), (PATCH, "p1")),
    (EdgeKind.TRAILER, (P, "s"), (PATCH, "p1")),
    (EdgeKind.AUTHORED, (P, "s"), (PATCH, "p2")),
    (EdgeKind.AUTHORED, (P, "s"), (SERIES, "x")),
    (EdgeKind.EMPLOYED_BY, (P, "s"), (CO, "c")),
    (EdgeKind.PART_OF, (PATCH, "p1"), (SERIES, "x")),
    (EdgeKind.PART_OF, (PATCH, "p2"), (SERIES, "x")),
    (EdgeKind.TOUCHES, (PATCH, "p1"), (FILE, "f1")),
    (EdgeKind.TOUCHES, (PATCH, "p2"), (FILE, "f1")),
    (EdgeKind.TOUCHES, (PATCH, "p1"), (FILE, "f2")),
    (EdgeKind.TRAILER, (P, "r"), (PATCH, "p2")),
    (EdgeKind.EMPLOYED_BY, (P, "r"), (CO, "d")),
]
ORDER = [
    "Person:s",
    "Patch:p1",
    "Patch:p2",
    "Series:x",
    "Company:c",
    "File:f1",
    "Person:r",
    "File:f2",
    "Company:d",
]
QUERY = """query($first: Int!, $depth: Int!) { neighborhood(id: "Person:s", depth: $depth,
  first: $first) { truncated totalNodes nodes { id } } }"""
EDGES_QUERY = """query($first: Int!) { neighborhood(id: "Person:s", depth: 2, first: $first) {
  nodes { id } edges { source target kind } } }"""


def _id(end: tuple[NodeKind, str]) -> str:
    return f"{end[0].value}:{end[1]}"


@pytest.fixture(scope="module")
def store() -> NetworkXStore:
    found = NetworkXStore()
    nodes = {end for _, *ends in EDGES for end in ends}
    found.write(
        GraphBatch(
            nodes=[NodeRecord(kind, key, {"name": key}) for kind, key in sorted(nodes, key=str)],
            edges=[EdgeRecord(kind, source, target) for kind, source, target in EDGES],
        )
    )
    return found


@pytest.mark.parametrize("first", range(1, 11))
def test_nodes_are_kept_nearest_then_most_tied_then_best_connected(
    store: NetworkXStore, first: int
) -> None:
    view = run(store, QUERY, first=first, depth=3)["neighborhood"]
    assert [n["id"] for n in view["nodes"]] == sorted(ORDER[:first])  # listed by id
    assert view["totalNodes"] == 9
    assert view["truncated"] is (first < 9)


@pytest.mark.parametrize("first", [1, 3, 6, 8])
def test_the_edges_are_those_among_the_kept_nodes(store: NetworkXStore, first: int) -> None:
    view = run(store, EDGES_QUERY, first=first)["neighborhood"]
    kept = {n["id"] for n in view["nodes"]}
    expected = {(_id(s), _id(t), k.value) for k, s, t in EDGES if {_id(s), _id(t)} <= kept}
    assert {(e["source"], e["target"], e["kind"]) for e in view["edges"]} == expected
    assert len(view["edges"]) == len(expected)


def test_the_count_is_of_the_depth_asked(store: NetworkXStore) -> None:
    counts = [run(store, QUERY, first=3, depth=d)["neighborhood"]["totalNodes"] for d in range(4)]
    assert counts == [1, 5, 8, 9]
    whole = run(store, QUERY, first=5, depth=1)["neighborhood"]
    assert whole["truncated"] is False and len(whole["nodes"]) == 5


def test_first_is_bounded_and_defaults_to_a_drawable_size(store: NetworkXStore) -> None:
    for first in (0, -1, 5001):
        errors = run_errors(store, QUERY, first=first, depth=1)
        assert errors == [f"'first' must be between 1 and 5000, got {first}"]
    default = run(store, '{ neighborhood(id: "Person:s", depth: 3) { nodes { id } } }')
    assert len(default["neighborhood"]["nodes"]) == 9  # 200 by default: room for all


def test_review_networks_and_dependency_graphs_say_whether_they_were_cut(
    store: NetworkXStore, digest_store: NetworkXStore
) -> None:
    network = """query($first: Int!) { reviewNetwork(first: $first) {
      truncated totalNodes nodes { id } edges { source target } } }"""
    whole = run(digest_store, network, first=100)["reviewNetwork"]
    assert 3 <= len(whole["edges"]) < 100 and whole["truncated"] is False
    assert whole["totalNodes"] == len(whole["nodes"])
    cut = run(digest_store, network, first=1)["reviewNetwork"]
    assert cut["truncated"] is True and len(cut["nodes"]) == 2
    assert cut["totalNodes"] == whole["totalNodes"]
    deps = '{ dependencyGraph(series: "Series:x") { truncated totalNodes nodes { id } } }'
    view = run(store, deps)["dependencyGraph"]
    assert view == {"truncated": False, "totalNodes": 1, "nodes": [{"id": "Series:x"}]}
