"""Golden tests of series assembly: one small mbox per case, expected summary beside it.

Each `tests/fixtures/threads/NAME.mbox` (or the sources named in SOURCES) is loaded into a
fresh graph and summarised through the GraphQL API; the summary must equal
`NAME.expected.json`, written by hand from reading the fixture.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graphapi.loading import load_sources
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from tests.conftest import FIXTURES
from tests.graphapi.conftest import run

THREADS = FIXTURES / "threads"
SOURCES = {"digest_copy": ["out_of_order.mbox", "digest_copy.txt"]}
CASES = sorted(p.name.removesuffix(".expected.json") for p in THREADS.glob("*.expected.json"))
QUERY = """{ stats { messages } allSeries(first: 100) { nodes { title version total received date
  coverLetter { id } previousVersion { title version }
  patches { number trailers(kinds: [REVIEWED_BY, ACKED_BY, TESTED_BY]) {
    kind source mismatch person { emails } } } } } }"""


def _summary(store: NetworkXStore) -> dict[str, Any]:
    data = run(store, QUERY)
    series = sorted(data["allSeries"]["nodes"], key=lambda s: (s["title"], s["version"], s["date"]))
    return {"messages": data["stats"]["messages"], "series": [_series(s) for s in series]}


def _series(node: dict[str, Any]) -> dict[str, Any]:
    previous = node["previousVersion"]
    return {
        "title": node["title"],
        "version": node["version"],
        "total": node["total"],
        "received": node["received"],
        "cover": node["coverLetter"] is not None,
        "previous": f"{previous['title']} v{previous['version']}" if previous else None,
        "patches": [
            {"number": p["number"], "reviews": sorted(_review(t) for t in p["trailers"])}
            for p in node["patches"]
        ],
    }


def _review(trailer: dict[str, Any]) -> list[Any]:
    return [trailer["kind"], trailer["person"]["emails"][0], trailer["source"], trailer["mismatch"]]


@pytest.mark.parametrize("case", CASES)
def test_assembly_matches_golden(case: str) -> None:
    store = NetworkXStore()
    names = SOURCES.get(case, [f"{case}.mbox"])
    load_sources(store, [THREADS / name for name in names], load_company_map())
    expected = json.loads((THREADS / f"{case}.expected.json").read_text("utf-8"))
    assert _summary(store) == expected


def test_every_fixture_has_an_expected_summary() -> None:
    inputs = {p.stem for p in THREADS.glob("*.mbox")} - {"digest_copy"}
    assert inputs <= set(CASES)


def test_load_order_does_not_matter(tmp_path: Path) -> None:
    forward, backward = NetworkXStore(), NetworkXStore()
    names = ["reply_trailers.mbox", "implicit_versions.mbox"]
    for name in names:
        load_sources(forward, [THREADS / name], load_company_map())
    for name in reversed(names):
        load_sources(backward, [THREADS / name], load_company_map())
    assert _summary(forward) == _summary(backward)


def test_review_network_time_window_and_replies() -> None:
    store = NetworkXStore()
    load_sources(store, [THREADS / "reply_trailers.mbox"], load_company_map())
    query = (
        "query($s: DateTime, $u: DateTime) {"
        " reviewNetwork(since: $s, until: $u) { edges { source } } }"
    )
    before = run(store, query, u="2025-03-04T00:00:00+00:00")["reviewNetwork"]["edges"]
    during = run(store, query, s="2025-03-05T00:00:00+00:00", u="2025-03-06T00:00:00+00:00")
    assert before == []
    assert {e["source"] for e in during["reviewNetwork"]["edges"]} == {
        "Person:raj.iyer@google.com",
        "Person:mia.wong@redhat.com",
        "Person:noah.berg@redhat.com",
    }
    cover = run(
        store,
        '{ series(messageId: "rc-1@intel.com") { coverLetter { date'
        " replies { author { name } inReplyTo { messageId } } } } }",
    )
    letter = cover["series"]["coverLetter"]
    assert letter["date"] == "2025-03-05T08:00:00+00:00"
    assert {"author": {"name": "Raj Iyer"}, "inReplyTo": {"messageId": "rc-0@intel.com"}} in letter[
        "replies"
    ]


def test_first_review_and_review_stats() -> None:
    store = NetworkXStore()
    load_sources(store, [THREADS / "reply_trailers.mbox"], load_company_map())
    data = run(
        store,
        '{ series(messageId: "rc-0@intel.com") {'
        " firstReview { person { name } hoursAfterPosting } }"
        " reviewStats { name seriesPosted seriesReviewed shareReviewed"
        " medianHoursToFirstReview } }",
    )
    # Raj's reply to the cover came at 12:00, four hours after the 08:00 cover.
    assert data["series"]["firstReview"] == {
        "person": {"name": "Raj Iyer"},
        "hoursAfterPosting": 4.0,
    }
    assert data["reviewStats"] == [
        {
            "name": "Intel",
            "seriesPosted": 1,
            "seriesReviewed": 1,
            "shareReviewed": 1.0,
            "medianHoursToFirstReview": 4.0,
        }
    ]
