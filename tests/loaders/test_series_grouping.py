"""Series grouping's fallback (Patchwork's rule) and the group a patch joins.

`threads._Grouper` indexes groups by the fallback key of their first message; these cases
pin the semantics the index must keep: the newest matching group wins, pull requests never
match, and a group whose first message changes (a lower-numbered patch joins it through its
thread) is found under its new key and no longer under its old one.
"""

from __future__ import annotations

from loaders.assembly.threads import SeriesGroup, group_series
from loaders.mail.message import parse_mail
from loaders.records import Message


def _mail(
    msgid: str,
    subject: str,
    *,
    sender: str = "Ann <ann@example.com>",
    minute: int = 0,
    reply_to: str | None = None,
) -> Message:
    headers = [
        f"From: {sender}",
        f"Subject: {subject}",
        f"Message-ID: <{msgid}>",
        f"Date: Mon, 02 Mar 2026 10:{minute:02d}:00 +0000",
    ]
    if reply_to:
        headers += [f"In-Reply-To: <{reply_to}>", f"References: <{reply_to}>"]
    body = "Change things.\n\nSigned-off-by: Ann <ann@example.com>\n"
    return parse_mail(("\n".join(headers) + "\n\n" + body).encode(), msgid)


def _members(groups: list[SeriesGroup]) -> list[list[str]]:
    return [[m.key for m in ([g.cover] if g.cover else []) + g.patches] for g in groups]


def test_fallback_joins_the_newest_matching_group() -> None:
    mails = [
        _mail("a2", "[PATCH 2/3] two", minute=0),
        _mail("b2", "[PATCH v2 2/3] two", minute=1),  # another version: another key
        _mail("c2", "[PATCH 2/3] two again", minute=2),  # a second 2/3: a new group
        _mail("a3", "[PATCH 3/3] three", minute=3),  # newest group of its key: c2's
    ]
    assert _members(group_series(mails)) == [["a2"], ["b2"], ["c2", "a3"]]


def test_fallback_skips_groups_sent_too_long_before() -> None:
    mails = [
        _mail("a1", "[PATCH 1/2] one", minute=0),
        _mail("b1", "[PATCH 1/2] one again", minute=1),
        _mail("b2", "[PATCH 2/2] two", minute=2),
    ]
    late = _mail("c2", "[PATCH 2/2] two", minute=3)
    object.__setattr__(late, "date", mails[0].date.replace(hour=18))  # type: ignore[union-attr]
    assert _members(group_series([*mails, late])) == [["a1"], ["b1", "b2"], ["c2"]]


def test_a_group_is_found_under_the_key_of_its_new_first_patch() -> None:
    # Bob's 2/4 opens a group; Ann's 1/4 (same version and total) joins it through the
    # thread and, numbered lower, becomes its first: the group now has Ann's fallback key.
    mails = [
        _mail("b2", "[PATCH 2/4] two", sender="Bob <bob@example.org>", minute=0),
        _mail("a1", "[PATCH 1/4] one", minute=1, reply_to="b2"),
        _mail("a3", "[PATCH 3/4] three", minute=2),  # Ann's key: the group led by a1
        _mail("b4", "[PATCH 4/4] four", sender="Bob <bob@example.org>", minute=3),
    ]
    groups = group_series(mails)
    assert _members(groups) == [["b2", "a1", "a3"], ["b4"]]  # Bob's old key finds nothing
    assert groups[0].first.key == "a1"
    assert groups[0].key == "a1"


def test_pull_requests_are_never_a_fallback() -> None:
    mails = [
        _mail("p1", "[GIT PULL 1/2] one", minute=0),
        _mail("a2", "[PATCH 2/2] two", minute=1),
    ]
    groups = group_series(mails)
    assert _members(groups) == [["p1"], ["a2"]]
    assert [g.is_pull for g in groups] == [True, False]


def test_first_is_the_lowest_number_and_the_earliest_of_equals() -> None:
    three, one, other_one = (
        _mail("x3", "[PATCH 3/3] three"),
        _mail("x1", "[PATCH 1/3] one"),
        _mail("y1", "[PATCH 1/3] one again"),
    )
    group = SeriesGroup(None)
    for patch in (three, one, other_one):
        group.add(patch)
    assert group.first is one
    assert SeriesGroup(None, [three, one, other_one]).first is one
    cover = _mail("x0", "[PATCH 0/3] cover")
    assert SeriesGroup(cover, [one]).first is cover
