"""Relationships created outright with a new endpoint (`neo4j_write.write_node_chunk`).

A node chunk's transaction creates (`CREATE`, no look-up) the relationships whose later
written endpoint it created; the others are merged afterwards. These tests check that the
split gives exactly what merging everything gives: no duplicate relationship on a re-load
or on an update that links new nodes to old ones, props updated as `add_edge` updates
them, and the relationship assigned to the chunk that writes its later endpoint.
"""

from __future__ import annotations

from typing import Any

import pytest

from graphapi.model import EdgeKind, EdgeRecord, GraphBatch, NodeKind, NodeRecord
from graphapi.store.neo4j_store import Neo4jStore
from graphapi.store.neo4j_write import assign_edges, plan_edges

M, P = NodeKind.MESSAGE, NodeKind.PERSON


def _message(key: str) -> NodeRecord:
    return NodeRecord(M, key, {"subject": f"s {key}", "body": f"body of {key}\n"})


def _reply(source: str, target: str, **props: Any) -> EdgeRecord:
    return EdgeRecord(EdgeKind.REPLY_TO, (M, source), (M, target), props, "")


def _rels(store: Neo4jStore) -> list[tuple[str, str, str, dict[str, Any]]]:
    rows = store.run_read(
        "MATCH (a)-[r]->(b) RETURN a.key AS a, type(r) AS t, b.key AS b, properties(r) AS p"
    )
    return sorted((row["a"], row["t"], row["b"], dict(row["p"])) for row in rows)


def test_each_edge_goes_to_the_chunk_of_its_later_endpoint() -> None:
    batch = GraphBatch(
        nodes=[_message("a"), _message("b"), _message("c")],
        edges=[_reply("b", "a"), _reply("a", "c", order=1)],
    )
    position = {(M, "a"): 0, (M, "b"): 2, (M, "c"): 1}
    assigned = assign_edges(plan_edges(batch), position, 3)
    assert [[(e[1][1], e[2][1]) for e in chunk] for chunk in assigned] == [
        [],
        [("a", "c")],
        [("b", "a")],
    ]
    assert assigned[1][0][4]["order"] == 1


@pytest.mark.neo4j
def test_a_fresh_write_creates_every_relationship_with_its_nodes(
    neo4j_store: Neo4jStore,
) -> None:
    neo4j_store.clear()
    batch = GraphBatch(
        nodes=[_message(k) for k in "abc"],
        edges=[
            _reply("b", "a", order=1),
            _reply("c", "a", note=None),
            EdgeRecord(EdgeKind.AUTHORED, (P, "x@y"), (M, "a"), {}, ""),
        ],
    )
    neo4j_store.write(batch)
    assert neo4j_store.last_write.created_edges == neo4j_store.last_write.edges == 3
    first = _rels(neo4j_store)
    assert len(first) == 3
    assert ("b", "REPLY_TO", "a", {"disc": "", "order": 1}) in first
    assert ("c", "REPLY_TO", "a", {"disc": "", "_nulls": ["note"]}) in first
    neo4j_store.write(batch)  # again: every node exists, nothing is created
    assert neo4j_store.last_write.created_edges == 0
    assert neo4j_store.last_write.edges == 3
    assert _rels(neo4j_store) == first


@pytest.mark.neo4j
def test_an_update_creates_edges_of_new_nodes_and_merges_the_others(
    neo4j_store: Neo4jStore,
) -> None:
    neo4j_store.clear()
    neo4j_store.write(
        GraphBatch(nodes=[_message("a"), _message("b")], edges=[_reply("b", "a", order=1)])
    )
    neo4j_store.write(
        GraphBatch(
            nodes=[_message("c")],
            edges=[_reply("c", "a"), _reply("b", "a", order=2), _reply("c", "b")],
        )
    )
    assert neo4j_store.last_write.edges == 3
    assert neo4j_store.last_write.created_edges == 2  # the two of the new message
    assert _rels(neo4j_store) == [
        ("b", "REPLY_TO", "a", {"disc": "", "order": 2}),
        ("c", "REPLY_TO", "a", {"disc": ""}),
        ("c", "REPLY_TO", "b", {"disc": ""}),
    ]
