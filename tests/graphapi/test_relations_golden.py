"""Identities, companies with date ranges, subsystems and a dependency cycle, end to end.

Fixtures in tests/fixtures/relations: a small list (list.mbox) with a three-series
dependency cycle (A needs B, B depends on C, C is based on A), a MAINTAINERS file, a
.mailmap (Lena's old address), an aliases file (Raj's second address) and a company map in
which Mia moves from Red Hat to AMD on 2025-03-06. expected.json was written by hand from
reading them: e.g. Mia's Acked-by of 3 March counts for Red Hat, her Reviewed-by of
11 March for AMD; tdx.c is excluded (X:) from KVM/x86.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graphapi.cli import main
from graphapi.loading import load_sources
from graphapi.snapshot import read_snapshot
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from loaders.mail.patchid import patch_id
from tests.conftest import FIXTURES
from tests.graphapi.conftest import run

HERE = FIXTURES / "relations"
EXPECTED = json.loads((HERE / "expected.json").read_text("utf-8"))
OPTIONS = ["--aliases", str(HERE / "aliases.txt"), "--company-map", str(HERE / "companies.txt")]


def _load(db: Path, *names: str, options: list[str] | None = None) -> None:
    assert main(["load", "--db", str(db), *(str(HERE / n) for n in names), *(options or [])]) == 0


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> NetworkXStore:
    db = tmp_path_factory.mktemp("rel") / "g.db"
    _load(db, "MAINTAINERS", "people.mailmap", "list.mbox", options=OPTIONS)
    return read_snapshot(db)


def _people(store: NetworkXStore) -> list[dict[str, Any]]:
    data = run(store, "{ people(first: 50) { nodes { name names emails company { name } } } }")
    return [
        {**p, "company": p["company"]["name"] if p["company"] else None}
        for p in data["people"]["nodes"]
    ]


def _subsystems(store: NetworkXStore) -> dict[str, Any]:
    data = run(
        store,
        """{ allSeries(first: 50) { nodes { messageId
        subsystems { subsystem { name } maintainerReviewed reviewedBy { name } } } } }""",
    )
    return {
        s["messageId"]: [
            [x["subsystem"]["name"], x["maintainerReviewed"], [p["name"] for p in x["reviewedBy"]]]
            for x in s["subsystems"]
        ]
        for s in data["allSeries"]["nodes"]
    }


def test_identities_merge_addresses_and_names(graph: NetworkXStore) -> None:
    assert _people(graph) == EXPECTED["people"]


def found_by_every_address(store: Any) -> dict[str, str | None]:
    """Each address a person lists (and its upper-case spelling) -> who `person(email:)` finds."""
    query = "query($e: String!) { person(email: $e) { name } }"
    found: dict[str, str | None] = {}
    for person in EXPECTED["people"]:
        for address in person["emails"]:
            for spelling in (address, address.upper()):
                hit = run(store, query, e=spelling)["person"]
                found[spelling] = hit["name"] if hit else None
    return found


def expected_by_every_address() -> dict[str, str | None]:
    return {
        spelling: person["name"]
        for person in EXPECTED["people"]
        for address in person["emails"]
        for spelling in (address, address.upper())
    }


def test_a_person_is_found_by_every_address_merged_into_them(graph: NetworkXStore) -> None:
    # lena@old-host.example came in by .mailmap, raj@chromium.org by the aliases file.
    assert found_by_every_address(graph) == expected_by_every_address()
    assert run(graph, '{ person(email: "lena@old-host.example") { name } }') == {
        "person": {"name": "Lena Fischer"}
    }
    assert run(graph, '{ person(email: "nobody@old-host.example") { name } }') == {"person": None}


def test_company_network_uses_the_company_at_review_time(graph: NetworkXStore) -> None:
    data = run(graph, "{ reviewNetwork(level: COMPANY) { edges { source target weight } } }")
    edges = [[e["source"], e["target"], e["weight"]] for e in data["reviewNetwork"]["edges"]]
    assert sorted(edges) == EXPECTED["companyNetwork"]


def test_subsystems_and_maintainer_reviews(graph: NetworkXStore) -> None:
    assert _subsystems(graph) == EXPECTED["subsystems"]
    tdx = run(graph, '{ file(path: "arch/x86/kvm/vmx/tdx.c") { subsystems { name } } }')
    assert tdx["file"]["subsystems"] == [{"name": "INTEL TDX"}]  # X: excludes it from KVM/x86
    entry = run(
        graph, '{ subsystem(name: "KVM X86 SVM (AMD)") { status lists maintainers { name } } }'
    )
    assert entry["subsystem"] == {
        "status": "Maintained",
        "lists": ["kvm@vger.kernel.org"],
        "maintainers": [{"name": "Gopi Nair"}],
    }


@pytest.mark.parametrize(
    ("direction", "depth"), [("UPSTREAM", 10), ("UPSTREAM", 1), ("DOWNSTREAM", 1)]
)
def test_dependency_chain_with_a_cycle(graph: NetworkXStore, direction: str, depth: int) -> None:
    query = """query($d: Direction!, $n: Int!) { dependencyGraph(series: "chain-a@intel.com",
        direction: $d, maxDepth: $n) { edges { source target kind declared } } }"""
    edges = run(graph, query, d=direction, n=depth)["dependencyGraph"]["edges"]
    got = sorted([e["source"], e["target"], e["kind"], e["declared"]] for e in edges)
    assert got == EXPECTED["dependencies"][f"{direction}-{depth}"]


def test_load_order_does_not_matter(tmp_path: Path, graph: NetworkXStore) -> None:
    db = tmp_path / "later.db"
    _load(db, "list.mbox")
    _load(db, "people.mailmap", options=OPTIONS)
    _load(db, "MAINTAINERS")
    later = read_snapshot(db)
    assert _people(later) == _people(graph)
    assert _subsystems(later) == _subsystems(graph)


def test_prerequisite_patch_id_resolves_to_the_loaded_patch(tmp_path: Path) -> None:
    diff = (
        "diff --git a/virt/kvm/kvm_main.c b/virt/kvm/kvm_main.c\n--- a/virt/kvm/kvm_main.c\n"
        "+++ b/virt/kvm/kvm_main.c\n@@ -1 +1 @@\n-old\n+new\n"
    )
    base = f"Base work.\n\nSigned-off-by: Ana Lopez <ana@intel.com>\n---\n{diff}"
    needed = patch_id(base)
    assert needed is not None
    later = (
        "More work.\n\nSigned-off-by: Ana Lopez <ana@intel.com>\n---\n"
        f"base-commit: {'a' * 40}\nprerequisite-patch-id: {needed}\n"
        f"prerequisite-patch-id: {'f' * 40}\n"
    )
    mbox = tmp_path / "pid.mbox"
    mbox.write_text(
        _mail("pid-1@intel.com", "[PATCH] KVM: Base work", base)
        + _mail("pid-2@intel.com", "[PATCH] KVM: More work", later)
    )
    store = NetworkXStore()
    load_sources(store, [mbox], load_company_map())
    data = run(
        store,
        '{ series(messageId: "pid-2@intel.com") { unresolvedPrerequisites'
        " dependencies { kind declared series { messageId resolved } } } }",
    )
    assert data["series"] == {
        "unresolvedPrerequisites": 1,
        "dependencies": [
            {
                "kind": "PREREQUISITE",
                "declared": True,
                "series": {"messageId": "pid-1@intel.com", "resolved": True},
            }
        ],
    }


def _mail(msgid: str, subject: str, body: str) -> str:
    return (
        f"From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: Ana Lopez <ana@intel.com>\n"
        f"Subject: {subject}\nDate: Mon, 3 Mar 2025 10:00:00 +0000\nMessage-ID: <{msgid}>\n\n"
        f"{body}\n"
    )
