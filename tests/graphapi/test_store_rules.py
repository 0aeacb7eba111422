"""The rules both stores answer by (graphapi.store.rules, graphapi.store.node_merge), and the
layout that keeps them shared: store/ imports nothing above it, neither backend the other."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from graphapi.incremental import KeptFiles, keep_files, kept_files_of
from graphapi.model import NodeData, NodeKind, NodeRecord
from graphapi.store import node_merge, rules
from graphapi.store.base import MaintainedStore, TieQuery
from graphapi.store.networkx_store import NetworkXStore

STORE = Path(__file__).resolve().parents[2] / "graphapi" / "store"


def test_version_walk_takes_the_smallest_id_at_a_fork_and_stops_at_a_cycle() -> None:
    steps = {"a": ["c", "b"], "b": ["a", "d"], "c": ["x"], "d": []}
    assert rules.version_walk(lambda n: steps.get(n, []), "a") == ["b", "d"]
    assert rules.version_walk(lambda n: steps.get(n, []), "d") == []


def _dep(
    source: str, target: str, kind: str, label: str = ""
) -> tuple[str, str, Mapping[str, Any]]:
    return source, target, {"depKind": kind, "label": label or f"{source}>{target}"}


def test_dependency_walk_is_bounded_by_depth_and_keeps_the_last_parallel_edge() -> None:
    edges = [_dep("s", "a", "PREREQ"), _dep("s", "a", "PREREQ", "second"), _dep("a", "b", "X")]

    def edges_of(nid: str, out: bool) -> Iterable[tuple[str, str, Mapping[str, Any]]]:
        return [e for e in edges if (e[0] if out else e[1]) == nid]

    seen, walked = rules.dependency_walk("s", "UPSTREAM", 1, edges_of)
    assert seen == ["a", "s"]
    assert [(e.source, e.target, e.data["label"]) for e in walked] == [("s", "a", "second")]
    seen, walked = rules.dependency_walk("b", "DOWNSTREAM", 5, edges_of)
    assert seen == ["a", "b", "s"]
    assert [(e.source, e.target, e.kind) for e in walked] == [
        ("a", "b", "X"),
        ("s", "a", "PREREQ"),
    ]


def test_list_position_puts_newer_series_first_and_other_kinds_by_name() -> None:
    old = NodeData(NodeKind.SERIES, "o", {"date": "2024-01-01T00:00:00+00:00"})
    new = NodeData(NodeKind.SERIES, "n", {"date": "2025-01-01T00:00:00+00:00"})
    undated = NodeData(NodeKind.SERIES, "u", {})
    assert sorted([old, undated, new], key=rules.list_position) == [new, old, undated]
    people = [NodeData(NodeKind.PERSON, k, {"name": n}) for k, n in (("1", "Zed"), ("2", "Amy"))]
    assert [p.key for p in sorted(people, key=rules.list_position)] == ["2", "1"]


def test_search_needs_every_word_in_the_searched_properties() -> None:
    data = NodeData(NodeKind.PERSON, "k", {"name": "Ada Lovelace", "emails": ["ada@x.org"]})
    assert rules.matches(data, "lovelace X.ORG")
    assert not rules.matches(data, "ada babbage")


def test_merging_fills_placeholders_unions_addresses_and_names_people_once() -> None:
    nodes: dict[str, node_merge.Node] = {}
    person = NodeKind.PERSON
    node_merge.merge_records(
        nodes,
        [
            NodeRecord(person, "p", {"emails": ["b@x.org"], "ghost": True}, False, {"pat": 1}),
            NodeRecord(person, "p", {"emails": ["a@x.org"]}, True, {"Pat Doe": 2, "pat": 1}),
            NodeRecord(person, "p", {"emails": ["c@x.org"], "title": "x"}, False, {"Pat Doe": 1}),
        ],
    )
    node = nodes["p"]
    assert node["placeholder"] is False
    assert node["names"] == {"pat": 1, "Pat Doe": 2}
    assert node["props"] == {
        "emails": ["a@x.org", "b@x.org", "c@x.org"],
        "title": "x",
        "name": "Pat Doe",
        "names": ["Pat Doe", "pat"],
    }


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names]
    return found


def test_store_imports_nothing_above_it_and_no_backend_imports_the_other() -> None:
    above = ("graphapi.schema", "graphapi.views", "graphapi.loading", "graphapi.incremental")
    wrong = []
    for path in sorted(STORE.glob("*.py")):
        for name in _imports(path):
            leaf = name.removeprefix("graphapi.store.")
            nx_to_neo = path.stem.startswith(("nx_", "networkx")) and leaf.startswith("neo4j")
            neo_to_nx = path.stem.startswith("neo4j") and leaf.startswith(("nx_", "networkx"))
            if name.startswith(above) or nx_to_neo or neo_to_nx:
                wrong.append(f"{path.name} imports {name}")
    assert wrong == []


def test_a_tie_query_names_a_side_its_owner_has_and_sorts_its_kinds() -> None:
    query = TieQuery("person", "reviewees", ("TESTED_BY", "ACKED_BY", "ACKED_BY"))
    assert query.kinds == ("ACKED_BY", "TESTED_BY")
    assert TieQuery("person", "reviewees", ("TESTED_BY", "ACKED_BY")) == query  # one cache key
    with pytest.raises(ValueError, match="no reviewees ties for a file"):
        TieQuery("file", "reviewees")
    with pytest.raises(ValueError, match="company ties count the default review kinds only"):
        TieQuery("company", "reviewers", ("ACKED_BY",))


def test_both_stores_keep_files_through_the_one_maintenance_protocol() -> None:
    store: MaintainedStore = NetworkXStore()
    kept = KeptFiles(maintainers="M: A <a@x.org>\n", aliases="a@x.org b@x.org\n")
    keep_files(store, kept)
    assert kept_files_of(store) == kept
    keep_files(store, KeptFiles(mailmap="A <a@x.org>\n"))
    assert kept_files_of(store) == KeptFiles(mailmap="A <a@x.org>\n")  # replaced, not merged
    assert store.rederiving() is None  # the embedded store rebuilds from its corpus instead
