"""loaders.assembly.merges: the matcher on hand-made records, one rule per test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loaders.assembly.merges import PostedPatch, Signal, match_commits, normalise_subject
from loaders.records import Address
from loaders.sources.gitrepo import CodeCommit

T0 = datetime(2025, 3, 1, tzinfo=UTC)
ANN = Address("Ann", "ann@example.org")


def _commit(
    title: str = "mm: fix it",
    *,
    days: float = 10,
    pid: str | None = "p1",
    links: tuple[str, ...] = (),
) -> CodeCommit:
    when = T0 + timedelta(days=days)
    return CodeCommit("c1", title, ANN, ANN, when, when, "tree", pid, links)


def _patch(
    key: str,
    *,
    days: float = 0,
    title: str = "mm: fix it",
    pid: str | None = None,
    author: str = "ann@example.org",
) -> PostedPatch:
    return PostedPatch(key, T0 + timedelta(days=days), author, title, pid, key)


def test_normalise_subject() -> None:
    assert normalise_subject("  MM:  Fix it. ") == "mm: fix it"


def test_patch_id_alone() -> None:
    found = match_commits([_patch("a", title="other", author="x@y", pid="p1")], [_commit()])
    assert [(m.patch_key, m.signals) for m in found] == [("a", (Signal.PATCH_ID,))]


def test_subject_needs_the_same_author_and_a_later_commit() -> None:
    assert match_commits([_patch("a", author="bob@example.org")], [_commit(pid=None)]) == []
    assert match_commits([_patch("a", days=20)], [_commit(pid=None)]) == []
    assert match_commits([_patch("a", days=-500)], [_commit(pid=None)]) == []  # window
    found = match_commits([_patch("a")], [_commit(pid=None)])
    assert [m.signals for m in found] == [(Signal.SUBJECT,)]


def test_latest_version_before_the_commit_wins() -> None:
    patches = [
        _patch("v1", days=0, pid="p1"),
        _patch("v2", days=5, pid="p1"),
        _patch("v3", days=12, pid="p1"),
    ]
    found = match_commits(patches, [_commit()])
    assert [m.patch_key for m in found] == ["v2"]


def test_a_link_names_the_applied_message_and_can_be_withheld() -> None:
    patches = [
        _patch("v1", days=0, pid="p1"),
        _patch("v2", days=5, pid="p1"),
        _patch("x", title="t", author="q@r"),
    ]
    commit = _commit(links=("v1",))
    assert [m.patch_key for m in match_commits(patches, [commit])] == ["v1"]
    assert [m.patch_key for m in match_commits(patches, [commit], use_links=False)] == ["v2"]
    only_link = _commit(title="unrelated", pid=None, links=("x",))
    found = match_commits(patches, [only_link])
    assert [(m.patch_key, m.signals) for m in found] == [("x", (Signal.LINK,))]


def test_identity_merging_is_the_callers() -> None:
    patch = _patch("a", author="ann@work.example")
    assert match_commits([patch], [_commit(pid=None)]) == []
    merged = match_commits([patch], [_commit(pid=None)], person=lambda a: "ann@work.example")
    assert [m.patch_key for m in merged] == ["a"]


def test_a_date_without_a_zone_is_read_as_utc() -> None:
    naive = PostedPatch("a", datetime(2025, 3, 1), "ann@example.org", "mm: fix it", "p1", "a")
    found = match_commits([naive], [_commit()])
    assert [m.patch_key for m in found] == ["a"]
