"""parse_shortlog: author groups, counts, wrapped titles."""

from __future__ import annotations

from loaders.mail.shortlog import parse_shortlog
from loaders.records import ShortlogGroup

COVER_TAIL = """\
Thanks,
Lena

Okafor, Chidi N (1):
  KVM: x86/mmu: Skip the rmap walk for read-only (write-protected) leaf
    SPTEs

Lena Hartmann (2):
  KVM: VMX: Load the guest PAT only when it changed
  x86/virt: Pass the vCPU's APIC page to the posted-interrupt
    helpers

 arch/x86/kvm/vmx/vmx.c | 42 +++++++++--
 1 file changed, 35 insertions(+), 7 deletions(-)
"""


def test_groups_with_wrapped_titles_and_last_first_names() -> None:
    assert parse_shortlog(COVER_TAIL) == (
        ShortlogGroup(
            "Chidi N Okafor",
            1,
            ("KVM: x86/mmu: Skip the rmap walk for read-only (write-protected) leaf SPTEs",),
        ),
        ShortlogGroup(
            "Lena Hartmann",
            2,
            (
                "KVM: VMX: Load the guest PAT only when it changed",
                "x86/virt: Pass the vCPU's APIC page to the posted-interrupt helpers",
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
