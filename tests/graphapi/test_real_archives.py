"""Issue 3 acceptance on the real archives in ../shared/corpora (public-inbox and mboxrd)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from graphapi.loading import LoadSummary, load_sources
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from tests.conftest import corpus_file
from tests.graphapi.conftest import run

SET_ID_REGS = "KVM: selftests: arm64: Improve diagnostics from set_id_regs"


@pytest.fixture(scope="module")
def ppc_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    bundle = corpus_file("kvm-ppc.vger.kernel.org.0.bundle")
    target = tmp_path_factory.mktemp("inbox") / "kvm-ppc.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(bundle), str(target)], check=True)
    return target


def _load(store: NetworkXStore, source: Path, range_spec: str | None = None) -> LoadSummary:
    return load_sources(store, [source], load_company_map(), range_spec)


def _shape(store: NetworkXStore) -> tuple[int, int]:
    return store.graph.number_of_nodes(), store.graph.number_of_edges()


def _adds_up(summary: LoadSummary) -> bool:
    return summary.read == summary.loaded + summary.duplicates + summary.skipped


def test_public_inbox_loads_completely_and_reloads_to_the_same_graph(ppc_repo: Path) -> None:
    store = NetworkXStore()
    first = _load(store, ppc_repo)
    assert _adds_up(first) and first.read == 5965
    assert first.loaded > 5900
    shape = _shape(store)
    again = _load(store, ppc_repo)  # resumes after the last commit: nothing new
    assert (again.read, again.loaded) == (0, 0)
    assert _shape(store) == shape
    everything = _load(store, ppc_repo, "..HEAD")
    assert everything.loaded == 0 and everything.duplicates == first.loaded + first.duplicates
    assert _shape(store) == shape


def test_two_halves_give_the_same_graph_as_one_load(ppc_repo: Path) -> None:
    commits = subprocess.run(
        ["git", "--git-dir", str(ppc_repo), "rev-list", "--reverse", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    middle = commits[len(commits) // 2]
    whole, halves = NetworkXStore(), NetworkXStore()
    _load(whole, ppc_repo)
    first = _load(halves, ppc_repo, f"..{middle}")
    second = _load(halves, ppc_repo, f"{middle}..")
    assert first.read + second.read == len(commits)
    assert _shape(halves) == _shape(whole)
    query = "{ stats { messages people companies series patches files } }"
    assert run(halves, query) == run(whole, query)


@pytest.fixture(scope="module")
def kvm_cc() -> NetworkXStore:
    store = NetworkXStore()
    summary = _load(store, corpus_file("kvm-cc-2025plus.mbox.gz"))
    assert _adds_up(summary) and summary.read == 9587
    # The digest repeats some of this traffic (set_id_regs v4): it must not add copies.
    _load(store, corpus_file("kvm-digest-810a535b1..2da7ebe7a.txt"))
    return store


def _set_id_regs(store: NetworkXStore) -> list[dict[str, Any]]:
    data = run(
        store,
        """query($s: String) { allSeries(search: $s, first: 20) { nodes {
        title version resolved author { name } versions { version resolved }
        patches { number trailers(kinds: [REVIEWED_BY]) { person { emails } source } } } } }""",
        s=SET_ID_REGS,
    )
    nodes: list[dict[str, Any]] = data["allSeries"]["nodes"]
    return nodes


def test_set_id_regs_versions_linked_oldest_to_newest(kvm_cc: NetworkXStore) -> None:
    nodes = _set_id_regs(kvm_cc)
    v4 = next(n for n in nodes if n["version"] == 4)
    assert v4["author"]["name"] == "Mark Brown"
    assert v4["versions"] == [{"version": v, "resolved": True} for v in (1, 2, 3, 4)]


def test_reply_reviews_land_on_v3_patches(kvm_cc: NetworkXStore) -> None:
    v3 = next(n for n in _set_id_regs(kvm_cc) if n["version"] == 3)
    reviewed = {
        p["number"]
        for p in v3["patches"]
        for t in p["trailers"]
        if t["person"]["emails"] == ["ben.horgan@arm.com"] and t["source"] == "REPLY"
    }
    assert reviewed == {1, 2, 3}


def test_digest_and_mbox_of_the_same_traffic_give_one_series(kvm_cc: NetworkXStore) -> None:
    nodes = _set_id_regs(kvm_cc)
    assert sorted(n["version"] for n in nodes) == [1, 2, 3, 4]
    v4 = next(n for n in nodes if n["version"] == 4)
    first = v4["patches"][0]
    assert first["number"] == 1
    assert [t["source"] for t in first["trailers"]] == ["BODY"]
