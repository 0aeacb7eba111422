"""find_footnotes (definitions, labels, citations) and message_id_from_url."""

from __future__ import annotations

import pytest

from loaders.mail.footnotes import citation_phrase, find_footnotes, message_id_from_url
from loaders.records import Footnote

COVER = """\
This is v3 of the series. It folds in the comments on RFC v2 [0] and
moves the lock so that it lines up with PAMT-lite v5 [3].

This is based on the in-progress shmem-backed mempolicy code [1], with
"Refcount the policy/inode" series v2 [2] and PAMT-lite v5 [3] stacked on
top. The whole tree is at [4]. Some code uses array[2] indexing.

> [7] https://lore.kernel.org/all/quoted@example.com

[0] RFC v2: https://lore.kernel.org/all/20260102081500.7711-1-a.b@example.com
[1] shmem policy: https://github.com/example/linux-mm/tree/wip-policy
[2]: https://lore.kernel.org/all/20260104121212.80808-1-c.d@example.com
[3] PAMT-lite v5: <https://lore.kernel.org/kvm/20260106093000.4242-1-e.f@example.com>.
[4] https://github.com/example/vmm/tree/topic_v3
[5] not a footnote: no url here
"""


def test_definitions_labels_and_citations() -> None:
    assert find_footnotes(COVER) == (
        Footnote(
            "0",
            "https://lore.kernel.org/all/20260102081500.7711-1-a.b@example.com",
            "RFC v2",
            "RFC v2",
        ),
        Footnote(
            "1",
            "https://github.com/example/linux-mm/tree/wip-policy",
            "shmem policy",
            "in-progress shmem-backed mempolicy code",
        ),
        Footnote(
            "2",
            "https://lore.kernel.org/all/20260104121212.80808-1-c.d@example.com",
            "",
            '"Refcount the policy/inode" series v2',
        ),
        Footnote(
            "3",
            "https://lore.kernel.org/kvm/20260106093000.4242-1-e.f@example.com",
            "PAMT-lite v5",
            "PAMT-lite v5",
        ),
        Footnote("4", "https://github.com/example/vmm/tree/topic_v3", "", ""),
    )


def test_url_on_the_next_line_and_number_zero() -> None:
    text = (
        "See [0].\n\n[0] RFC v1:\n    https://lore.kernel.org/r/20250101-x-v1-0-abc@example.com\n"
    )
    assert find_footnotes(text) == (
        Footnote("0", "https://lore.kernel.org/r/20250101-x-v1-0-abc@example.com", "RFC v1", ""),
    )


def test_first_definition_of_a_number_wins() -> None:
    text = "[1] https://example.com/a\n[1] https://example.com/b\n"
    assert [f.url for f in find_footnotes(text)] == ["https://example.com/a"]


def test_no_footnotes() -> None:
    assert find_footnotes("Just prose [1] without definitions.\n") == ()
    assert find_footnotes("") == ()


@pytest.mark.parametrize(
    ("before", "phrase"),
    [
        (
            'with "Refcount the policy/inode" series v2 ',
            '"Refcount the policy/inode" series v2',
        ),
        ("and PAMT-lite v5 ", "PAMT-lite v5"),
        ("comments of RFC v2 ", "RFC v2"),
        ("Changes from v2 ", "v2"),
        ("The full stack is available at ", ""),
        ("as Priya pointed out in [7], the new inode cache ", "new inode cache"),
        (
            '(also shown in commit "KVM: selftests: Switch init mem" ',
            'commit "KVM: selftests: Switch init mem"',
        ),
        ("one two three four five six seven eight ", "three four five six seven eight"),
        ("based on kvm-x86/next (13e98294d7ce) + ", ""),
        ("PAMT-lite v5 [3] and ", ""),
        ("", ""),
    ],
)
def test_citation_phrase(before: str, phrase: str) -> None:
    assert citation_phrase(before) == phrase


@pytest.mark.parametrize(
    ("url", "message_id"),
    [
        (
            "https://lore.kernel.org/kvm/20260106093000.4242-1-a@b.com",
            "20260106093000.4242-1-a@b.com",
        ),
        (
            "https://lore.kernel.org/r/20260108-x-v3-0-abc@example.org",
            "20260108-x-v3-0-abc@example.org",
        ),
        (
            "https://lore.kernel.org/all/20260109140000.3131-1-a@b.com/",
            "20260109140000.3131-1-a@b.com",
        ),
        (
            "https://lore.kernel.org/all/xQ7pLm2Rz0a%2FkT4w@desk.example.com",
            "xQ7pLm2Rz0a/kT4w@desk.example.com",
        ),
        (
            "https://lore.kernel.org/all/xQ7pLm2Rz0a/kT4w@desk.example.com/",
            "xQ7pLm2Rz0a/kT4w@desk.example.com",
        ),
        ("https://lore.kernel.org/kvm/abc@x.com/T/#u", "abc@x.com"),
        (
            "<https://patch.msgid.link/20260108-x-v3-0-abc@example.org>",
            "20260108-x-v3-0-abc@example.org",
        ),
        ("https://lkml.kernel.org/r/20200101.1234-1-a@b.com", "20200101.1234-1-a@b.com"),
        ("https://lore.kernel.org/r/%3C20200101.1234-1-a@b.com%3E", "20200101.1234-1-a@b.com"),
        (
            "https://patchwork.kernel.org/project/kvm/patch/20250101-x-1-a@b.com/",
            "20250101-x-1-a@b.com",
        ),
        ("https://github.com/example/vmm/tree/topic_v3", None),
        ("https://github.com/x/y/commit/0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c", None),
        ("https://lore.kernel.org/kvm/", None),
        ("https://lore.kernel.org/kvm/?q=foo", None),
        ("not a url", None),
        ("http://[::1", None),
    ],
)
def test_message_id_from_url(url: str, message_id: str | None) -> None:
    assert message_id_from_url(url) == message_id
