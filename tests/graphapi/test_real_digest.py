"""Acceptance facts of issue 2 on the real KVM digest in ../shared/corpora."""

from __future__ import annotations

from typing import Any

import pytest

from graphapi.loading import load_sources
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from tests.conftest import corpus_file
from tests.graphapi.conftest import run

DPAMT = "20251121005125.417831-1-rick.p.edgecombe@intel.com"
GMEM = "20251215153411.3613928-1-michael.roth@amd.com"
TDX_RFC_V2 = "20250807093950.4395-1-yan.y.zhao@intel.com"


@pytest.fixture(scope="module")
def kvm() -> NetworkXStore:
    store = NetworkXStore()
    load_sources(store, [corpus_file("kvm-digest-810a535b1..2da7ebe7a.txt")], load_company_map())
    return store


def _one_series(store: NetworkXStore, search: str, fields: str) -> dict[str, Any]:
    data = run(store, f'{{ allSeries(search: "{search}") {{ nodes {{ {fields} }} }} }}')
    nodes: list[dict[str, Any]] = data["allSeries"]["nodes"]
    assert len(nodes) == 1, nodes
    return nodes[0]


def test_ben_horgan_reviewed_mark_brown(kvm: NetworkXStore) -> None:
    data = run(kvm, '{ person(email: "ben.horgan@arm.com") { reviewees { person { name } } } }')
    assert {"person": {"name": "Mark Brown"}} in data["person"]["reviewees"]


def test_tdx_series(kvm: NetworkXStore) -> None:
    tdx = _one_series(
        kvm,
        "TDX huge page support",
        "version total author { name } previousVersion { messageId isRfc version resolved }"
        " dependencies { declared label messageId series { messageId resolved } }",
    )
    assert (tdx["version"], tdx["total"], tdx["author"]["name"]) == (3, 24, "Yan Zhao")
    assert tdx["previousVersion"] == {
        "messageId": TDX_RFC_V2,
        "isRfc": True,
        "version": 2,
        "resolved": False,
    }
    by_id = {d["messageId"]: d for d in tdx["dependencies"] if d["messageId"]}
    assert by_id[DPAMT]["label"] == "DPAMT v4" and by_id[DPAMT]["declared"] is False
    assert by_id[GMEM]["series"] == {"messageId": GMEM, "resolved": False}


def test_tdx_dependency_graph_has_footnoted_series_and_fixup_tree(kvm: NetworkXStore) -> None:
    tdx = _one_series(kvm, "TDX huge page support", "id")
    view = run(
        kvm,
        "query($id: ID!) { dependencyGraph(series: $id) { nodes { id } edges { target kind } } }",
        id=tdx["id"],
    )["dependencyGraph"]
    targets = {(e["target"], e["kind"]) for e in view["edges"]}
    assert (f"Series:{DPAMT}", "BASED_ON") in targets
    assert (f"Series:{GMEM}", "BASED_ON") in targets
    assert ("Ref:https://github.com/intel-staging/tdx/tree/huge_page_v3", "FIXUP") in targets
    assert any("linux-cc/tree" in t and k == "BASED_ON" for t, k in targets)


def test_set_id_regs_v4_with_three_earlier_versions(kvm: NetworkXStore) -> None:
    series = _one_series(kvm, "Improve diagnostics", "version total versions { version messageId }")
    assert (series["version"], series["total"]) == (4, 5)
    earlier = series["versions"][:-1]
    assert [v["version"] for v in earlier] == [1, 2, 3]
    assert all(v["messageId"].endswith("@kernel.org") for v in earlier)


def test_fuad_series_base_and_suggested_by(kvm: NetworkXStore) -> None:
    series = _one_series(
        kvm,
        "Alignment fixes",
        "baseRef patches { number trailers { kind person { email: emails } } }",
    )
    assert series["baseRef"] == "6.19-rc4"
    first = series["patches"][0]
    assert first["number"] == 1
    assert {"kind": "SUGGESTED_BY", "person": {"email": ["will@kernel.org"]}} in first["trailers"]


def test_identities_and_companies(kvm: NetworkXStore) -> None:
    data = run(
        kvm,
        """{
      a: person(email: "Sascha.Bischoff@arm.com") { id }
      b: person(email: "sascha.bischoff@arm.com") { id }
      kirill: person(email: "kirill.shutemov@linux.intel.com") { company { name } }
      rick: person(email: "rick.p.edgecombe@intel.com") { name }
      marc: person(email: "marcandre.lureau@redhat.com") { name }
      stats { topCompanies(first: 1) { name } } }""",
    )
    assert data["a"] == data["b"] and data["a"] is not None
    assert data["kirill"]["company"]["name"] == "Intel"
    assert data["rick"]["name"] == "Rick P Edgecombe"
    assert data["marc"]["name"] == "Marc-André Lureau"
    assert data["stats"]["topCompanies"] == [{"name": "Intel"}]
