"""Review timing against an independent count (issue 11 acceptance), on kvm-cc.

`tests.oracles.first_review` recomputes every series' first review from the raw mail with the
standard library only. For every series both sides know (matched by a patch's Message-ID),
the graph's `Series.firstReview` must name the same reply and the same hours after posting on
at least 98 % of those that either side finds reviewed. The rest are listed, with a class, in
tests/fixtures/oracles/first-review-disagreements.json: a new one fails, a fixed one is
reported. Regenerate with `GRAPHAPI_FIRST_REVIEW_UPDATE=1 pytest
tests/oracles/test_first_review_oracle.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from graphapi.model import EdgeKind, NodeKind, node_id
from tests.conftest import FIXTURES
from tests.oracles import disagreements
from tests.oracles.classify import shape_of_review
from tests.oracles.conftest import OracleCorpus
from tests.oracles.first_review import OracleSeries, first_reviews

FIXTURE = FIXTURES / "oracles" / "first-review-disagreements.json"
HOURS_TOLERANCE = 0.01
MIN_AGREEMENT = 0.98


def _graph_first(corpus: OracleCorpus, key: str) -> tuple[str, str, float] | None:
    """(message, person, hours) of the graph's first review of a series, as the API says."""
    store = corpus.store
    found = store.first_review_many([key])[0]
    if found is None:
        return None
    person, when = found
    sid = node_id(NodeKind.SERIES, key)
    posted = store.graph.nodes[sid]["props"]["date"]
    message = ""
    for patch, _, part in store.graph.in_edges(sid, data=True):
        if part["kind"] is not EdgeKind.PART_OF:
            continue
        for giver, _, data in store.graph.in_edges(patch, data=True):
            if giver == person.id and data.get("date") == when and data.get("source") != "BODY":
                message = str(data.get("messageKey") or "")
    hours = (datetime.fromisoformat(when) - datetime.fromisoformat(posted)).total_seconds() / 3600
    return message, person.key, hours


def _graph_series_of(corpus: OracleCorpus) -> dict[str, str]:
    """Patch Message-ID -> the graph's series key."""
    return {
        corpus.store.graph.nodes[patch]["key"]: corpus.store.graph.nodes[series]["key"]
        for patch, series, data in corpus.store.graph.edges(data=True)
        if data["kind"] is EdgeKind.PART_OF
    }


def _oracle_hours(series: OracleSeries) -> float | None:
    if series.first is None or series.posted is None:
        return None
    return (series.first[0] - series.posted).total_seconds() / 3600


def _verdict(corpus: OracleCorpus, key: str, mine: OracleSeries) -> dict[str, Any] | None:
    """None when the two agree, else the disagreement with its class."""
    ours = _graph_first(corpus, key)
    theirs = mine.first
    entry: dict[str, Any] = {"series": key, "oracleRoot": mine.root}
    if ours is None and theirs is None:
        return None
    if ours is None:
        assert theirs is not None
        return entry | {
            "message": theirs[2],
            "person": theirs[1],
            "class": "GRAPH_NONE_" + shape_of_review(corpus, theirs[2], theirs[1]),
        }
    if theirs is None:
        return entry | {"message": ours[0], "person": ours[1], "class": "ORACLE_NONE"}
    hours = _oracle_hours(mine)
    if ours[0] != theirs[2]:
        later = "GRAPH_LATER" if ours[2] > (hours or 0) else "GRAPH_EARLIER"
        shape = shape_of_review(corpus, theirs[2], theirs[1]) if later == "GRAPH_LATER" else ""
        return entry | {
            "message": theirs[2],
            "graphMessage": ours[0],
            "person": theirs[1],
            "class": "_".join(filter(None, [later, shape])),
        }
    if hours is None or abs(ours[2] - hours) > HOURS_TOLERANCE:
        return entry | {"message": ours[0], "person": ours[1], "class": "POSTED_AT_DIFFERS"}
    return None


def test_first_review_agrees_with_an_independent_count(
    oracle_corpus: Callable[[str], OracleCorpus],
) -> None:
    corpus = oracle_corpus("kvm-cc")
    mine = first_reviews(corpus.mails)
    graph_series = _graph_series_of(corpus)
    compared: dict[str, OracleSeries] = {}
    for series in mine.values():
        patches = sorted(p for p in series.patches if p in graph_series)
        if patches and graph_series[patches[0]] not in compared:
            compared[graph_series[patches[0]]] = series
    found = []
    counted = 0
    for key, series in sorted(compared.items()):
        verdict = _verdict(corpus, key, series)
        if verdict is not None or series.first is not None:
            counted += 1
        if verdict is not None:
            found.append(verdict)
    share = 1 - len(found) / counted if counted else 0.0
    print(
        f"first review, kvm-cc: {len(compared)} series both know, {counted} reviewed by either, "
        f"{counted - len(found)} agree ({100 * share:.1f} %); disagreements by class: "
        f"{disagreements.by_class(found)}"
    )
    new, _ = disagreements.check(
        FIXTURE,
        found,
        ("series", "class"),
        "GRAPHAPI_FIRST_REVIEW_UPDATE",
        "Series.firstReview vs an independent stdlib count on kvm-cc (tests/oracles)",
        "tests/oracles/test_first_review_oracle.py",
    )
    assert len(compared) > 400
    assert share >= MIN_AGREEMENT, f"{share:.3f} agreement < {MIN_AGREEMENT}"
    assert not new, f"{len(new)} new first-review disagreement(s): {new[:20]}"
