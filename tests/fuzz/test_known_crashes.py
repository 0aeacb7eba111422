"""The crashes the fuzzers found, one strict xfail per reproducer (`support.KNOWN_CRASHES`).

Each test parses its reproducer with the loader's own entry point and expects no exception;
today each raises the recorded exception. The fuzzers skip over these crashes (and count
them) so that they can find new ones; once a loader is fixed its tests pass unexpectedly
(strict) and the entry must leave KNOWN_CRASHES.
"""

from __future__ import annotations

import pytest

from loaders.mail.message import parse_mail
from loaders.sources.digest import read_digest
from tests.fuzz.support import INPUTS, KNOWN_CRASHES, KnownCrash, check_message, known_crash


def _params() -> list[object]:
    """Every `crash-*` reproducer: fixed ones are regression tests, open ones strict xfails."""
    open_crashes = {name: crash for crash in KNOWN_CRASHES for name in crash.reproducers}
    params: list[object] = []
    for path in sorted(INPUTS.glob("crash-*")):
        crash = open_crashes.get(path.name)
        marks = (
            [pytest.mark.xfail(strict=True, raises=crash.exception, reason=crash.reason)]
            if crash
            else []
        )
        params.append(pytest.param(crash, path.name, marks=marks, id=path.name))
    return params


@pytest.mark.parametrize(("crash", "name"), _params())
def test_reproducer_does_not_crash(crash: KnownCrash | None, name: str) -> None:
    path = INPUTS / name
    try:
        if name.endswith(".txt"):
            read_digest(path)
        else:
            check_message(parse_mail(path.read_bytes(), name), name)
    except Exception as exc:
        # the crash must be the recorded one: another exception fails the test for real
        assert crash is not None and known_crash(exc) is crash, f"{name} raised {exc!r}"
        raise


def test_known_crashes_have_reproducers() -> None:
    for crash in KNOWN_CRASHES:
        assert crash.reproducers, crash.name
        for name in crash.reproducers:
            assert (INPUTS / name).is_file(), name
