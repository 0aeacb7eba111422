"""find_footnotes (definitions, labels, citations) and message_id_from_url."""

from __future__ import annotations

import pytest

from loaders.footnotes import citation_phrase, find_footnotes, message_id_from_url
from loaders.records import Footnote

COVER = """\
This is v3 of the series. It folds in the comments on RFC v2 [0] and
switches to the shared cache to align with DPAMT v4 [3].

This is based on the latest WIP hugetlb-based guest_memfd code [1], with
"Rework preparation/population" series v2 [2] and DPAMT v4 [3] rebased on
it. For the full stack see [4]. Some code uses array[2] indexing.

> [7] https://lore.kernel.org/all/quoted@example.com

[0] RFC v2: https://lore.kernel.org/all/20250807093950.4395-1-a.b@example.com
[1] hugetlb-based gmem: https://github.com/example/linux-cc/tree/wip-gmem
[2]: https://lore.kernel.org/all/20251215153411.3613928-1-c.d@example.com
[3] DPAMT v4: <https://lore.kernel.org/kvm/20251121005125.417831-1-e.f@example.com>.
[4] https://github.com/example/tdx/tree/huge_page_v3
[5] not a footnote: no url here
"""


def test_definitions_labels_and_citations() -> None:
    assert find_footnotes(COVER) == (
        Footnote(
            "0",
            "https://lore.kernel.org/all/20250807093950.4395-1-a.b@example.com",
            "RFC v2",
            "RFC v2",
        ),
        Footnote(
            "1",
            "https://github.com/example/linux-cc/tree/wip-gmem",
            "hugetlb-based gmem",
            "latest WIP hugetlb-based guest_memfd code",
        ),
        Footnote(
            "2",
            "https://lore.kernel.org/all/20251215153411.3613928-1-c.d@example.com",
            "",
            '"Rework preparation/population" series v2',
        ),
        Footnote(
            "3",
            "https://lore.kernel.org/kvm/20251121005125.417831-1-e.f@example.com",
            "DPAMT v4",
            "DPAMT v4",
        ),
        Footnote("4", "https://github.com/example/tdx/tree/huge_page_v3", "", ""),
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
            'with "Rework preparation/population" series v2 ',
            '"Rework preparation/population" series v2',
        ),
        ("and DPAMT v4 ", "DPAMT v4"),
        ("comments of RFC v2 ", "RFC v2"),
        ("Changes from v2 ", "v2"),
        ("The full stack is available at ", ""),
        ("as Vishal pointed out in [7], the new guest_memfd ", "new guest_memfd"),
        (
            '(also shown in commit "KVM: selftests: Switch init mem" ',
            'commit "KVM: selftests: Switch init mem"',
        ),
        ("one two three four five six seven eight ", "three four five six seven eight"),
        ("based on kvm-x86/next (13e98294d7ce) + ", ""),
        ("DPAMT v4 [3] and ", ""),
        ("", ""),
    ],
)
def test_citation_phrase(before: str, phrase: str) -> None:
    assert citation_phrase(before) == phrase


@pytest.mark.parametrize(
    ("url", "message_id"),
    [
        (
            "https://lore.kernel.org/kvm/20251121005125.417831-1-a@b.com",
            "20251121005125.417831-1-a@b.com",
        ),
        (
            "https://lore.kernel.org/r/20251219-x-v3-0-abc@kernel.org",
            "20251219-x-v3-0-abc@kernel.org",
        ),
        (
            "https://lore.kernel.org/all/20251215165155.3451819-1-a@b.com/",
            "20251215165155.3451819-1-a@b.com",
        ),
        (
            "https://lore.kernel.org/all/aGSoDnODoG2%2FpbYn@desk.example.com",
            "aGSoDnODoG2/pbYn@desk.example.com",
        ),
        (
            "https://lore.kernel.org/all/aGSoDnODoG2/pbYn@desk.example.com/",
            "aGSoDnODoG2/pbYn@desk.example.com",
        ),
        ("https://lore.kernel.org/kvm/abc@x.com/T/#u", "abc@x.com"),
        (
            "<https://patch.msgid.link/20251219-x-v3-0-abc@kernel.org>",
            "20251219-x-v3-0-abc@kernel.org",
        ),
        ("https://lkml.kernel.org/r/20200101.1234-1-a@b.com", "20200101.1234-1-a@b.com"),
        ("https://lore.kernel.org/r/%3C20200101.1234-1-a@b.com%3E", "20200101.1234-1-a@b.com"),
        (
            "https://patchwork.kernel.org/project/kvm/patch/20250101-x-1-a@b.com/",
            "20250101-x-1-a@b.com",
        ),
        ("https://github.com/intel-staging/tdx/tree/huge_page_v3", None),
        ("https://github.com/x/y/commit/a8aedac2df44e29247773db3444bc65f7100daa1", None),
        ("https://lore.kernel.org/kvm/", None),
        ("https://lore.kernel.org/kvm/?q=foo", None),
        ("not a url", None),
        ("http://[::1", None),
    ],
)
def test_message_id_from_url(url: str, message_id: str | None) -> None:
    assert message_id_from_url(url) == message_id
