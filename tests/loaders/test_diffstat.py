"""parse_diffstat and parse_diff_files."""

from __future__ import annotations

import pytest

from loaders.mail.diffstat import parse_diff_files, parse_diffstat
from loaders.records import Diffstat, FileChange
from tests.conftest import FIXTURES


def test_plain_diffstat_with_summary() -> None:
    text = (
        "---\n"
        " arch/x86/kvm/svm/nested.c | 14 ++++++++++++--\n"
        " arch/x86/kvm/x86.c        |  3 ---\n"
        " 2 files changed, 12 insertions(+), 5 deletions(-)\n"
    )
    assert parse_diffstat(text) == Diffstat(
        files=(
            FileChange("arch/x86/kvm/svm/nested.c", 12, 2, changes=14),
            FileChange("arch/x86/kvm/x86.c", 0, 3, changes=3),
        ),
        files_changed=2,
        insertions=12,
        deletions=5,
    )


@pytest.mark.parametrize(
    ("summary", "numbers"),
    [
        (" 1 file changed, 1 insertion(+)", (1, 1, 0)),
        (" 1 file changed, 1 deletion(-)", (1, 0, 1)),
        (" 3 files changed, 2 insertions(+), 1 deletion(-)", (3, 2, 1)),
        (" 1 file changed, 0 insertions(+), 0 deletions(-)", (1, 0, 0)),
        (" 2 files changed", (2, 0, 0)),
    ],
)
def test_summary_forms(summary: str, numbers: tuple[int, int, int]) -> None:
    stat = parse_diffstat(f" a.c | 1 +\n{summary}\n")
    assert stat is not None
    assert (stat.files_changed, stat.insertions, stat.deletions) == numbers


def test_shortened_binary_and_rename_lines() -> None:
    text = (
        " .../selftests/kvm/x86/nested_exceptions_test.c | 12 ++++++------\n"
        " Documentation/images/walk.png                  | Bin 0 -> 123 bytes\n"
        " Documentation/images/old.png                   | Bin\n"
        " tools/kvm/{old.h => lib/new.h}                 |  0\n"
        " scripts/a.sh => tools/b.sh                     |  2 +-\n"
        " 5 files changed, 7 insertions(+), 7 deletions(-)\n"
    )
    stat = parse_diffstat(text)
    assert stat is not None
    assert stat.files == (
        FileChange(
            ".../selftests/kvm/x86/nested_exceptions_test.c", 6, 6, shortened=True, changes=12
        ),
        FileChange("Documentation/images/walk.png", binary=True),
        FileChange("Documentation/images/old.png", binary=True),
        FileChange("tools/kvm/lib/new.h", 0, 0, changes=0),
        FileChange("tools/b.sh", 1, 1, changes=2),
    )


def test_scaled_graph_counts_are_unknown_unless_one_sided_or_derivable() -> None:
    text = (
        " arch/x86/kvm/lapic.c     | 120 +++++++++---\n"
        " arch/x86/kvm/hyperv.c    | 310 ++++++++++++++++----\n"
        " arch/x86/kvm/ioapic.h    |   4 +\n"
        " virt/kvm/eventfd.c       |  55 ++++++\n"
        " 4 files changed, 380 insertions(+), 109 deletions(-)\n"
    )
    stat = parse_diffstat(text)
    assert stat is not None
    assert [(f.insertions, f.deletions, f.changes) for f in stat.files] == [
        (None, None, 120),
        (None, None, 310),
        (4, 0, 4),
        (55, 0, 55),
    ]


def test_single_scaled_file_is_derived_from_the_summary() -> None:
    stat = parse_diffstat(
        " pmu_counters_test.c | 83 +++++++++++++++++++-------\n"
        " 1 file changed, 61 insertions(+), 22 deletions(-)\n"
    )
    assert stat is not None
    assert stat.files == (FileChange("pmu_counters_test.c", 61, 22, changes=83),)


def test_diffstat_without_summary_and_none_without_diffstat() -> None:
    stat = parse_diffstat("v2: stuff\n\n include/x.h | 2 ++\n lib/y.c | 1 -\n")
    assert stat == Diffstat(
        files=(FileChange("include/x.h", 2, 0, changes=2), FileChange("lib/y.c", 0, 1, changes=1))
    )
    assert parse_diffstat("No diffstat here | really.\nJust prose.\n") is None
    assert parse_diffstat("") is None


def test_diffstat_is_not_read_from_inside_a_diff() -> None:
    text = (
        "diff --git a/Documentation/x.rst b/Documentation/x.rst\n"
        "+ foo.c | 3 +++\n+ 1 file changed, 3 insertions(+)\n"
    )
    assert parse_diffstat(text) is None


DIFF = (FIXTURES / "bodies" / "mixed_files.diff").read_text(encoding="utf-8")


def test_parse_diff_files() -> None:
    assert parse_diff_files(DIFF) == (
        FileChange("arch/x86/kvm/x86.c", 3, 4, changes=7),
        FileChange("include/new_name.h", 1, 1, changes=2),
        FileChange("tools/new_test.c", 2, 0, changes=2),
        FileChange("tools/gone.c", 0, 1, changes=1),
        FileChange("docs/logo.png", binary=True),
        FileChange("docs/blob.bin", binary=True),
        FileChange("scripts/run.sh", 0, 0, changes=0),
    )


def test_plain_unified_diff_without_git_headers() -> None:
    text = (
        "--- a/foo.c\t2026-01-01\n+++ b/foo.c\t2026-01-02\n@@ -1 +1,2 @@\n-a\n+b\n+c\n"
        "--- a/bar.c\n+++ b/bar.c\n@@ -1 +1 @@\n-x\n+y\n-- \n2.43.0\n"
    )
    assert parse_diff_files(text) == (
        FileChange("foo.c", 2, 1, changes=3),
        FileChange("bar.c", 1, 1, changes=2),
    )


def test_paths_with_spaces_and_quotes() -> None:
    text = (
        "diff --git a/dir/my file.c b/dir/my file.c\nindex 1..2\n"
        "--- a/dir/my file.c\n+++ b/dir/my file.c\n@@ -1 +1 @@\n-a\n+b\n"
    )
    text += 'diff --git "a/odd\\"name" "b/odd\\"name"\nnew file mode 100644\n'
    files = parse_diff_files(text)
    assert files[0] == FileChange("dir/my file.c", 1, 1, changes=2)
    assert len(files) == 2


def test_big_diff_is_counted_in_one_pass() -> None:
    hunk = "@@ -1,1000 +1,1000 @@\n" + "-old line\n+new line\n" * 1000
    files = "".join(
        f"diff --git a/f{i}.c b/f{i}.c\n--- a/f{i}.c\n+++ b/f{i}.c\n{hunk}" for i in range(250)
    )
    assert len(files) > 5_000_000
    parsed = parse_diff_files(files)
    assert len(parsed) == 250
    assert all(f.insertions == 1000 and f.deletions == 1000 for f in parsed)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "diff --git",
        "diff --git a/x",
        "@@ -1 +1 @@\n+x",
        "@@ garbage @@\n",
        "+++ b/x\n",
        "rename to y\n",
        "--- \n",
    ],
)
def test_malformed_diffs_do_not_raise(text: str) -> None:
    for change in parse_diff_files(text):
        assert change.path
