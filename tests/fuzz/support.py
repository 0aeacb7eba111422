"""Shared helpers of the fuzz tests: settings, mbox writing, load accounting, known crashes.

The rule under test (the loaders' contract): no exception escapes a loader, and every input
message is accounted for: loaded, a duplicate, defective with a reason, or skipped with a
reason (`LoadSummary.read == loaded + duplicates + skipped`).

Known crashes: each entry of `KNOWN_CRASHES` is a bug found by these tests and not fixed yet,
with a minimal reproducer under `inputs/` and a strict xfail test (`test_known_crashes.py`).
The wide fuzzers recognise these crashes by exception type and message, count them and carry
on, so they keep hunting for new ones; anything else escaping a loader fails the run. When a
loader is fixed, its xfail turns into an unexpected pass (strict): delete the entry then.
"""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from hypothesis import HealthCheck, event, reject, settings

from graphapi.loading import LoadSummary, load_sources
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import CompanyMap, load_company_map
from loaders.mail.footers import strip_footers
from loaders.records import Message

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"

#: Examples per property test; CI keeps the default, a long local run raises it.
PROPERTY_EXAMPLES = int(os.environ.get("FUZZ_PROPERTY_EXAMPLES", "200"))

#: Settings of every property test: modest, no deadline (a big example may be slow once),
#: no example database (it would write `.hypothesis/` into the working tree).
#: The too_slow health check is off: on a loaded CI machine drawing examples can be slow.
FUZZ_SETTINGS = settings(
    max_examples=PROPERTY_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

SEPARATOR = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
_NEEDS_ESCAPE = re.compile(rb"^(>*From )", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class KnownCrash:
    """A crash found by fuzzing: how to recognise it and where its reproducers live."""

    name: str
    exception: type[Exception]
    message: re.Pattern[str]
    reproducers: tuple[str, ...]  # file names under inputs/
    reason: str

    def matches(self, exc: BaseException) -> bool:
        return type(exc) is self.exception and bool(self.message.search(str(exc)))


KNOWN_CRASHES: tuple[KnownCrash, ...] = ()


def known_crash(exc: BaseException) -> KnownCrash | None:
    """The known crash `exc` is an instance of, else None."""
    return next((crash for crash in KNOWN_CRASHES if crash.matches(exc)), None)


T = TypeVar("T")


def call_or_reject(function: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Call `function`; a known crash rejects the hypothesis example, anything else raises."""
    try:
        return function(*args, **kwargs)
    except Exception as exc:
        crash = known_crash(exc)
        if crash is not None:
            event(f"known crash: {crash.name}")  # counted in --hypothesis-show-statistics
            reject()
        raise


def format_crash(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)).rstrip()


# --- mbox writing ----------------------------------------------------------------------


def mboxrd_escape(raw: bytes) -> bytes:
    """mboxrd: every line matching `^>*From ` gets one more `>` (undone by the reader)."""
    if b"From " not in raw:
        return raw
    return _NEEDS_ESCAPE.sub(rb">\1", raw)


def mbox_form(raw: bytes) -> bytes:
    """The bytes the mbox reader gives back for `raw` written by `write_mboxrd`."""
    return raw if raw.endswith(b"\n") else raw + b"\n"


def visible_to_splitter(raw: bytes) -> bool:
    """The mbox reader drops a message of whitespace only (inputs/gap-blank-message.mbox)."""
    return bool(raw.strip())


def mboxrd_chunks(messages: Iterable[bytes]) -> Iterator[bytes]:
    """`messages` as mboxrd, each exactly one message: separator, escaped text, blank line."""
    for raw in messages:
        yield SEPARATOR
        yield mboxrd_escape(mbox_form(raw))
        yield b"\n"


def write_mboxrd(path: Path, messages: Iterable[bytes]) -> int:
    """Write `messages` as an mboxrd file; returns how many were written."""
    count = 0
    with path.open("wb") as handle:
        for chunk in mboxrd_chunks(messages):
            handle.write(chunk)
            count += chunk is SEPARATOR
    return count


# --- loading ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def company_map() -> CompanyMap:
    return load_company_map()


def load(*sources: Path) -> LoadSummary:
    """`load_sources` into a fresh embedded store."""
    return load_sources(NetworkXStore(), list(sources), company_map())


def assert_adds_up(summary: LoadSummary) -> None:
    """The summary's own arithmetic, and a reason for every defective or skipped message."""
    assert summary.read == summary.loaded + summary.duplicates + summary.skipped, summary.line()
    assert 0 <= summary.defective <= summary.loaded, summary.line()
    assert min(summary.loaded, summary.duplicates, summary.skipped) >= 0, summary.line()
    assert sum(summary.skip_reasons.values()) == summary.skipped, summary.skip_reasons
    assert all(reason for reason in summary.skip_reasons), summary.skip_reasons
    if summary.defective:
        assert sum(summary.defect_reasons.values()) >= summary.defective, summary.defect_reasons
    assert all(reason and count > 0 for reason, count in summary.defect_reasons.items())


def expected_counts(messages: Iterable[Message]) -> tuple[int, int, tuple[int, int]]:
    """(loaded, duplicates, (fewest, most) defective) for `messages` loaded into an empty store.

    A message is a duplicate when an earlier one has its key and is the same message: same
    sender and text, list footers and whitespace set aside (issue 11 item 8; messages
    without a Message-ID have content-derived keys, so one key is one message). A different
    message under a used Message-ID is loaded under a key of its own. Which copy of a
    duplicate is kept depends on dates, so the defective count is a range: groups whose every
    copy has defects, up to groups with any.
    """
    groups: dict[tuple[str, str], list[Message]] = {}
    total = 0
    for message in messages:
        total += 1
        same = _sameness(message) if message.message_id is not None else ""
        groups.setdefault((message.key, same), []).append(message)
    fewest = sum(1 for copies in groups.values() if all(m.defects for m in copies))
    most = sum(1 for copies in groups.values() if any(m.defects for m in copies))
    return len(groups), total - len(groups), (fewest, most)


def _sameness(message: Message) -> str:
    """What makes two messages under one Message-ID the same one."""
    sender = message.author.email if message.author else ""
    return sender + "\n" + " ".join(strip_footers(message.body).split())


def check_message(message: Message, origin: str) -> None:
    """What parse_mail guarantees for any input."""
    assert isinstance(message.key, str) and message.key
    if message.message_id is not None:
        assert message.key == message.message_id
    else:
        assert message.key.startswith("synthetic:")
    assert message.origin == origin
    assert isinstance(message.defects, tuple)
    assert all(isinstance(reason, str) and reason for reason in message.defects)
    assert len(set(message.defects)) == len(message.defects)
    assert isinstance(message.body, str)
    assert message.date is None or message.date.utcoffset() is not None
