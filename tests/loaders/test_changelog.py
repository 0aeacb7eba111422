"""find_version_links, find_base, find_change_id, find_dependencies."""

from __future__ import annotations

import pytest

from loaders.changelog import find_base, find_change_id, find_dependencies, find_version_links
from loaders.footnotes import find_footnotes
from loaders.records import DependencyKind, DependencyRef, Footnote, VersionLink

MSGID_V3 = "20251219-kvm-arm64-set-id-regs-aarch64-v3-0-bfa474ec3218@kernel.org"


def test_link_to_lines() -> None:
    text = (
        "Changes in v4:\n- Fix a check.\n"
        f"- Link to v3: https://patch.msgid.link/{MSGID_V3}\n\n"
        "Changes in v3:\n- Link to v2:\n  https://lore.kernel.org/r/20251114-x-v2-0-aaa@kernel.org\n"
        "- Link to RFC: https://patchwork.ozlabs.org/cover/1202235/\n"
    )
    assert find_version_links(text, ()) == (
        VersionLink(f"https://patch.msgid.link/{MSGID_V3}", MSGID_V3, 3, False),
        VersionLink(
            "https://lore.kernel.org/r/20251114-x-v2-0-aaa@kernel.org",
            "20251114-x-v2-0-aaa@kernel.org",
            2,
            False,
        ),
        VersionLink("https://patchwork.ozlabs.org/cover/1202235/", None, None, True),
    )


@pytest.mark.parametrize(
    ("line", "version", "rfc"),
    [
        ("v2: https://lore.kernel.org/r/a@b.c", 2, False),
        ("V4: https://lore.kernel.org/r/a@b.c", 4, False),
        ("RFC v2: https://lore.kernel.org/r/a@b.c", 2, True),
        ("  - v1 - https://lore.kernel.org/r/a@b.c", 1, False),
        ("[0] RFC v2: https://lore.kernel.org/r/a@b.c", 2, True),
        ("v3 (https://lore.kernel.org/r/a@b.c)", 3, False),
    ],
)
def test_version_url_lines(line: str, version: int, rfc: bool) -> None:
    assert find_version_links(line, ()) == (
        VersionLink("https://lore.kernel.org/r/a@b.c", "a@b.c", version, rfc),
    )


@pytest.mark.parametrize(
    "line",
    [
        "gmem-population rework v2: https://lore.kernel.org/r/a@b.c",
        "See https://lore.kernel.org/r/a@b.c for v2",
        "> v2: https://lore.kernel.org/r/a@b.c",
        "Link: https://lore.kernel.org/r/a@b.c",
    ],
)
def test_lines_that_are_not_version_links(line: str) -> None:
    assert find_version_links(line, ()) == ()


def test_footnote_label_and_citation_forms() -> None:
    text = (
        "Changes from v2 [1]:\n- Rebased\n\nv1: [2]\n\nBuilt with DPAMT v4 [3].\n\n"
        "[0] RFC v1: https://github.com/example/tree/rfc-v1\n"
        "[1] https://lore.kernel.org/all/20251215165155.3451819-1-tabba@example.com/\n"
        "[2] https://lore.kernel.org/all/20251101000000.1-1-tabba@example.com/\n"
        "[3] https://lore.kernel.org/kvm/20251121005125.417831-1-rick@example.com\n"
        "[4] previous version: https://lore.kernel.org/r/prev@example.com\n"
    )
    links = find_version_links(text, find_footnotes(text))
    assert [(link.message_id, link.version, link.is_rfc) for link in links] == [
        (None, 1, True),
        ("prev@example.com", None, False),
        ("20251215165155.3451819-1-tabba@example.com", 2, False),
        ("20251101000000.1-1-tabba@example.com", 1, False),
    ]


def test_citation_of_a_footnote_without_message_is_not_a_version_link() -> None:
    text = "Changes since v1 [1]:\n\n[1] https://github.com/example/linux/tree/v1\n"
    assert find_version_links(text, find_footnotes(text)) == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "base-commit: 0B5E1234567890abcdef1234567890abcdef1234\n",
            ("0b5e1234567890abcdef1234567890abcdef1234", None),
        ),
        ("Based on Linux 6.19-rc4.\n", (None, "6.19-rc4")),
        ("This series is based on kvm/next\n", (None, "kvm/next")),
        ("This series is based on kvm-x86/next (13e98294d7ce) + [2].\n", (None, "kvm-x86/next")),
        ("It is based on v6.18, and tested.\n", (None, "v6.18")),
        ("Based on top of tip/x86/core.\n", (None, "tip/x86/core")),
        ("This patch is based on the s390/features branch.\n", (None, "s390/features")),
        ("This is based on mm-unstable.\n", (None, "mm-unstable")),
        ("Based on next-20260105.\n", (None, "next-20260105")),
        ("This is based on the latest WIP hugetlb-based guest_memfd code [1].\n", (None, None)),
        ("- Rebased on 6.19-rc4\n- Rebased on top of DPAMT v4.\n", (None, None)),
        ("exit with a status code based on failure/pass counts\n", (None, None)),
        ("Based on comments from Sean, reworked it.\n", (None, None)),
        ("split based on I/O size\n", (None, None)),
        ("Based on commit 0123456789abcdef\n", ("0123456789abcdef", None)),
        (
            "Based on 6.19-rc4.\n---\nbase-commit: 1111111111111111111111111111111111111111\n",
            ("1111111111111111111111111111111111111111", "6.19-rc4"),
        ),
    ],
)
def test_find_base(text: str, expected: tuple[str | None, str | None]) -> None:
    assert find_base(text) == expected


def test_find_change_id() -> None:
    text = (
        "Change-Id: I0123456789abcdef0123456789abcdef01234567\n"
        "change-id: 20251030-kvm-arm64-set-id-regs-aarch64-96fe0d2b178e\n"
    )
    assert find_change_id(text) == "20251030-kvm-arm64-set-id-regs-aarch64-96fe0d2b178e"
    assert find_change_id("Change-Id: I0123456789abcdef0123456789abcdef01234567\n") is None
    assert find_change_id(" change-id: indented-is-not-b4\n") is None


def test_declared_dependencies() -> None:
    text = (
        "prerequisite-change-id: 20260714-foo-41e5d1ca0dc3:v2\n"
        "prerequisite-change-id: 20260715-bar-51e5d1ca0dc3\n"
        "prerequisite-message-id: <20260101-foo-v2-0-abc@example.com>\n"
        "prerequisite-patch-id: cb345fc0d814a351df2b5788b76eee0eef9de549\n"
        "prerequisite-patch-id: cb345fc0d814a351df2b5788b76eee0eef9de549\n"
        "Depends-on: <20260202.1-1-dep@example.com>\n"
        'Depends-on: series-1234 ("net: add the thing")\n'
        "Depends-on: https://lore.kernel.org/r/20260303-x@example.com\n"
        "Based-on: <20260404.2-2-base@example.com>\n"
        "> Depends-on: <quoted@example.com>\n"
    )
    prerequisite, depends, based = (
        DependencyKind.PREREQUISITE,
        DependencyKind.DEPENDS_ON,
        DependencyKind.BASED_ON,
    )
    assert find_dependencies(text, (), ()) == (
        DependencyRef(prerequisite, True, change_id="20260714-foo-41e5d1ca0dc3", version=2),
        DependencyRef(prerequisite, True, change_id="20260715-bar-51e5d1ca0dc3"),
        DependencyRef(prerequisite, True, message_id="20260101-foo-v2-0-abc@example.com"),
        DependencyRef(prerequisite, True, patch_id="cb345fc0d814a351df2b5788b76eee0eef9de549"),
        DependencyRef(depends, True, message_id="20260202.1-1-dep@example.com"),
        DependencyRef(depends, True, label='series-1234 ("net: add the thing")'),
        DependencyRef(
            depends,
            True,
            url="https://lore.kernel.org/r/20260303-x@example.com",
            message_id="20260303-x@example.com",
        ),
        DependencyRef(based, True, message_id="20260404.2-2-base@example.com"),
    )


BASE_SECTION = """\
This is v3, addressing the comments on RFC v2 [0].

This is based on the latest WIP hugetlb-based guest_memfd code [1], with
"Rework preparation/population" series v2 [2] and DPAMT v4 [3] rebased on
it. For the full stack see [4].

So, this series also depends on the four fixup patches included in [4]:

[FIXUP] KVM: guest_memfd: Allow gmem slot lpage even with non-aligned uaddr

The selftests are described in [5].

[0] RFC v2: https://lore.kernel.org/all/20250807093950.4395-1-y.z@example.com
[1] hugetlb-based gmem: https://github.com/example/linux-cc/tree/wip-gmem
[2] gmem-population rework v2: https://lore.kernel.org/all/20251215153411.3613928-1-m.r@example.com
[3] DPAMT v4: https://lore.kernel.org/kvm/20251121005125.417831-1-r.e@example.com
[4] kernel full stack: https://github.com/example/tdx/tree/huge_page_v3
[5] https://github.com/example/tdx/commit/8747667feb0b37daabcaee7132c398f9e62a6edd
"""


def test_inferred_dependencies_from_prose_and_footnotes() -> None:
    footnotes = find_footnotes(BASE_SECTION)
    links = find_version_links(BASE_SECTION, footnotes)
    assert [link.version for link in links] == [2]
    deps = find_dependencies(BASE_SECTION, footnotes, links)
    based, fixup = DependencyKind.BASED_ON, DependencyKind.FIXUP
    assert deps == (
        DependencyRef(
            based, False, "hugetlb-based gmem", "https://github.com/example/linux-cc/tree/wip-gmem"
        ),
        DependencyRef(
            based,
            False,
            "gmem-population rework v2",
            "https://lore.kernel.org/all/20251215153411.3613928-1-m.r@example.com",
            "20251215153411.3613928-1-m.r@example.com",
        ),
        DependencyRef(
            based,
            False,
            "DPAMT v4",
            "https://lore.kernel.org/kvm/20251121005125.417831-1-r.e@example.com",
            "20251121005125.417831-1-r.e@example.com",
        ),
        DependencyRef(
            fixup, False, "kernel full stack", "https://github.com/example/tdx/tree/huge_page_v3"
        ),
    )


def test_inferred_label_falls_back_to_the_citation_and_depends_on_kind() -> None:
    text = "This series depends on the vCPU cleanup [1].\n\n[1] https://lore.kernel.org/r/dep@example.com\n"
    assert find_dependencies(text, find_footnotes(text), ()) == (
        DependencyRef(
            DependencyKind.DEPENDS_ON,
            False,
            "vCPU cleanup",
            "https://lore.kernel.org/r/dep@example.com",
            "dep@example.com",
        ),
    )


def test_inline_url_in_a_dependency_sentence() -> None:
    text = "It applies on top of Alex's series https://lore.kernel.org/r/alex@example.com.\n"
    (dep,) = find_dependencies(text, (), ())
    assert (dep.kind, dep.declared, dep.message_id) == (
        DependencyKind.BASED_ON,
        False,
        "alex@example.com",
    )
    assert dep.url == "https://lore.kernel.org/r/alex@example.com"


def test_prose_mention_of_a_declared_dependency_is_not_repeated() -> None:
    text = (
        "This depends on [1].\n\n[1] https://lore.kernel.org/r/dep@example.com\n\n"
        "prerequisite-message-id: <dep@example.com>\n"
    )
    deps = find_dependencies(text, find_footnotes(text), ())
    assert [(d.kind, d.declared) for d in deps] == [(DependencyKind.PREREQUISITE, True)]


def test_version_link_footnotes_are_not_dependencies() -> None:
    text = "This is based on v2 [1].\n\n[1] v2: https://lore.kernel.org/r/v2@example.com\n"
    footnotes = find_footnotes(text)
    links = find_version_links(text, footnotes)
    assert [link.message_id for link in links] == ["v2@example.com"]
    assert find_dependencies(text, footnotes, links) == ()


def test_changelog_bullets_do_not_run_into_each_other() -> None:
    text = "Changes in v2:\n- Rebased on v6.19-rc3.\n- See https://lore.kernel.org/r/other@example.com\n"
    assert find_dependencies(text, (), ()) == ()


def test_unused_footnote_argument_is_harmless() -> None:
    stray = (Footnote("9", "https://example.com/x"),)
    assert find_dependencies("Nothing here.\n", stray, ()) == ()
