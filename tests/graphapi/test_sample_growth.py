"""The synthetic list grows as a real one does past its base (`graphapi.sample`).

Up to `_BASE_SERIES` series it is the base cast and vocabulary the tests' samples use; past
it, more authors, titles distinct by the function they touch, and diffs of their own, so
that a large sample is not ten people re-rolling 384 titles with shared patch-ids.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from graphapi import sample

_SENDER = re.compile(rb"^From: (.*)$", re.M)
_SUBJECT = re.compile(rb"^Subject: \[PATCH[^\]]*\] (.*)$", re.M)
_TAG = re.compile(rb"/\* (\S+)\.\d+ \*/")


def _covers_and_diffs(
    messages: list[bytes],
) -> tuple[Counter[bytes], dict[bytes, set[bytes | None]], int]:
    """(cover letters by (sender, title), the series tags of each distinct diff, senders)."""
    covers: Counter[bytes] = Counter()
    diffs: dict[bytes, set[bytes | None]] = {}
    senders = set()
    for raw in messages:
        head, _, body = raw.partition(b"\n\n")
        sender = _SENDER.search(head)
        subject = _SUBJECT.search(head)
        assert sender is not None
        senders.add(sender.group(1))
        if subject is not None and b" 0/" in head.split(b"Subject:", 1)[1][:20]:
            covers[sender.group(1) + b"|" + subject.group(1)] += 1
        if b"\ndiff --git " in body:
            diff = body[body.index(b"\ndiff --git ") :]
            tag = _TAG.search(diff)
            diffs.setdefault(hashlib.sha1(diff).digest(), set()).add(tag and tag.group(1))
    return covers, diffs, len(senders)


def test_past_the_base_the_cast_titles_and_diffs_grow() -> None:
    base = sample._BASE_SERIES
    grown = base + 40 * sample._SERIES_PER_NEW_AUTHOR
    messages = list(sample.generate_messages(grown))
    first = list(sample.generate_messages(base))
    assert messages[: len(first)] == first  # the base is untouched by the growth
    _, _, base_senders = _covers_and_diffs(first)
    covers, diffs, senders = _covers_and_diffs(messages[len(first) :])
    assert base_senders == len(sample._PEOPLE)
    assert senders > 30  # authors and peers of the grown cast
    # a cover's (sender, title) recurs only for the versions of one series (at most 3)
    assert max(covers.values()) <= 3
    # every patch's diff its own: a diff (hence a patch-id) recurs only within one series,
    # when a re-roll sends a patch unchanged
    assert all(len(series) == 1 and None not in series for series in diffs.values())


def test_grown_authors_are_distinct_people_at_cast_companies() -> None:
    authors = [sample._author(n) for n in range(2_000)]
    assert len({email for _, email in authors}) == len(authors)
    assert len({name for name, _ in authors}) == len(authors)
    domains = {email.split("@", 1)[1] for _, email in sample._PEOPLE}
    assert {email.split("@", 1)[1] for _, email in authors} <= domains
