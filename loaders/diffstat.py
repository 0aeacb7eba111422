"""Files touched by a patch: from the diff itself, or from the diffstat when there is no diff.

The diff is exact (renames, new, deleted and binary files, real line counts); the diffstat
is all a digest carries, with long paths shortened to `.../` and a graph that git scales
down for big changes. Both parsers read line by line with plain string operations, so a
50 MB diff costs one pass and no regular expression can backtrack across it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.records import Diffstat, FileChange
from loaders.text import split_lines

__all__ = ["parse_diff_files", "parse_diffstat"]

_SUMMARY_RE = re.compile(
    r"\s*(\d+) files? changed"
    r"(?:, (\d+) insertions?\(\+\))?"
    r"(?:, (\d+) deletions?\(-\))?\s*"
)
_COUNT_RE = re.compile(r"(\d+)(?: +([+-]*))?")
_BIN_RE = re.compile(r"Bin(?: +\d+ *-> *\d+ +bytes?)?")
_HUNK_RE = re.compile(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


def parse_diffstat(text: str) -> Diffstat | None:
    """The first diffstat block (file lines plus summary) before any `diff --git`, else None.

    Without a summary line, a run of well-formed file lines still counts (cut digests).
    """
    run: list[FileChange] = []
    first_run: list[FileChange] = []
    for line in split_lines(text):
        if line.startswith("diff --git "):
            break
        summary = _SUMMARY_RE.fullmatch(line)
        if summary and line.startswith(" "):
            return _with_summary(run, summary)
        change = _diffstat_line(line)
        if change is not None:
            run.append(change)
            continue
        if run and not first_run:
            first_run = run
        run = []
    first_run = first_run or run
    return Diffstat(files=tuple(first_run)) if first_run else None


def _with_summary(files: list[FileChange], summary: re.Match[str]) -> Diffstat:
    """Attach the `N files changed, X insertions(+), Y deletions(-)` numbers."""
    changed, added, removed = summary.groups()
    insertions = int(added) if added else 0
    deletions = int(removed) if removed else 0
    return Diffstat(
        files=_fill_unknown(files, insertions, deletions),
        files_changed=int(changed),
        insertions=insertions,
        deletions=deletions,
    )


def _fill_unknown(
    files: list[FileChange], insertions: int, deletions: int
) -> tuple[FileChange, ...]:
    """When one file's scaled graph hid its counts, the summary minus the others gives them."""
    unknown = [i for i, item in enumerate(files) if item.insertions is None and not item.binary]
    if len(unknown) != 1:
        return tuple(files)
    others = [item for item in files if item.insertions is not None]  # binary files count 0
    added = insertions - sum(item.insertions or 0 for item in others)
    removed = deletions - sum(item.deletions or 0 for item in others)
    target = files[unknown[0]]
    if added < 0 or removed < 0 or added + removed != target.changes:
        return tuple(files)
    filled = FileChange(
        target.path, added, removed, target.shortened, target.binary, target.changes
    )
    return tuple(filled if index == unknown[0] else item for index, item in enumerate(files))


def _diffstat_line(line: str) -> FileChange | None:
    """One ` path | N +++--` or ` path | Bin 0 -> 12 bytes` line, else None."""
    if not line.startswith(" "):
        return None
    left, bar, right = line.rpartition("|")
    path = _diffstat_path(left.strip())
    right = right.strip()
    if not bar or not path or len(right) > 512:
        return None
    shortened = path.startswith(".../")
    if _BIN_RE.fullmatch(right):
        return FileChange(path=path, shortened=shortened, binary=True)
    count = _COUNT_RE.fullmatch(right)
    if count is None:
        return None
    changes, graph = int(count.group(1)), count.group(2) or ""
    added, removed = _graph_counts(changes, graph)
    return FileChange(path, added, removed, shortened=shortened, changes=changes)


def _graph_counts(changes: int, graph: str) -> tuple[int | None, int | None]:
    """Exact counts when the graph is unscaled or one-sided; None when git scaled a mix."""
    plus, minus = graph.count("+"), graph.count("-")
    if plus + minus == changes:
        return plus, minus
    if minus == 0:
        return changes, 0
    if plus == 0:
        return 0, changes
    return None, None


def _diffstat_path(path: str) -> str:
    """Resolve diffstat rename forms `old => new` and `dir/{old => new}/file` to the new path."""
    if " => " not in path:
        return path
    if "{" in path and "}" in path:
        head, _, rest = path.partition("{")
        inner, _, tail = rest.partition("}")
        new = inner.partition(" => ")[2]
        return (head + new + tail).replace("//", "/")
    return path.partition(" => ")[2].strip()


@dataclass(slots=True)
class _File:
    """A file being read from the diff."""

    old: str = ""
    new: str = ""
    insertions: int = 0
    deletions: int = 0
    binary: bool = False
    hunks: int = 0

    def record(self) -> FileChange:
        path = self.new or self.old
        if self.binary:
            return FileChange(path=path, binary=True)
        changed = self.insertions + self.deletions
        return FileChange(path, self.insertions, self.deletions, changes=changed)


@dataclass(slots=True)
class _Reader:
    """State of the line-by-line diff reader: the current file and what is left of a hunk."""

    files: list[_File]
    old_left: int = 0
    new_left: int = 0

    @property
    def current(self) -> _File:
        if not self.files:
            self.files.append(_File())
        return self.files[-1]


def parse_diff_files(text: str) -> tuple[FileChange, ...]:
    """Each file of a unified diff with its real `+`/`-` line counts.

    Hunk headers give each hunk's length, so a removed line that reads `---` or a trailing
    `-- ` signature is never mistaken for a header or counted.
    """
    reader = _Reader(files=[])
    for line in split_lines(text):
        if reader.old_left > 0 or reader.new_left > 0:
            if _hunk_line(reader, line):
                continue
            reader.old_left = reader.new_left = 0
        _header_line(reader, line)
    return tuple(item.record() for item in reader.files if item.new or item.old)


def _hunk_line(reader: _Reader, line: str) -> bool:
    """Count one line inside a hunk; False when the line cannot belong to it (mangled diff)."""
    marker = line[:1]
    item = reader.current
    if marker == "+":
        item.insertions += 1
        reader.new_left -= 1
    elif marker == "-":
        item.deletions += 1
        reader.old_left -= 1
    elif marker in (" ", ""):
        reader.old_left -= 1
        reader.new_left -= 1
    elif marker != "\\":
        return False
    return True


def _header_line(reader: _Reader, line: str) -> None:
    """Read a line between hunks: file headers, renames, binary markers, hunk headers."""
    if line.startswith("diff --git "):
        old, new = _git_paths(line[len("diff --git ") :])
        reader.files.append(_File(old=old, new=new))
    elif line.startswith("@@ "):
        _start_hunk(reader, line)
    elif line.startswith("--- "):
        _old_path_line(reader, line[4:])
    elif line.startswith("+++ "):
        _new_path_line(reader, line[4:])
    elif line.startswith("rename to ") or line.startswith("copy to "):
        reader.current.new = line.partition(" to ")[2].strip()
    elif line.startswith("rename from "):
        reader.current.old = line[len("rename from ") :].strip()
    elif reader.files and (line.startswith("Binary files ") or line == "GIT binary patch"):
        reader.current.binary = True


def _old_path_line(reader: _Reader, path: str) -> None:
    """`--- a/path` names the old file; after a finished file it starts a plain (non-git) diff."""
    if not reader.files or reader.current.hunks:
        reader.files.append(_File())
    if not path.startswith("/dev/null"):
        reader.current.old = _strip_prefix(path, "a/")


def _new_path_line(reader: _Reader, path: str) -> None:
    """`+++ b/path` names the new file; `+++ /dev/null` is a deletion (keep the old path)."""
    if not reader.files:
        reader.files.append(_File())
    if path.startswith("/dev/null"):
        reader.current.new = ""
    else:
        reader.current.new = _strip_prefix(path, "b/")


def _start_hunk(reader: _Reader, line: str) -> None:
    """`@@ -a,b +c,d @@`: remember how many old and new lines the hunk holds."""
    match = _HUNK_RE.match(line)
    if match is None or not reader.files:
        return
    old_count, new_count = match.groups()
    reader.old_left = int(old_count) if old_count is not None else 1
    reader.new_left = int(new_count) if new_count is not None else 1
    reader.current.hunks += 1


def _git_paths(rest: str) -> tuple[str, str]:
    """Old and new path from `a/x b/y` (also quoted and prefix-less forms)."""
    rest = rest.strip()
    if rest.startswith('"'):
        end = rest.find('"', 1)
        old = rest[1:end] if end != -1 else rest[1:]
        new = rest[end + 1 :].strip().strip('"') if end != -1 else old
        return _strip_prefix(old, "a/"), _strip_prefix(new, "b/")
    half = (len(rest) - 1) // 2
    if len(rest) % 2 == 1 and rest[half] == " " and rest[:half][2:] == rest[half + 1 :][2:]:
        old, new = rest[:half], rest[half + 1 :]
    else:
        old, _, new = rest.partition(" b/")
        new = "b/" + new if new else old
    if old.startswith("a/") and new.startswith("b/"):
        return old[2:], new[2:]
    return old, new


def _strip_prefix(path: str, prefix: str) -> str:
    """Drop `a/`/`b/` and a trailing tab-separated timestamp (non-git diffs)."""
    path = path.partition("\t")[0].strip().strip('"')
    return path[len(prefix) :] if path.startswith(prefix) else path
