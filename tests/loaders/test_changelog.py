"""find_version_links, find_base, find_change_id, find_dependencies."""

from __future__ import annotations

import pytest

from loaders.mail.changelog import find_base, find_change_id, find_dependencies, find_version_links
from loaders.mail.footnotes import find_footnotes
from loaders.records import DependencyKind, DependencyRef, Footnote, VersionLink

MSGID_V3 = "20260120-kvm-x86-pmu-fixes-v3-0-0a1b2c3d4e5f@example.org"


def test_link_to_lines() -> None:
    text = (
        "Changes in v4:\n- Fix a check.\n"
        f"- Link to v3: https://patch.msgid.link/{MSGID_V3}\n\n"
        "Changes in v3:\n- Link to v2:\n  https://lore.kernel.org/r/20260111-x-v2-0-aaa@example.org\n"
        "- Link to RFC: https://patchwork.ozlabs.org/cover/1234567/\n"
    )
    assert find_version_links(text, ()) == (
        VersionLink(f"https://patch.msgid.link/{MSGID_V3}", MSGID_V3, 3, False),
        VersionLink(
            "https://lore.kernel.org/r/20260111-x-v2-0-aaa@example.org",
            "20260111-x-v2-0-aaa@example.org",
            2,
            False,
        ),
        VersionLink("https://patchwork.ozlabs.org/cover/1234567/", None, None, True),
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
        "policy refcount v2: https://lore.kernel.org/r/a@b.c",
        "See https://lore.kernel.org/r/a@b.c for v2",
        "> v2: https://lore.kernel.org/r/a@b.c",
        "Link: https://lore.kernel.org/r/a@b.c",
    ],
)
def test_lines_that_are_not_version_links(line: str) -> None:
    assert find_version_links(line, ()) == ()


def test_footnote_label_and_citation_forms() -> None:
    text = (
        "Changes from v2 [1]:\n- Rebased\n\nv1: [2]\n\nBuilt with PAMT-lite v5 [3].\n\n"
        "[0] RFC v1: https://github.com/example/tree/rfc-v1\n"
        "[1] https://lore.kernel.org/all/20260109140000.3131-1-dev@example.com/\n"
        "[2] https://lore.kernel.org/all/20260101000000.1-1-dev@example.com/\n"
        "[3] https://lore.kernel.org/kvm/20260106093000.4242-1-pamt@example.com\n"
        "[4] previous version: https://lore.kernel.org/r/prev@example.com\n"
    )
    links = find_version_links(text, find_footnotes(text))
    assert [(link.message_id, link.version, link.is_rfc) for link in links] == [
        (None, 1, True),
        ("prev@example.com", None, False),
        ("20260109140000.3131-1-dev@example.com", 2, False),
        ("20260101000000.1-1-dev@example.com", 1, False),
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
        ("This series is based on kvm-x86/next (0a1b2c3d4e5f) + [2].\n", (None, "kvm-x86/next")),
        ("It is based on v6.18, and tested.\n", (None, "v6.18")),
        ("Based on top of tip/x86/core.\n", (None, "tip/x86/core")),
        (
            "This patch is based on the arm64/for-next/sysregs branch.\n",
            (None, "arm64/for-next/sysregs"),
        ),
        ("It is based on net-next.\n", (None, "net-next")),
        ("Based on next-20260105.\n", (None, "next-20260105")),
        ("This is based on the in-progress shmem-backed mempolicy code [1].\n", (None, None)),
        ("- Rebased on 6.19-rc4\n- Rebased on top of PAMT-lite v5.\n", (None, None)),
        ("pick the exit status based on pass/fail totals\n", (None, None)),
        ("Based on comments from Ravi, reworked it.\n", (None, None)),
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
        "change-id: 20260102-kvm-x86-pmu-fixes-5e4d3c2b1a09\n"
    )
    assert find_change_id(text) == "20260102-kvm-x86-pmu-fixes-5e4d3c2b1a09"
    assert find_change_id("Change-Id: I0123456789abcdef0123456789abcdef01234567\n") is None
    assert find_change_id(" change-id: indented-is-not-b4\n") is None


def test_declared_dependencies() -> None:
    text = (
        "prerequisite-change-id: 20260714-foo-41e5d1ca0dc3:v2\n"
        "prerequisite-change-id: 20260715-bar-51e5d1ca0dc3\n"
        "prerequisite-message-id: <20260101-foo-v2-0-abc@example.com>\n"
        "prerequisite-patch-id: 0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c\n"
        "prerequisite-patch-id: 0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c\n"
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
        DependencyRef(prerequisite, True, patch_id="0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"),
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


def test_declared_names_with_look_alike_letters_do_not_crash() -> None:
    # Under re.IGNORECASE the long s (U+017F) and dotless i (U+0131) match "s" and "i"; such a
    # name is no declared field, and it once raised KeyError out of parse_body.
    text = "Ba\u017fed-on: <a@example.com>\nprerequ\u0131site-patch-id: 0f1e\nBASED-ON: <b@x.org>\n"
    assert find_dependencies(text, (), ()) == (
        DependencyRef(DependencyKind.BASED_ON, True, message_id="b@x.org"),
    )


BASE_SECTION = """\
This is v3; it takes in the review of RFC v2 [0].

The series is based on the in-progress shmem-backed mempolicy code [1];
"Refcount the policy/inode" series v2 [2] and PAMT-lite v5 [3] sit on top
of it. The whole tree is at [4].

It also relies on two fixup patches that live in [4]:

[FIXUP] mm: shmem: Keep the inode policy across truncate

The selftests are described in [5].

[0] RFC v2: https://lore.kernel.org/all/20260102081500.7711-1-y.z@example.com
[1] shmem policy: https://github.com/example/linux-mm/tree/wip-policy
[2] policy refcount v2: https://lore.kernel.org/all/20260104121212.80808-1-m.r@example.com
[3] PAMT-lite v5: https://lore.kernel.org/kvm/20260106093000.4242-1-r.e@example.com
[4] full tree: https://github.com/example/vmm/tree/topic_v3
[5] https://github.com/example/vmm/commit/1a2b3c4d5e6f70819293a4b5c6d7e8f90a1b2c3d
"""


def test_inferred_dependencies_from_prose_and_footnotes() -> None:
    footnotes = find_footnotes(BASE_SECTION)
    links = find_version_links(BASE_SECTION, footnotes)
    assert [link.version for link in links] == [2]
    deps = find_dependencies(BASE_SECTION, footnotes, links)
    based, fixup = DependencyKind.BASED_ON, DependencyKind.FIXUP
    assert deps == (
        DependencyRef(
            based, False, "shmem policy", "https://github.com/example/linux-mm/tree/wip-policy"
        ),
        DependencyRef(
            based,
            False,
            "policy refcount v2",
            "https://lore.kernel.org/all/20260104121212.80808-1-m.r@example.com",
            "20260104121212.80808-1-m.r@example.com",
        ),
        DependencyRef(
            based,
            False,
            "PAMT-lite v5",
            "https://lore.kernel.org/kvm/20260106093000.4242-1-r.e@example.com",
            "20260106093000.4242-1-r.e@example.com",
        ),
        DependencyRef(fixup, False, "full tree", "https://github.com/example/vmm/tree/topic_v3"),
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


@pytest.mark.parametrize(
    "text",
    [
        "v2" + " " * 100_000 + "x [1]\n",
        "RFC" + " " * 100_000 + "v2" + " " * 100_000 + ":" + " " * 100_000 + "x\n",
        "based on " * 20_000,
        "based on a" + "-1" * 50_000 + "x y",
        ("This depends on [1] " * 20_000) + "\n\n[1] https://lore.kernel.org/r/a@b\n",
        " " * 79 + "x https://lore.kernel.org/r/a@b\n",
    ],
)
def test_adversarial_inputs_finish(text: str) -> None:
    footnotes = find_footnotes(text)
    links = find_version_links(text, footnotes)
    find_dependencies(text, footnotes, links)
    assert find_base(text)[0] is None


@pytest.mark.parametrize(
    "text",
    [
        "Rebased on top of v6.19",
        "rebased  on\n top  of kvm/next",
        "This goes on\ttop of the fixes",
        "ontop of, xon top of, on top",
        "This is based upon v2 and DEPENDENT ON nothing",
        "relying on; Relies on; built upon; applies to",
        "a prerequisite, nonprerequisite, preRequisiteS.",
        "on \u2003 top of it (an em space is whitespace to the regex)",
        "re based on, unbased on",
        "\u017fomething based on a long s (a case trap: the regex alone decides)",
        "no cue at all here",
    ],
)
def test_cue_search_equals_the_regex(text: str) -> None:
    """The cue is searched only where one of its words stands; it finds what the regex finds."""
    from loaders.mail.changelog import _CUE_RE, _cue_matches, _cue_search

    for variant in (text, text.upper(), "x " + text + " y", f"{text}. {text}, {text}"):
        expected = _CUE_RE.search(variant)
        found = _cue_search(variant)
        assert (found and (found.span(), found.group(0))) == (
            expected and (expected.span(), expected.group(0))
        ), variant
        every = [(m.span(), m.group(0)) for m in _CUE_RE.finditer(variant)]
        assert [(m.span(), m.group(0)) for m in _cue_matches(variant)] == every
