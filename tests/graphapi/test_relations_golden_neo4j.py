"""The relations fixture loaded into Neo4j with `graphapi load --neo4j`, in several orders.

Neo4j keeps no corpus: MAINTAINERS, .mailmap, aliases and the company map are kept in the
database and re-applied to the graph already there when they arrive after the mail
(`graphapi.incremental`). Whatever the order, the answers are the embedded store's golden
ones (expected.json, as `test_relations_golden` checks them on networkx). A MAINTAINERS file
replaced after the mail gives the subsystems the embedded store gives for the same loads.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphapi.cli import main
from graphapi.loading import load_sources
from graphapi.store.neo4j_store import Neo4jStore
from graphapi.store.networkx_store import NetworkXStore
from tests.graphapi.conftest import run
from tests.graphapi.test_relations_golden import (
    EXPECTED,
    HERE,
    _people,
    _subsystems,
    expected_by_every_address,
    found_by_every_address,
)

pytestmark = pytest.mark.neo4j

ALIASES = ["--aliases", str(HERE / "aliases.txt")]
COMPANIES = ["--company-map", str(HERE / "companies.txt")]

#: Each order is a list of `graphapi load` argument lists (sources, then options).
ORDERS: dict[str, list[list[str]]] = {
    "all-at-once": [["MAINTAINERS", "people.mailmap", "list.mbox", *ALIASES, *COMPANIES]],
    "files-first": [["MAINTAINERS", "people.mailmap", *ALIASES, *COMPANIES], ["list.mbox"]],
    "mail-first": [["list.mbox"], ["people.mailmap", *ALIASES, *COMPANIES], ["MAINTAINERS"]],
    "one-at-a-time": [
        ["list.mbox"],
        ["MAINTAINERS"],
        COMPANIES,
        ["people.mailmap"],
        ALIASES,
        ["list.mbox", "MAINTAINERS", "people.mailmap"],  # a re-load changes nothing
    ],
}


def _arguments(load: list[str]) -> list[str]:
    return [a if a.startswith("--") or a.startswith("/") else str(HERE / a) for a in load]


def _load(uri: str, load: list[str]) -> None:
    assert main(["load", "--neo4j", uri, *_arguments(load)]) == 0


@pytest.fixture(scope="module", params=list(ORDERS))
def graph(
    request: pytest.FixtureRequest,
    neo4j_store: Neo4jStore,
    neo4j_uri: str,
) -> Iterator[Neo4jStore]:
    neo4j_store.clear()
    for load in ORDERS[str(request.param)]:
        _load(neo4j_uri, load)
    yield neo4j_store


def test_identities_merge_addresses_and_names(graph: Neo4jStore) -> None:
    assert _people(graph) == EXPECTED["people"]


def test_a_person_is_found_by_every_address_merged_into_them(graph: Neo4jStore) -> None:
    assert found_by_every_address(graph) == expected_by_every_address()


def test_company_network_uses_the_company_at_review_time(graph: Neo4jStore) -> None:
    data = run(graph, "{ reviewNetwork(level: COMPANY) { edges { source target weight } } }")
    edges = [[e["source"], e["target"], e["weight"]] for e in data["reviewNetwork"]["edges"]]
    assert sorted(edges) == EXPECTED["companyNetwork"]


def test_subsystems_and_maintainer_reviews(graph: Neo4jStore) -> None:
    assert _subsystems(graph) == EXPECTED["subsystems"]
    tdx = run(graph, '{ file(path: "arch/x86/kvm/vmx/tdx.c") { subsystems { name } } }')
    assert tdx["file"]["subsystems"] == [{"name": "INTEL TDX"}]
    entry = run(
        graph,
        '{ subsystem(name: "KVM X86 SVM (AMD)") { status lists maintainers { name } } }',
    )
    assert entry["subsystem"] == {
        "status": "Maintained",
        "lists": ["kvm@vger.kernel.org"],
        "maintainers": [{"name": "Gopi Nair"}],
    }


def test_the_files_are_kept_in_a_meta_node_outside_the_graph(graph: Neo4jStore) -> None:
    kept = graph.kept_files()
    assert sorted(kept) == ["aliases", "company_map", "mailmap", "maintainers"]
    assert kept["maintainers"] == (HERE / "MAINTAINERS").read_text("utf-8")
    nodes, _ = graph.counts()
    meta = graph.run_read("MATCH (n:GraphapiMeta) RETURN count(n) AS n")[0]["n"]
    assert meta == 2  # the kept files, and the cursors (`Neo4jStore.record_load`)
    assert nodes == graph.run_read("MATCH (n) RETURN count(n) AS n")[0]["n"] - meta


def _file_subsystems(store: Any) -> dict[str, list[str]]:
    data = run(store, "{ stats { files } }")
    count = data["stats"]["files"]
    paths = sorted(k for k in _file_keys(store))
    assert len(paths) == count
    answers = {}
    for path in paths:
        found = run(store, "query($p: String!) { file(path: $p) { subsystems { name } } }", p=path)
        answers[path] = [s["name"] for s in found["file"]["subsystems"]]
    return answers


def _file_keys(store: Any) -> list[str]:
    if isinstance(store, NetworkXStore):
        return [a["key"] for _, a in store.graph.nodes(data=True) if a["props"].get("path")]
    return [row["key"] for row in store.run_read("MATCH (f:File) RETURN f.key AS key")]


def test_a_replaced_maintainers_file_re_derives_every_file(
    neo4j_store: Neo4jStore,
    neo4j_uri: str,
    tmp_path: Path,
) -> None:
    changed = tmp_path / "MAINTAINERS"
    text = (HERE / "MAINTAINERS").read_text("utf-8")
    text = text.replace("X:\tarch/x86/kvm/vmx/tdx.c\n", "")
    text = text[: text.index("INTEL TDX")].rstrip() + "\n"
    text = text.replace("KVM X86 SVM (AMD)", "KVM SVM")
    changed.write_text(text, "utf-8")
    loads = [[str(HERE / "MAINTAINERS")], [str(HERE / "list.mbox")], [str(changed)]]

    nx = NetworkXStore()
    for load in loads:
        load_sources(nx, load)
    neo4j_store.clear()
    for load in loads:
        _load(neo4j_uri, load)

    assert _subsystems(neo4j_store) == _subsystems(nx)
    files = _file_subsystems(neo4j_store)
    assert files == _file_subsystems(nx)
    assert files["arch/x86/kvm/vmx/tdx.c"] == ["KERNEL VIRTUAL MACHINE FOR X86 (KVM/x86)"]
    names = [row["n"] for row in neo4j_store.run_read("MATCH (s:Subsystem) RETURN s.name AS n")]
    assert sorted(names) == ["KERNEL VIRTUAL MACHINE FOR X86 (KVM/x86)", "KVM SVM"]
