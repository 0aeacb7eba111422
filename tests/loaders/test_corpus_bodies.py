"""The body parsers on the real KVM digest in ../shared/corpora (structure only, no copies).

Each digest entry is `New: ...`, the `[PATCH ...]` subject, an `Author:` line and the body;
entries are separated by a dashed line. Assertions are about structure (counts, kinds,
consistency), so no corpus text is reproduced here.
"""

from __future__ import annotations

import re

import pytest

from loaders.mail.body import parse_body
from loaders.mail.subject import parse_subject
from loaders.records import BodyInfo, DependencyKind, SubjectParts, TrailerKind
from tests.conftest import corpus_file

DIGEST = "kvm-digest-810a535b1..2da7ebe7a.txt"
_ENTRY_RE = re.compile(r"^New: .*\n(\[.*)\nAuthor: .*\n", re.MULTILINE)


@pytest.fixture(scope="module")
def entries() -> list[tuple[SubjectParts, BodyInfo]]:
    text = corpus_file(DIGEST).read_text(encoding="utf-8")
    parsed = []
    for chunk in text.split("\n" + "-" * 70 + "\n"):
        match = _ENTRY_RE.search(chunk)
        if match:
            parsed.append((parse_subject(match.group(1)), parse_body(chunk[match.end() :])))
    return parsed


def test_every_entry_parses(entries: list[tuple[SubjectParts, BodyInfo]]) -> None:
    assert len(entries) == 11  # the corpus README says 12; the file holds 11 `New:` entries
    assert all(subject.is_patch for subject, _ in entries)


def test_patches_carry_a_signed_off_by_and_a_consistent_diffstat(
    entries: list[tuple[SubjectParts, BodyInfo]],
) -> None:
    for subject, info in entries:
        assert info.diffstat is not None, subject.raw
        assert info.diffstat.files_changed == len(info.diffstat.files), subject.raw
        if subject.number != 0:
            assert TrailerKind.SIGNED_OFF_BY in {t.kind for t in info.trailers}, subject.raw
            assert all(
                t.person is not None for t in info.trailers if t.kind is TrailerKind.SIGNED_OFF_BY
            )


def test_cover_letters_have_complete_shortlogs(
    entries: list[tuple[SubjectParts, BodyInfo]],
) -> None:
    covers = [info for subject, info in entries if subject.number == 0]
    assert len(covers) == 4
    for info in covers:
        assert info.shortlog
        assert sum(group.count for group in info.shortlog) == sum(
            len(g.titles) for g in info.shortlog
        )


def test_version_links_and_dependencies(entries: list[tuple[SubjectParts, BodyInfo]]) -> None:
    covers = [info for subject, info in entries if subject.number == 0]
    (big,) = [info for subject, info in entries if subject.number == 0 and subject.total == 24]
    kinds = [dep.kind for dep in big.dependencies]
    assert kinds.count(DependencyKind.BASED_ON) >= 3
    assert DependencyKind.FIXUP in kinds
    assert all(not dep.declared for dep in big.dependencies)
    assert [(link.version, link.is_rfc) for link in big.version_links] == [(2, True)]
    assert big.base_ref is None
    link_versions = sorted(
        link.version or 0 for info in covers for link in info.version_links if link.message_id
    )
    assert link_versions == [1, 2, 2, 2, 3]
    assert sum(1 for info in covers if info.base_ref) == 1
