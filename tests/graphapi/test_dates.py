"""DateTime arguments without a UTC offset are UTC; a date alone is its whole UTC day.

The fixture `dates/day_edges.mbox` is one patch (1 June 2025, 09:00 UTC) reviewed three
times around the edges of that day: an ack sent at 01:00 +0300 on 1 June (31 May, 22:00
UTC), a review at 23:30 UTC on 1 June, and a test at 00:30 UTC on 2 June.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graphapi.loading import load_sources
from graphapi.schema.dates import WholeDay, parse_datetime, window_until
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from tests.conftest import FIXTURES
from tests.graphapi.conftest import run, run_errors

DAY_EDGES = FIXTURES / "dates" / "day_edges.mbox"
ACK = "Person:dario.conti@suse.com"  # 2025-05-31T22:00Z
REVIEW = "Person:bea.lind@google.com"  # 2025-06-01T23:30Z
TEST = "Person:chen.hao@redhat.com"  # 2025-06-02T00:30Z

NETWORK = (
    "query($s: DateTime, $u: DateTime, $level: NetworkLevel! = PERSON) {"
    " reviewNetwork(since: $s, until: $u, level: $level) { edges { source } } }"
)
STATS = "query($s: DateTime, $u: DateTime) { reviewStats(since: $s, until: $u) { name } }"


@pytest.fixture(scope="module")
def store() -> NetworkXStore:
    graph = NetworkXStore()
    load_sources(graph, [DAY_EDGES], load_company_map())
    return graph


@pytest.mark.parametrize(
    ("since", "until", "reviewers"),
    [
        ("2025-06-01", "2025-06-01", {REVIEW}),  # the whole day, in UTC
        ("2025-06-01", None, {REVIEW, TEST}),  # from 00:00 UTC
        (None, "2025-06-01", {ACK, REVIEW}),  # up to the end of the day
        (None, "2025-06-01T00:00:00", {ACK}),  # an instant: midnight UTC
        ("2025-06-01T23:30:00", None, {REVIEW, TEST}),  # inclusive, UTC
        ("2025-06-02", None, {TEST}),
        ("2025-06-01T01:00:00+03:00", "2025-06-01T22:00:00Z", {ACK}),  # offsets still count
    ],
)
def test_review_network_windows(
    store: NetworkXStore, since: str | None, until: str | None, reviewers: set[str]
) -> None:
    for level in ("PERSON", "COMPANY"):
        edges = run(store, NETWORK, s=since, u=until, level=level)["reviewNetwork"]["edges"]
        if level == "PERSON":
            assert {e["source"] for e in edges} == reviewers
        else:
            assert len(edges) == len(reviewers)  # each reviewer is of another company


def test_review_stats_accept_dates_without_offset(store: NetworkXStore) -> None:
    """The series was posted at 09:00 UTC on 1 June."""
    assert run(store, STATS, s="2025-06-01", u="2025-06-01")["reviewStats"] == [{"name": "Intel"}]
    assert run(store, STATS, u="2025-06-01T08:59:59")["reviewStats"] == []
    assert run(store, STATS, s="2025-06-01T09:00:00")["reviewStats"] == [{"name": "Intel"}]


@pytest.mark.parametrize("bad", ["June 1st", "2025-13-01", "2025-06-01T25:00:00", ""])
def test_a_malformed_date_is_named_in_the_error(store: NetworkXStore, bad: str) -> None:
    for errors in (
        run_errors(store, NETWORK, s=bad),
        run_errors(store, '{ reviewNetwork(until: "' + bad + '") { edges { source } } }'),
    ):
        assert len(errors) == 1
        assert repr(bad) in errors[0] and "ISO 8601" in errors[0], errors


def test_parsing_rules() -> None:
    day = parse_datetime("2025-06-01")
    assert isinstance(day, WholeDay) and day == datetime(2025, 6, 1, tzinfo=UTC)
    naive = parse_datetime("2025-06-01T09:30:00")
    assert not isinstance(naive, WholeDay) and naive == datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
    assert parse_datetime("2025-06-01T09:30:00+02:00") == datetime(2025, 6, 1, 7, 30, tzinfo=UTC)
    assert window_until(day) == datetime(2025, 6, 1, 23, 59, 59, 999999, tzinfo=UTC)
    assert window_until(naive) is naive
    assert window_until(None) is None


def test_dates_still_go_out_with_their_offset(store: NetworkXStore) -> None:
    data = run(store, '{ patch(messageId: "day-1@intel.com") { date } }')
    assert data["patch"]["date"] == "2025-06-01T09:00:00+00:00"
