"""parse_shortlog: author groups, counts, wrapped titles."""

from __future__ import annotations

from loaders.records import ShortlogGroup
from loaders.shortlog import parse_shortlog

COVER_TAIL = """\
Thanks,
Yan

Edgecombe, Rick P (1):
  KVM: x86/mmu: Disallow page merging (huge page adjustment) for mirror
    root

Kiryl Shutsemau (2):
  KVM: TDX: Get/Put DPAMT page pair only when mapping size is 4KB
  x86/tdx: Pass guest memory's PFN info to demote for updating
    pamt_refcount

 arch/x86/kvm/mmu/mmu.c | 90 +++++++++--
 1 file changed, 80 insertions(+), 10 deletions(-)
"""


def test_groups_with_wrapped_titles_and_last_first_names() -> None:
    assert parse_shortlog(COVER_TAIL) == (
        ShortlogGroup(
            "Rick P Edgecombe",
            1,
            ("KVM: x86/mmu: Disallow page merging (huge page adjustment) for mirror root",),
        ),
        ShortlogGroup(
            "Kiryl Shutsemau",
            2,
            (
                "KVM: TDX: Get/Put DPAMT page pair only when mapping size is 4KB",
                "x86/tdx: Pass guest memory's PFN info to demote for updating pamt_refcount",
            ),
        ),
    )


def test_b4_style_six_space_indent() -> None:
    text = (
        "---\nMark Example (2):\n"
        "      KVM: selftests: Report reads\n      KVM: selftests: Skip 32 bit IDs\n\n"
    )
    assert parse_shortlog(text) == (
        ShortlogGroup(
            "Mark Example", 2, ("KVM: selftests: Report reads", "KVM: selftests: Skip 32 bit IDs")
        ),
    )


def test_tab_indented_titles() -> None:
    text = "Ann Example (1):\n\tKVM: x86: Fix the thing\n"
    assert parse_shortlog(text) == (ShortlogGroup("Ann Example", 1, ("KVM: x86: Fix the thing",)),)


def test_header_without_titles_and_prose_are_ignored() -> None:
    text = "Changes (2):\n\nNote (see below):\n  not a group: no count\nFoo: bar (3):\n  x\n"
    assert parse_shortlog(text) == ()


def test_no_shortlog() -> None:
    assert parse_shortlog("") == ()
    assert parse_shortlog("Just (a) line\n  indented\n") == ()
    assert parse_shortlog("Name (x):\n  title\n") == ()
