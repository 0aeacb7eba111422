"""export-graph in every format, file search by prefix, names seen, dependency flags."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from graphapi.cli import main
from graphapi.store.networkx_store import NetworkXStore
from tests.graphapi.conftest import SMALL_DIGEST, run


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "g.db"
    assert main(["load", "--db", str(path), str(SMALL_DIGEST)]) == 0
    return path


def test_export_review_network_as_cytoscape_and_graphology(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "net.json"
    assert (
        main(["export-graph", "--db", str(db), "--format", "cytoscape", "--output", str(out)]) == 0
    )
    elements = json.loads(out.read_text("utf-8"))["elements"]
    edges = {(e["data"]["source"], e["data"]["target"]) for e in elements["edges"]}
    assert ("Person:tberg@google.com", "Person:ana.lopez@intel.com") in edges
    assert (
        main(["export-graph", "--db", str(db), "--format", "graphology", "--output", str(out)]) == 0
    )
    graphology = json.loads(out.read_text("utf-8"))
    assert {n["key"] for n in graphology["nodes"]} >= {"Person:ana.lopez@intel.com"}


def test_export_company_network_for_gephi(db: Path, tmp_path: Path) -> None:
    gexf = tmp_path / "net.gexf"
    args = ["export-graph", "--db", str(db), "--view", "company-network", "--format", "gexf"]
    assert main([*args, "--output", str(gexf)]) == 0
    graph = nx.read_gexf(gexf)
    assert graph.has_edge("Company:google", "Company:intel")
    graphml = tmp_path / "net.graphml"
    args[-1] = "graphml"
    assert main([*args, "--output", str(graphml)]) == 0
    assert ET.parse(graphml).getroot().tag.endswith("graphml")


def test_export_neighborhood_and_bad_view(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "n.json"
    view = "neighborhood:Person:olga.ivanova@linux.intel.com:1"
    assert (
        main(
            [
                "export-graph",
                "--db",
                str(db),
                "--view",
                view,
                "--format",
                "cytoscape",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    ids = {n["data"]["id"] for n in json.loads(out.read_text("utf-8"))["elements"]["nodes"]}
    assert "Company:intel" in ids
    assert (
        main(
            [
                "export-graph",
                "--db",
                str(db),
                "--view",
                "nonsense",
                "--format",
                "gexf",
                "--output",
                str(out),
            ]
        )
        == 1
    )
    assert "unknown view" in capsys.readouterr().err


def test_files_by_prefix_and_names_seen(digest_store: NetworkXStore) -> None:
    data = run(
        digest_store, '{ files(pathPrefix: "arch/x86/kvm/mmu/") { totalCount nodes { path } } }'
    )
    assert data["files"]["totalCount"] == 2
    assert [n["path"] for n in data["files"]["nodes"]] == [
        "arch/x86/kvm/mmu/mmu.c",
        "arch/x86/kvm/mmu/tdp_mmu.c",
    ]
    person = run(digest_store, '{ person(email: "pedurand@redhat.com") { name names } }')["person"]
    assert person == {"name": "Pierre-Émile Durand", "names": ["Pierre-Émile Durand", "pedurand"]}


def test_dependency_graph_flags_inferred_and_placeholders(digest_store: NetworkXStore) -> None:
    fold = run(digest_store, '{ allSeries(search: "fold entries") { nodes { id } } }')["allSeries"][
        "nodes"
    ][0]
    view = run(
        digest_store,
        "query($id: ID!) { dependencyGraph(series: $id) {"
        " nodes { id resolved } edges { target declared } } }",
        id=fold["id"],
    )["dependencyGraph"]
    gfn = "Series:20251120080000.2000-1-olga.ivanova@linux.intel.com"
    assert {"id": gfn, "resolved": False} in view["nodes"]
    assert {"target": gfn, "declared": False} in view["edges"]
