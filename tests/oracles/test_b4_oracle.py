"""b4 as a differential oracle (issue 11 item 9): the review trailers b4 applies, patch by patch.

A deterministic sample of series reviewed by reply is taken from three real archives. Each
series' thread (its cover and patches and every answer to them) is cut from the raw mail into
its own mbox and given to `b4 am`, which writes the patches with the trailers it applies. For
each patch the set of Reviewed/Acked/Tested-by addresses b4 applied is compared with the
graph's (body and reply trailers; addresses normalised as
`loaders.identity.aliases.canonical_email`).
Like is compared with like: a reply trailer naming someone other than its sender is reported
but not applied by b4 (the graph's `mismatch: true`), so those people are left out.

Every remaining disagreement is listed, with a class, in
tests/fixtures/oracles/b4-disagreements.json: a new one fails, a fixed one is reported.
Regenerate the file after a change that fixes or moves disagreements with
`GRAPHAPI_B4_UPDATE=1 pytest tests/oracles/test_b4_oracle.py`.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from graphapi.model import EdgeKind, NodeKind, node_id
from loaders.identity.aliases import canonical_email
from tests.conftest import FIXTURES
from tests.oracles import b4run, disagreements
from tests.oracles.classify import classify_b4
from tests.oracles.conftest import OracleCorpus
from tests.oracles.rawmail import children_of, thread_below

FIXTURE = FIXTURES / "oracles" / "b4-disagreements.json"
SAMPLED = {"virtualization": 25, "linux-riscv": 25, "kvm-cc": 25}
REVIEW_KINDS = {"REVIEWED_BY", "ACKED_BY", "TESTED_BY"}
COMPARED_SOURCES = {"BODY", "REPLY", "COVER_REPLY"}  # what b4 sees in one thread


@dataclass
class SampledSeries:
    """One series of the sample: its thread, the message b4 is given, our trailers."""

    corpus: str
    key: str
    version: int
    start: str
    thread: set[str]
    ours: dict[str, set[str]] = field(default_factory=dict)  # patch -> people
    excluded: dict[str, set[str]] = field(default_factory=dict)  # patch -> mismatched people
    below_start: set[str] = field(default_factory=set)  # what answers the message b4 is given


def _trailers(corpus: OracleCorpus, patch: str) -> list[tuple[str, dict[str, object]]]:
    graph = corpus.store.graph
    return [
        (person.split(":", 1)[1], data)
        for person, _, data in graph.in_edges(node_id(NodeKind.PATCH, patch), data=True)
        if data["kind"] is EdgeKind.TRAILER and data.get("trailerKind") in REVIEW_KINDS
    ]


def _patches(corpus: OracleCorpus, series: str) -> list[str]:
    graph = corpus.store.graph
    sid = node_id(NodeKind.SERIES, series)
    return sorted(
        graph.nodes[p]["key"]
        for p, _, d in graph.in_edges(sid, data=True)
        if d["kind"] is EdgeKind.PART_OF
    )


def _reviewed_by_reply(corpus: OracleCorpus, series: str) -> bool:
    return any(
        data.get("source") in ("REPLY", "COVER_REPLY") and not data.get("mismatch")
        for patch in _patches(corpus, series)
        for _, data in _trailers(corpus, patch)
    )


def sample(corpus: OracleCorpus, count: int) -> list[SampledSeries]:
    """`count` series reviewed by reply, in an order fixed by a hash of their keys."""
    children = children_of(corpus.mails)
    chosen: list[SampledSeries] = []
    keys = [
        a["key"] for _, a in corpus.store.graph.nodes(data=True) if a["kind"] is NodeKind.SERIES
    ]
    for key in sorted(keys, key=lambda k: hashlib.sha256(f"{corpus.name}:{k}".encode()).digest()):
        if len(chosen) == count:
            break
        series = _sampled(corpus, key, children)
        if series is not None:
            chosen.append(series)
    return chosen


def _sampled(corpus: OracleCorpus, key: str, children: dict[str, set[str]]) -> SampledSeries | None:
    props = corpus.store.graph.nodes[node_id(NodeKind.SERIES, key)]["props"]
    patches = [p for p in _patches(corpus, key) if p in corpus.mails]
    if not patches or not _reviewed_by_reply(corpus, key):
        return None
    cover = props.get("messageId")
    start = cover if cover in corpus.mails and cover not in patches else patches[0]
    roots = [start, *patches]
    series = SampledSeries(
        corpus.name, key, int(props.get("version") or 1), start, thread_below(roots, children)
    )
    series.below_start = thread_below([start], children)
    for patch in patches:
        trailers = [(p, d) for p, d in _trailers(corpus, patch) if d["source"] in COMPARED_SOURCES]
        series.excluded[patch] = {p for p, d in trailers if d.get("mismatch")}
        series.ours[patch] = {p for p, _ in trailers} - series.excluded[patch]
    return series


def _compare(
    series: SampledSeries, applied: dict[str, set[str]], error: str
) -> list[dict[str, object]]:
    """One entry per (patch, person) on which b4 and the graph differ."""
    found: list[dict[str, object]] = []
    base = {"corpus": series.corpus, "series": series.key}
    for patch, ours in series.ours.items():
        if error or patch not in applied:
            kind = "B4_FAILED" if error else "B4_NO_PATCH"
            kind += "" if error or patch in series.below_start else "_NOT_BELOW_START"
            found.append({**base, "patch": patch, "person": "*", "side": "b4", "class": kind})
            continue
        theirs = {canonical_email(a) for a in applied[patch]} - series.excluded[patch]
        for person in sorted(theirs - ours):
            found.append({**base, "patch": patch, "person": person, "side": "b4-only"})
        for person in sorted(ours - theirs):
            found.append({**base, "patch": patch, "person": person, "side": "ours-only"})
    return found


def _b4_python() -> Path:
    python, why = b4run.ensure_b4()
    if python is None:
        if os.environ.get("CI") == "true":
            pytest.fail(why + " (CI=true: b4 must be installable)")
        pytest.skip(why)
    return python


def test_b4_applies_the_review_trailers_the_graph_has(
    oracle_corpus: Callable[[str], OracleCorpus], tmp_path: Path
) -> None:
    python = _b4_python()
    started = time.perf_counter()
    sampled: list[SampledSeries] = []
    corpora = {}
    for name, count in SAMPLED.items():
        corpora[name] = corpus = oracle_corpus(name)
        sampled.extend(sample(corpus, count))
    assert len(sampled) >= 60
    loaded = time.perf_counter()
    jobs = []
    for index, series in enumerate(sampled):
        folder = tmp_path / f"t{index:03d}"
        folder.mkdir()
        mails = corpora[series.corpus].mails
        b4run.write_mbox(folder / "thread.mbox", (mails[m] for m in series.thread if m in mails))
        jobs.append(b4run.Job(folder / "thread.mbox", folder, series.version, series.start))
    errors = b4run.run_b4(python, jobs)
    applied = time.perf_counter()
    found = []
    for job, series in zip(jobs, sampled, strict=True):
        entries = _compare(series, b4run.applied_trailers(job.outdir), errors[job.msgid])
        for entry in entries:
            entry.setdefault("class", classify_b4(corpora[series.corpus], series.thread, entry))
        found.extend(entries)
    _report(sampled, found)
    print(
        f"b4 oracle time: corpora and sample {loaded - started:.1f} s, b4 on {len(jobs)} threads "
        f"{applied - loaded:.1f} s, comparison {time.perf_counter() - applied:.1f} s"
    )
    new, _ = disagreements.check(
        FIXTURE,
        found,
        ("corpus", "patch", "person", "side"),
        "GRAPHAPI_B4_UPDATE",
        f"b4 {b4run.B4_VERSION} vs the graph: review trailers per patch",
        "tests/oracles/test_b4_oracle.py",
    )
    assert not new, f"{len(new)} new disagreement(s) with b4: {new[:20]}"


def _report(sampled: list[SampledSeries], found: list[dict[str, object]]) -> None:
    """Agreement by corpus (a patch agrees when both sets are equal) and classes, printed."""
    wrong = {(e["corpus"], e["patch"]) for e in found}
    for name in SAMPLED:
        patches = [(s.corpus, p) for s in sampled if s.corpus == name for p in s.ours]
        agree = sum(1 for p in patches if p not in wrong)
        share = 100 * agree / len(patches) if patches else 0.0
        print(f"b4 oracle {name}: {agree}/{len(patches)} patches agree ({share:.1f} %)")
    print("b4 oracle disagreements by class:", disagreements.by_class(found))
