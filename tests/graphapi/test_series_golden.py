"""Golden tests of series and version assembly (issue 11 items 2, 3 and 5).

Each `tests/fixtures/series/NAME.mbox` exercises one rule; it is loaded into a fresh graph
and summarised through the GraphQL API; the summary must equal `NAME.expected.json`, written
from reading the fixture: mismatched version labels in one thread, pull requests, unlabeled
and RESEND re-rolls, a re-roll without a cover, patch-id links and CARRIED reply trailers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from graphapi.loading import load_sources
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from tests.conftest import FIXTURES
from tests.graphapi.conftest import run

SERIES = FIXTURES / "series"
CASES = sorted(p.name.removesuffix(".expected.json") for p in SERIES.glob("*.expected.json"))
QUERY = """{ allSeries(first: 100) { nodes { title version kind total received date linkedBy
  isRfc coverLetter { id } previousVersion { title version isRfc }
  patches { number version trailers(kinds: [REVIEWED_BY, ACKED_BY, TESTED_BY]) {
    kind source person { emails } } } } } }"""


def _load(name: str) -> NetworkXStore:
    store = NetworkXStore()
    load_sources(store, [SERIES / f"{name}.mbox"], load_company_map())
    return store


def _summary(store: NetworkXStore) -> list[dict[str, Any]]:
    nodes = run(store, QUERY)["allSeries"]["nodes"]
    nodes.sort(key=lambda s: (s["date"] or "", s["title"], s["version"]))
    return [_series(s) for s in nodes]


def _series(node: dict[str, Any]) -> dict[str, Any]:
    previous = node["previousVersion"]
    return {
        "title": node["title"],
        "version": node["version"],
        "rfc": node["isRfc"],
        "kind": node["kind"],
        "total": node["total"],
        "received": node["received"],
        "cover": node["coverLetter"] is not None,
        "previous": _label(previous) if previous else None,
        "linkedBy": node["linkedBy"],
        "patches": [
            {
                "number": p["number"],
                "version": p["version"],
                "reviews": sorted(
                    [t["kind"], t["person"]["emails"][0], t["source"]] for t in p["trailers"]
                ),
            }
            for p in node["patches"]
        ],
    }


def _label(series: dict[str, Any]) -> str:
    return f"{series['title']} {'RFC ' if series['isRfc'] else ''}v{series['version']}"


@pytest.mark.parametrize("case", CASES)
def test_series_assembly_matches_golden(case: str) -> None:
    expected = json.loads((SERIES / f"{case}.expected.json").read_text("utf-8"))
    assert _summary(_load(case)) == expected


def test_every_series_fixture_has_an_expected_summary() -> None:
    assert {p.stem for p in SERIES.glob("*.mbox")} == set(CASES)


STATS = """query($pulls: Boolean!) { reviewStats(includePullRequests: $pulls) {
  name seriesPosted seriesReviewed } }"""


def test_review_stats_leave_pull_requests_out_unless_asked() -> None:
    store = _load("pull_requests")
    # Mia (Red Hat) posted one patch, reviewed by Raj, and two pull requests nobody reviews.
    alone = run(store, STATS, pulls=False)["reviewStats"]
    with_pulls = run(store, STATS, pulls=True)["reviewStats"]
    assert alone == [{"name": "Red Hat", "seriesPosted": 1, "seriesReviewed": 1}]
    assert with_pulls == [{"name": "Red Hat", "seriesPosted": 3, "seriesReviewed": 1}]


def test_carried_reviews_are_shown_but_never_counted() -> None:
    store = _load("carried_reviews")
    data = run(
        store,
        """{ person(email: "mia.wong@redhat.com") { reviewers { person { name } count } }
        v2: series(messageId: "pi2-0@redhat.com") { firstReview { person { name } } }
        reviewStats { name seriesPosted seriesReviewed } }""",
    )
    # Noah reviewed one patch (v1 1/2); its CARRIED copy on v2 1/2 adds no second one.
    reviewers = {t["person"]["name"]: t["count"] for t in data["person"]["reviewers"]}
    assert reviewers == {"Noah Berg": 1, "Lena Fischer": 1}
    assert data["v2"]["firstReview"] is None
    assert data["reviewStats"] == [{"name": "Red Hat", "seriesPosted": 2, "seriesReviewed": 1}]
