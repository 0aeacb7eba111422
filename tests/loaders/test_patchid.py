"""patch_id against the real `git patch-id --stable`, on patches made by git in a scratch repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from loaders.mail.patchid import _line_by_line, _well_formed_patch_id, patch_id

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

Edit = Callable[[Path], None]


class Repo:
    """A throw-away repository whose commits are turned into format-patch mails."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {
            **os.environ,
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Ada Example",
            "GIT_AUTHOR_EMAIL": "ada@example.com",
            "GIT_COMMITTER_NAME": "Ada Example",
            "GIT_COMMITTER_EMAIL": "ada@example.com",
            "GIT_AUTHOR_DATE": "2024-01-02T03:04:05Z",
            "GIT_COMMITTER_DATE": "2024-01-02T03:04:05Z",
        }
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, stdin: bytes | None = None) -> bytes:
        """Run git in the repository and return its standard output."""
        result = subprocess.run(
            ["git", *args], cwd=self.root, env=self.env, input=stdin, capture_output=True
        )
        assert result.returncode == 0, result.stderr.decode()
        return result.stdout

    def write(self, path: str, content: str | bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode()
        target.write_bytes(content)

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)

    def format_patch(self, *options: str) -> bytes:
        """The last commit as a format-patch mail."""
        return self.git("format-patch", "--stdout", *options, "-1", "HEAD")

    def git_patch_id(self, patch: bytes) -> str | None:
        """What `git patch-id --stable` prints for the (first) patch, None when nothing."""
        output = self.git("patch-id", "--stable", stdin=patch).decode().split()
        return output[0] if output else None


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path)
    lines = "".join(f"line {number}\n" for number in range(1, 41))
    repo.write("kernel/sched/core.c", lines)
    repo.write("arch/x86/kvm/mmu.c", lines.replace("line", "mmu"))
    repo.write("README", "Linux kernel\n============\n")
    repo.write("tools/run.sh", "#!/bin/sh\necho run\n")
    repo.write("firmware/blob.bin", bytes(range(256)) * 4)
    repo.commit("base")
    return repo


def _replace(path: str, old: str, new: str) -> Edit:
    def edit(root: Path) -> None:
        target = root / path
        target.write_text(target.read_text().replace(old, new, 1))

    return edit


def _two_hunks_two_files(root: Path) -> None:
    _replace("kernel/sched/core.c", "line 3\n", "line three\n")(root)
    _replace("kernel/sched/core.c", "line 35\n", "line 35\nline 35b\n")(root)
    _replace("arch/x86/kvm/mmu.c", "mmu 20\n", "")(root)


def _rename_and_edit(root: Path) -> None:
    (root / "kernel/sched/core.c").rename(root / "kernel/sched/main.c")
    _replace("kernel/sched/main.c", "line 40\n", "line forty\n")(root)


def _pure_rename(root: Path) -> None:
    (root / "README").rename(root / "README.rst")


def _new_and_deleted(root: Path) -> None:
    (root / "tools/run.sh").unlink()
    (root / "drivers/net/new.c").parent.mkdir(parents=True)
    (root / "drivers/net/new.c").write_text("int x;\n\nint y;\n")
    (root / "include").mkdir()
    (root / "include/empty.h").write_text("")


def _binary_changes(root: Path) -> None:
    (root / "firmware/blob.bin").write_bytes(bytes(range(255, -1, -1)) * 4)
    (root / "firmware/new.bin").write_bytes(b"\0\1\2\3" * 50)
    _replace("README", "Linux", "The Linux")(root)


def _whitespace_only(root: Path) -> None:
    _replace("kernel/sched/core.c", "line 7\n", "line\t 7 \n")(root)
    _replace("README", "============\n", "============   \n")(root)


def _mode_change(root: Path) -> None:
    (root / "tools/run.sh").chmod(0o755)
    _replace("README", "kernel", "Kernel")(root)


def _no_newline_at_end(root: Path) -> None:
    (root / "README").write_text("Linux kernel\n============")
    (root / "tools/run.sh").write_text("#!/bin/sh\necho run")


def _single_line_hunks(root: Path) -> None:
    (root / "tools/run.sh").write_text("#!/bin/bash\necho run\n")
    (root / "one").write_text("a\n")


def _crlf_and_unicode(root: Path) -> None:
    (root / "docs.txt").write_bytes("Grüße\r\nline two\r\n".encode())
    _replace("README", "kernel", "kérnel — ✓")(root)


def _diff_lookalikes(root: Path) -> None:
    """Content lines that look like diff or mail syntax inside the hunks."""
    _replace("kernel/sched/core.c", "line 10\n", "diff --git a/x b/x\n-- \n@@ -1 +1 @@\n")(root)


CASES: dict[str, Edit] = {
    "two_hunks_two_files": _two_hunks_two_files,
    "rename_and_edit": _rename_and_edit,
    "pure_rename": _pure_rename,
    "new_and_deleted": _new_and_deleted,
    "binary": _binary_changes,
    "whitespace_only": _whitespace_only,
    "mode_change": _mode_change,
    "no_newline_at_end": _no_newline_at_end,
    "single_line_hunks": _single_line_hunks,
    "crlf_and_unicode": _crlf_and_unicode,
    "diff_lookalikes": _diff_lookalikes,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_git_on_format_patch(repo: Repo, name: str) -> None:
    CASES[name](repo.root)
    repo.commit(f"change: {name}\n\nA commit message with\ndiff-looking words.")
    for options in ((), ("-M",), ("--no-renames",), ("-U1",), ("--no-binary",)):
        patch = repo.format_patch(*options)
        expected = repo.git_patch_id(patch)
        assert expected is not None
        assert patch_id(patch) == expected, options
        assert patch_id(patch.decode("utf-8", "surrogateescape")) == expected, options


def test_matches_git_on_plain_git_diff(repo: Repo) -> None:
    """`git diff` output (no mail around it, `Binary files ... differ`) as well."""
    _binary_changes(repo.root)
    _two_hunks_two_files(repo.root)
    diff = repo.git("diff")
    assert b"Binary files" in diff
    assert patch_id(diff) == repo.git_patch_id(diff)


def test_file_order_does_not_matter(repo: Repo, tmp_path: Path) -> None:
    _two_hunks_two_files(repo.root)
    _new_and_deleted(repo.root)
    repo.commit("reordered")
    order = tmp_path / "order"
    order.write_text("tools/*\ndrivers/*\narch/*\n")
    plain = repo.format_patch()
    reordered = repo.format_patch(f"-O{order}")
    assert plain != reordered
    assert patch_id(plain) == patch_id(reordered) == repo.git_patch_id(plain)


def test_whitespace_is_ignored(repo: Repo) -> None:
    """Two patches that differ only in whitespace inside lines share an id."""
    _replace("kernel/sched/core.c", "line 7\n", "line seven\n")(repo.root)
    repo.commit("tight")
    tight = repo.format_patch()
    spaced = tight.replace(b"+line seven", b"+line  sev en\t")
    assert patch_id(spaced) == patch_id(tight) == repo.git_patch_id(spaced)


def test_first_patch_of_a_series(repo: Repo) -> None:
    _replace("README", "kernel", "Kernel")(repo.root)
    repo.commit("one")
    _replace("README", "Linux", "GNU/Linux")(repo.root)
    repo.commit("two")
    series = repo.git("format-patch", "--stdout", "-2", "HEAD")
    first = repo.git("format-patch", "--stdout", "-1", "HEAD~1")
    assert patch_id(series) == patch_id(first) == repo.git_patch_id(first)


def test_mail_around_the_diff_is_ignored(repo: Repo) -> None:
    _two_hunks_two_files(repo.root)
    repo.commit("wrapped")
    patch = repo.format_patch()
    start = patch.index(b"\ndiff --git") + 1
    assert patch_id(patch[start:]) == patch_id(patch)
    assert patch_id(patch + b"\nThanks,\nAda\n") == patch_id(patch)


@pytest.mark.parametrize(
    "text",
    ["", "Just a reply, no diff.\n", "diff", "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"],
)
def test_no_diff_gives_none(text: str) -> None:
    assert patch_id(text) is None


def test_bare_diff_header_still_hashes() -> None:
    """git prints an id for a lone `diff ` line; so do we (it hashed something)."""
    assert patch_id("diff --git a/x b/x\n") is not None


def test_linear_time() -> None:
    """A 2.4 MB diff takes about as long per byte as a 240 kB one (no quadratic step)."""
    hunk = "".join(f"-old {n}\n+new {n}\n" for n in range(50))
    header = "diff --git a/f{0} b/f{0}\nindex 1111111..2222222 100644\n--- a/f{0}\n+++ b/f{0}\n"
    one_file = "@@ -1,50 +1,50 @@\n" + hunk

    def build(files: int) -> str:
        return "".join(header.format(n) + one_file for n in range(files))

    def best_of_three(text: str) -> float:
        """The least of three timings: a pause from elsewhere (another process, a garbage
        collection) lengthens one run, never all three."""
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            assert patch_id(text) is not None
            timings.append(time.perf_counter() - started)
        return min(timings)

    small, large = build(200), build(2000)
    assert best_of_three(large) < best_of_three(small) * 10 * 3


def _damaged(patch: bytes) -> dict[str, bytes]:
    """What mailers and people do to a diff in transit, each applied alone."""
    head, _, hunks = patch.partition(b"\n@@ ")
    hunks = b"@@ " + hunks
    return {
        "blank context lines lost their space": head + b"\n" + hunks.replace(b"\n \n", b"\n\n"),
        "every context space stripped": head + b"\n" + hunks.replace(b"\n ", b"\n"),
        "CRLF line ends": patch.replace(b"\n", b"\r\n"),
        "a line cut at a NUL": head + b"\n" + hunks.replace(b"\n+", b"\n+\0cut", 1),
        "hunk counts too large": head + b"\n" + hunks.replace(b"@@ -", b"@@ -9", 1),
        "hunk counts too small": head + b"\n" + hunks.replace(b",", b",0", 1),
        "truncated mid-hunk": patch[: len(head) + len(hunks) // 2],
    }


@pytest.mark.parametrize("case", ["two_hunks_two_files", "no_newline_at_end", "whitespace_only"])
def test_matches_git_on_diffs_damaged_in_transit(repo: Repo, case: str) -> None:
    """Inside a hunk whole runs of lines are hashed at once; damaged hunks (lines without
    their prefix, counts that lie, NULs) must still give git's answer."""
    CASES[case](repo.root)
    _blank_lines_in_context(repo.root)
    repo.commit(f"damaged: {case}")
    for damage, patch in _damaged(repo.format_patch("-U5")).items():
        assert patch_id(patch) == repo.git_patch_id(patch), damage


def _blank_lines_in_context(root: Path) -> None:
    """Blank lines around a change, so the hunks have empty context lines to damage."""
    path = root / "kernel/sched/core.c"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    lines[5:5] = ["\n", "\n"]
    lines[8] = "changed between blank lines\n"
    path.write_text("".join(lines), "utf-8")


# Shapes the fast path (whole hunks counted in C) hands to the line loop: binary files, and
# a last file with no hunks (a rename or mode change: where its header ends is the loop's call).
_IRREGULAR_CASES = {"binary", "diff_lookalikes", "mode_change", "pure_rename"}


def _both_paths(patch: bytes) -> tuple[str | None, str | None]:
    """(the fast path's answer or None when it declined, the line loop's answer)."""
    first = 0 if patch.startswith(b"diff ") else patch.index(b"\ndiff ") + 1
    return _well_formed_patch_id(patch, first), _line_by_line(patch)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_path_answers_git_or_declines(repo: Repo, name: str) -> None:
    """Both paths give git's id; the fast one declines only the shapes it must leave alone."""
    CASES[name](repo.root)
    repo.commit(f"fast path: {name}")
    patch = repo.format_patch("-U2")
    expected = repo.git_patch_id(patch)
    fast, slow = _both_paths(patch)
    assert slow == expected
    assert fast == expected or (fast is None and name in _IRREGULAR_CASES), fast


@pytest.mark.parametrize(
    "ending",
    [
        b"",
        b"-- \n2.40.0\n",  # the signature: a `-` line right after the last hunk
        b"\n-- \n2.40.0\n",
        b"\n+ not a diff line any more\n",
        b" trailing context beyond the counts\n-and more\n",
        b"\\ No newline at end of file\n-- \n",
        b"From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\n",
    ],
)
def test_fast_path_where_the_patch_ends(repo: Repo, ending: bytes) -> None:
    """Whatever follows the last hunk (a signature, prose, lines that look like more hunk
    lines, a second patch), both paths end the patch where git does."""
    _two_hunks_two_files(repo.root)
    repo.commit("ending")
    patch = repo.format_patch("--no-signature")
    patch = patch + ending
    fast, slow = _both_paths(patch)
    assert slow == repo.git_patch_id(patch)
    assert fast in (None, slow)
    assert fast is not None or ending.startswith(b" "), "a plain ending should stay fast"


@pytest.mark.parametrize("case", ["two_hunks_two_files", "no_newline_at_end", "whitespace_only"])
def test_fast_path_on_damaged_diffs(repo: Repo, case: str) -> None:
    """A damaged hunk never gets a wrong fast answer: git's id, or the line loop decides."""
    CASES[case](repo.root)
    _blank_lines_in_context(repo.root)
    repo.commit(f"damaged fast: {case}")
    for damage, patch in _damaged(repo.format_patch("-U5")).items():
        fast, slow = _both_paths(patch)
        assert slow == repo.git_patch_id(patch), damage
        assert fast in (None, slow), damage
