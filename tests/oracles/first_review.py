"""The first review of every series, recomputed from raw mail with the standard library only.

Defined as `Series.firstReview` is (graphapi.store.nx_reviews.first_review): the earliest
Reviewed-by/Acked-by/Tested-by line given in a REPLY (never a patch's own body, whose
trailers were carried from earlier versions) to one of the series' patches or its cover,
naming someone other than the series' author; its date is the reply's. Everything else is
done independently of the project: the archive is split, threads walked and bodies decoded
here, series are grouped from the subjects' `[PATCH vN M/T]` and In-Reply-To, and trailers
are found with this module's own regex (an unquoted line, indented or not, anywhere in the
reply: the reviewer's intent, whatever the graph's parser does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from tests.oracles.rawmail import RawMail, body_text

_PATCH_TAG = re.compile(r"^\s*\[([^\]]*\bPATCH\b[^\]]*)\]", re.IGNORECASE)
_NUMBER = re.compile(r"\b(\d+)/(\d+)\b")
_REPLY = re.compile(r"^\s*(re|aw|sv|fwd?)\s*:", re.IGNORECASE)
_TAG = re.compile(r"^\s*(Reviewed|Acked|Tested)-by:\s*(.*)$", re.IGNORECASE)
_ADDRESS = re.compile(r"<([^<>@\s]+@[^<>\s]+?)>|([\w.+-]+@[\w.-]+\w)")


@dataclass
class OracleSeries:
    """A series as the subjects thread it: its root posting, patches, first review."""

    root: str
    author: str
    posted: datetime | None
    patches: set[str] = field(default_factory=set)
    cover: str | None = None
    first: tuple[datetime, str, str] | None = None  # (date, person, message)


def posting_number(mail: RawMail) -> tuple[int, int] | None:
    """(M, T) of a `[PATCH ... M/T]` posting, (1, 1) for an unnumbered one; None otherwise."""
    if _REPLY.match(mail.subject):
        return None
    tag = _PATCH_TAG.match(mail.subject)
    if tag is None:
        return None
    number = _NUMBER.search(tag.group(1))
    return (int(number.group(1)), int(number.group(2))) if number else (1, 1)


def group_series(mails: dict[str, RawMail]) -> tuple[dict[str, OracleSeries], dict[str, str]]:
    """Series by root, and each posting's root: a patch answering a cover (or patch 1 of the
    same total) belongs to it; a patch answering a message not in the archive belongs to that
    absent cover; a cover, a lone patch or an unthreaded patch 1 is a root."""
    numbers = {mid: n for mid, m in mails.items() if (n := posting_number(m)) is not None}
    firsts = _first_patches(mails, numbers)
    root_of = {mid: _parent_posting(mid, mails, numbers, firsts) for mid in numbers}
    series: dict[str, OracleSeries] = {}
    for mid in sorted(numbers, key=lambda m: (_timestamp(mails[m]), m)):
        root = root_of[mid]
        while root_of.get(root, root) != root:
            root = root_of[root]
        root_of[mid] = root
        entry = series.setdefault(root, OracleSeries(root, mails[mid].sender, mails[mid].date))
        if root in mails:
            entry.author, entry.posted = mails[root].sender, mails[root].date
        if numbers[mid][0] == 0:
            entry.cover = mid
        else:
            entry.patches.add(mid)
    for root in series:
        root_of.setdefault(root, root)  # an absent cover: replies to it reach its series
    return series, root_of


def _timestamp(mail: RawMail) -> float:
    return mail.date.timestamp() if mail.date else 0.0


def _parent_posting(
    mid: str,
    mails: dict[str, RawMail],
    numbers: dict[str, tuple[int, int]],
    firsts: dict[tuple[str, str, int], str],
) -> str:
    """The posting a patch hangs from: its cover or patch 1, an absent cover, or itself."""
    number, total = numbers[mid]
    mail = mails[mid]
    parent = mail.in_reply_to or (mail.references[-1] if mail.references else None)
    if number < 1 or parent is None or parent == mid:
        return mid
    if parent not in mails:
        return parent
    if parent in numbers and numbers[parent][1] == total and numbers[parent][0] in (0, 1):
        return parent
    sibling = firsts.get((parent, mail.sender, total))  # all sent in reply to another thread
    return sibling if sibling is not None and number > 1 else mid


def _first_patches(
    mails: dict[str, RawMail], numbers: dict[str, tuple[int, int]]
) -> dict[tuple[str, str, int], str]:
    """(parent, sender, total) -> the patch 1 of a series sent in reply to someone's message."""
    firsts: dict[tuple[str, str, int], str] = {}
    for mid, (number, total) in numbers.items():
        mail = mails[mid]
        parent = mail.in_reply_to or (mail.references[-1] if mail.references else None)
        if number == 1 and parent:
            firsts.setdefault((parent, mail.sender, total), mid)
    return firsts


def _answered_posting(
    mail: RawMail, mails: dict[str, RawMail], root_of: dict[str, str]
) -> str | None:
    """The nearest patch or cover above a reply (In-Reply-To first, then References)."""
    seen: set[str] = set()
    current: RawMail | None = mail
    while current is not None and current.message_id not in seen:
        seen.add(current.message_id)
        parents = [current.in_reply_to, *reversed(current.references)]
        for parent in (p for p in parents if p):
            if parent in root_of:
                return parent
        current = mails.get(current.in_reply_to or "")
    return None


def review_lines(mail: RawMail) -> list[str]:
    """Addresses of the unquoted review trailers of a reply."""
    found = []
    for line in body_text(mail.parsed).splitlines():
        match = _TAG.match(line)
        if match and (address := _ADDRESS.search(match.group(2))):
            found.append((address.group(1) or address.group(2)).lower())
    return found


def first_reviews(mails: dict[str, RawMail]) -> dict[str, OracleSeries]:
    """Every series of the archive with its first review by reply (None when it has none)."""
    series, root_of = group_series(mails)
    for mid, mail in mails.items():
        if mid in root_of or mail.date is None:
            continue
        posting = _answered_posting(mail, mails, root_of)
        if posting is None:
            continue
        entry = series[root_of[posting]]
        for person in review_lines(mail):
            if person != entry.author and (
                entry.first is None or (mail.date, person) < entry.first[:2]
            ):
                entry.first = (mail.date, person, mid)
    return series
