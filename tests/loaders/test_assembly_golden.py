"""Assembly on its own: messages in, records out, no graph and no GraphQL.

The same hand-written expectations as `tests/graphapi/test_threads_golden.py`
(`tests/fixtures/threads/NAME.expected.json`), checked straight on `assemble()`'s records:
which series there are (title, version, total, patches received, cover letter, previous
version) and the review trailers each patch gets (kind, address, where it was found,
mismatch). A failure here points at assembly; one only in the graph test points at ingest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from loaders.assembly.assemble import assemble
from loaders.assembly.results import Assembly, SeriesRecord
from loaders.mail.message import parse_mail
from loaders.records import Message, TrailerKind
from loaders.sources.mbox import iter_messages
from tests.conftest import FIXTURES

THREADS = FIXTURES / "threads"
CASES = sorted(
    p.name.removesuffix(".expected.json")
    for p in THREADS.glob("*.expected.json")
    if (THREADS / p.name.replace(".expected.json", ".mbox")).exists()
)
REVIEWS = {TrailerKind.REVIEWED_BY, TrailerKind.ACKED_BY, TrailerKind.TESTED_BY}


def _messages(path: Path) -> list[Message]:
    return [parse_mail(raw, origin) for origin, raw in iter_messages(path)]


def _summary(assembly: Assembly) -> list[dict[str, Any]]:
    by_key = {s.key: s for s in assembly.series}
    previous = {edge.newer: by_key.get(edge.older) for edge in assembly.versions}
    series = [s for s in assembly.series if s.resolved]
    series.sort(key=lambda s: (s.title, s.version, s.date.isoformat() if s.date else ""))
    return [_series(s, previous.get(s.key), assembly) for s in series]


def _series(record: SeriesRecord, older: SeriesRecord | None, assembly: Assembly) -> dict[str, Any]:
    patches = sorted((p for p in assembly.patches if p.series_key == record.key), key=_number)
    return {
        "title": record.title,
        "version": record.version,
        "total": record.total,
        "received": list(record.numbers_seen),
        "cover": record.cover_key is not None,
        "previous": f"{older.title} v{older.version}" if older else None,
        "patches": [
            {
                "number": p.number,
                "reviews": sorted(
                    [u.trailer.kind.name, u.trailer.person.email, u.source.name, u.mismatch]
                    for u in p.trailers
                    if u.trailer.kind in REVIEWS and u.trailer.person is not None
                ),
            }
            for p in patches
        ],
    }


def _number(patch: Any) -> int:
    return int(patch.number)


@pytest.mark.parametrize("case", CASES)
def test_assembly_records_match_golden(case: str) -> None:
    assembly = assemble(_messages(THREADS / f"{case}.mbox"), [])
    expected = json.loads((THREADS / f"{case}.expected.json").read_text("utf-8"))
    assert _summary(assembly) == expected["series"]


def test_every_mbox_case_is_checked() -> None:
    assert len(CASES) >= 6
    assert {p.stem for p in THREADS.glob("*.mbox")} == set(CASES)
