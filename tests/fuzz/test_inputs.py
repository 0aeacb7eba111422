"""Every nasty file of `inputs/` loads through `load_sources` with counts that add up.

`EXPECTED` says how many messages each file holds and how many of them are duplicates; a
new file needs an entry (`make_inputs.py` writes them all). Crash reproducers and known
accounting gaps are strict xfails: when a loader is fixed they pass and must be unmarked.
"""

from __future__ import annotations

import pytest

from tests.fuzz.support import INPUTS, KNOWN_CRASHES, assert_adds_up, load

# name: (read, loaded, duplicates). `crash-*` and `gap-*` files stay when their bug is fixed
# (as regression inputs); only KNOWN_CRASHES and GAPS say which are still open.
EXPECTED: dict[str, tuple[int, int, int]] = {
    "bad-encodings.mbox": (15, 15, 0),
    "broken-mime.mbox": (10, 10, 0),
    "dates.mbox": (12, 12, 0),
    "deep-mime.mbox": (3, 3, 0),
    "dmarc.mbox": (6, 6, 0),
    # <dup@> x3 more: one an identical copy (a duplicate), two different messages under the
    # reused id (case-folded, and with spaces inside <>: other sender or text), kept under
    # derived keys; no-id x1 more (identical: a duplicate)
    "duplicates.mbox": (8, 6, 2),
    "giant-headers.mbox.gz": (6, 6, 0),
    "line-endings.mbox": (3, 3, 0),
    "mboxo-from-lines.mbox": (2, 2, 0),  # the unescaped `From ` line starts a second message
    "nasty-digest.txt": (4, 4, 0),
    "nul-bytes.mbox": (5, 5, 0),
    "single-message.eml": (1, 1, 0),
    "truncated.mbox": (6, 6, 0),
    "gap-digest-lookalike.mbox": (2, 2, 0),  # fixed in detect.py: an mbox, not a digest
    "gap-blank-message.mbox": (3, 2, 0),  # the blank one skipped, with a reason
    "crash-charset-punycode-subject.eml": (1, 1, 0),
    "crash-charset-undefined-body.eml": (1, 1, 0),
    "crash-int-digits-cited-version.eml": (1, 1, 0),
    "crash-int-digits-diffstat-summary.eml": (1, 1, 0),
    "crash-int-digits-digest-tally.txt": (0, 0, 0),  # a digest without entries
    "crash-int-digits-footnote-version.eml": (1, 1, 0),
    "crash-int-digits-hunk-header.eml": (1, 1, 0),
    "crash-int-digits-subject.eml": (1, 1, 0),
    "crash-isdigit-prerequisite-change-id.eml": (1, 1, 0),
    "crash-isdigit-shortlog.eml": (1, 1, 0),
    "crash-rfc2047-charset-from-line.eml": (1, 1, 0),
    "crash-rfc2047-charset-trailer.eml": (1, 1, 0),
    "crash-rfc2047-from-header.eml": (1, 1, 0),
    "crash-rfc2047-trailer.eml": (1, 1, 0),
}

GAPS: dict[str, str] = {}  # inputs a known gap makes fail: none left


def _params() -> list[object]:
    crashes = {name: crash for crash in KNOWN_CRASHES for name in crash.reproducers}
    params: list[object] = []
    for path in sorted(INPUTS.iterdir()):
        marks: list[pytest.MarkDecorator] = []
        if path.name in crashes:
            crash = crashes[path.name]
            marks.append(
                pytest.mark.xfail(strict=True, raises=crash.exception, reason=crash.reason)
            )
        elif path.name in GAPS:
            marks.append(
                pytest.mark.xfail(strict=True, raises=AssertionError, reason=GAPS[path.name])
            )
        params.append(pytest.param(path.name, marks=marks, id=path.name))
    return params


def test_every_input_has_expectations() -> None:
    names = {path.name for path in INPUTS.iterdir()}
    assert names == set(EXPECTED), "add new inputs to EXPECTED, drop removed ones"


@pytest.mark.parametrize("name", _params())
def test_nasty_input_loads_and_adds_up(name: str) -> None:
    summary = load(INPUTS / name)
    assert_adds_up(summary)
    read, loaded, duplicates = EXPECTED[name]
    assert (summary.read, summary.loaded, summary.duplicates) == (read, loaded, duplicates), (
        summary.line()
    )
