"""Golden facts of the small digest fixture, checked through the GraphQL schema.

Every expected value below was derived by reading tests/fixtures/digest/small.txt.
"""

from __future__ import annotations

from graphapi.store.networkx_store import NetworkXStore
from tests.graphapi.conftest import run

FOLD_V1 = "20251101120000.1000-1-ana.lopez@intel.com"
GFN_V3 = "20251120080000.2000-1-olga.ivanova@linux.intel.com"


def _series_by_title(store: NetworkXStore, words: str) -> dict:
    data = run(
        store,
        """query($s: String) { allSeries(search: $s) { nodes { id title version total
        isRfc resolved baseRef } } }""",
        s=words,
    )
    nodes = data["allSeries"]["nodes"]
    assert len(nodes) == 1, nodes
    return nodes[0]


def test_addresses_are_case_insensitive_and_one_person(digest_store: NetworkXStore) -> None:
    upper = run(digest_store, '{ person(email: "Ana.Lopez@INTEL.com") { name emails } }')
    assert upper["person"] == {"name": "Ana Lopez", "emails": ["ana.lopez@intel.com"]}


def test_login_author_gets_real_name_from_signed_off_by(digest_store: NetworkXStore) -> None:
    data = run(digest_store, '{ person(email: "pedurand@redhat.com") { name company { name } } }')
    assert data["person"] == {"name": "Pierre-Émile Durand", "company": {"name": "Red Hat"}}


def test_last_first_name_is_turned_around(digest_store: NetworkXStore) -> None:
    data = run(digest_store, '{ person(email: "jean.p.moreau@intel.com") { name } }')
    assert data["person"]["name"] == "Jean P Moreau"


def test_subdomain_rolls_up_to_company(digest_store: NetworkXStore) -> None:
    data = run(
        digest_store, '{ person(email: "olga.ivanova@linux.intel.com") { company { name } } }'
    )
    assert data["person"]["company"]["name"] == "Intel"


def test_who_reviews_whom(digest_store: NetworkXStore) -> None:
    data = run(
        digest_store,
        """{ person(email: "ana.lopez@intel.com") {
        reviewers { person { name } count patches { number title } }
        reviewees { person { name } count } } }""",
    )
    reviewers = {t["person"]["name"]: t["count"] for t in data["person"]["reviewers"]}
    assert reviewers == {"Tom Berg": 1, "Jean P Moreau": 1}
    assert data["person"]["reviewers"][0]["patches"][0]["number"] == 1
    assert data["person"]["reviewees"] == [{"person": {"name": "Tom Berg"}, "count": 1}]


def test_series_shape_versions_and_dependencies(digest_store: NetworkXStore) -> None:
    fold = _series_by_title(digest_store, "fold entries")
    assert (fold["version"], fold["total"], fold["resolved"], fold["baseRef"]) == (
        2,
        3,
        True,
        "6.19-rc2",
    )
    data = run(
        digest_store,
        """query($id: ID) { series(id: $id) {
        previousVersion { messageId version resolved }
        versions { version resolved }
        dependencies { kind declared label messageId series { messageId resolved } }
        contributors { person { name } count } } }""",
        id=fold["id"],
    )["series"]
    assert data["previousVersion"] == {"messageId": FOLD_V1, "version": 1, "resolved": False}
    assert [v["version"] for v in data["versions"]] == [1, 2]
    gfn = [d for d in data["dependencies"] if d["messageId"] == GFN_V3]
    assert len(gfn) == 1
    assert gfn[0]["declared"] is False
    assert gfn[0]["series"] == {"messageId": GFN_V3, "resolved": False}
    assert {(c["person"]["name"], c["count"]) for c in data["contributors"]} == {
        ("Ana Lopez", 2),
        ("Jean P Moreau", 1),
    }


def test_cut_subject_completed_from_cover_shortlog(digest_store: NetworkXStore) -> None:
    fold = _series_by_title(digest_store, "fold entries")
    data = run(
        digest_store,
        "query($id: ID) { series(id: $id) { patches { number title"
        " trailers { kind name person { name } } } } }",
        id=fold["id"],
    )
    patch = data["series"]["patches"][0]
    assert (
        patch["title"]
        == "KVM: x86/mmu: Teach the shadow MMU about folded entries and their split state"
    )
    kinds = [(t["kind"], t["person"]["name"]) for t in patch["trailers"]]
    assert kinds == [
        ("SUGGESTED_BY", "Tom Berg"),
        ("REVIEWED_BY", "Tom Berg"),
        ("REVIEWED_BY", "Jean P Moreau"),
        ("SIGNED_OFF_BY", "Ana Lopez"),
    ]


def test_shortened_diffstat_path_is_completed(digest_store: NetworkXStore) -> None:
    data = run(
        digest_store,
        """{ file(path: "tools/testing/selftests/kvm/x86/frobnicate_test.c") {
        directory patches { totalCount } authors { person { name } count } } }""",
    )
    assert data["file"]["directory"] == "tools/testing/selftests/kvm/x86"
    assert data["file"]["patches"]["totalCount"] == 1
    assert data["file"]["authors"] == [{"person": {"name": "Tom Berg"}, "count": 1}]


def test_fixes_url_is_kept(digest_store: NetworkXStore) -> None:
    series = _series_by_title(digest_store, "frobnicate-capabilities")
    data = run(
        digest_store,
        "query($id: ID) { series(id: $id) { total patches { fixes } } }",
        id=series["id"],
    )
    assert data["series"]["total"] == 1
    assert data["series"]["patches"][0]["fixes"] == [
        "https://bugs.example.org/show_bug.cgi?id=4242"
    ]


def test_stats_rank_companies_by_patches_contributed(digest_store: NetworkXStore) -> None:
    data = run(digest_store, "{ stats { people series topCompanies { name count } } }")["stats"]
    assert data["topCompanies"][0] == {"name": "Intel", "count": 3}
    assert {"name": "Red Hat", "count": 1} in data["topCompanies"]
    assert data["series"] == 3
    assert data["people"] == 5


def test_company_reviews_company(digest_store: NetworkXStore) -> None:
    data = run(
        digest_store,
        '{ company(name: "Intel") { reviewers { company { name } count }'
        " reviewees { company { name } count } } }",
    )
    assert data["company"]["reviewers"] == [{"company": {"name": "Google"}, "count": 1}]
    assert data["company"]["reviewees"] == [{"company": {"name": "Google"}, "count": 1}]
