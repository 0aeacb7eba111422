"""Files touched by a patch: from the diff itself, or from the diffstat when there is no diff.

The diff is exact (renames, new, deleted and binary files, real line counts); the diffstat
is all a digest carries, with long paths shortened to `.../` and a graph that git scales
down for big changes. Both parsers read line by line with plain string operations, so a
50 MB diff costs one pass and no regular expression can backtrack across it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.mail.text import TextLines, bounded_int, split_lines
from loaders.records import Diffstat, FileChange

__all__ = ["parse_diff_files", "parse_diff_lines", "parse_diffstat", "parse_diffstat_in"]

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
    return parse_diffstat_in(TextLines(text))


def parse_diffstat_in(text: TextLines, first: int = 0) -> Diffstat | None:
    """`parse_diffstat` on already split text, reading from line `first` on.

    Only lines holding a `|` (file lines) or `changed` (the summary) are looked at; a gap
    between two of them is a line that is neither, which ends a run of file lines.
    """
    lines = text.lines
    diffs = text.line_indexes("diff --git ")
    stop = next((i for i in diffs if i >= first and lines[i].startswith("diff --git ")), None)
    run: list[FileChange] = []
    first_run: list[FileChange] = []
    previous = first - 1  # the line before the next one read
    for index in text.line_indexes("|", "changed"):
        if index < first:
            continue
        if stop is not None and index >= stop:
            break
        line = lines[index]
        change = None
        if line.startswith(" "):
            summary = _SUMMARY_RE.fullmatch(line) if "changed" in line else None
            if summary:
                return _with_summary(run if previous == index - 1 else [], summary)
            change = _diffstat_line(line) if "|" in line else None
        if previous != index - 1 or change is None:  # a line in between ended the run
            if run and not first_run:
                first_run = run
            run = []
        if change is not None:
            run.append(change)
        previous = index
    first_run = first_run or run
    return Diffstat(files=tuple(first_run)) if first_run else None


def _with_summary(files: list[FileChange], summary: re.Match[str]) -> Diffstat:
    """Attach the `N files changed, X insertions(+), Y deletions(-)` numbers."""
    changed, added, removed = summary.groups()
    insertions = bounded_int(added) or 0
    deletions = bounded_int(removed) or 0
    return Diffstat(
        files=_fill_unknown(files, insertions, deletions),
        files_changed=bounded_int(changed),
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
    changes, graph = bounded_int(count.group(1)) or 0, count.group(2) or ""
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
    """The files read from the diff so far."""

    files: list[_File]

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
    return parse_diff_lines(split_lines(text))


def parse_diff_lines(lines: list[str]) -> tuple[FileChange, ...]:
    """`parse_diff_files` on already split lines.

    The hunk lines (nearly all of a diff) are counted in this loop itself, with the counts
    kept in locals: a call per line would cost more than the counting.
    """
    reader = _Reader(files=[])
    old_left = new_left = 0  # what is left of the current hunk
    item = _File()  # the file the current hunk belongs to
    for line in lines:
        if old_left > 0 or new_left > 0:
            marker = line[:1]
            if marker == "+":
                new_left -= 1
                item.insertions += 1
                continue
            if marker == "-":
                old_left -= 1
                item.deletions += 1
                continue
            if marker == " " or not marker:
                old_left -= 1
                new_left -= 1
                continue
            if marker == "\\":
                continue
            old_left = new_left = 0  # a line that cannot belong to the hunk (mangled diff)
        if line.startswith("@@ "):
            old_left, new_left = _start_hunk(reader, line)
            if reader.files:
                item = reader.files[-1]
        else:
            _header_line(reader, line)
    return tuple(item.record() for item in reader.files if item.new or item.old)


def _header_line(reader: _Reader, line: str) -> None:
    """Read a line between hunks (not a hunk header): file headers, renames, binary markers."""
    if line.startswith("diff --git "):
        old, new = _git_paths(line[len("diff --git ") :])
        reader.files.append(_File(old=old, new=new))
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


def _start_hunk(reader: _Reader, line: str) -> tuple[int, int]:
    """`@@ -a,b +c,d @@`: how many old and new lines the hunk holds (0, 0 when none)."""
    match = _HUNK_RE.match(line)
    if match is None or not reader.files:
        return 0, 0
    old_count, new_count = match.groups()
    reader.current.hunks += 1
    return (
        bounded_int(old_count) or 0 if old_count is not None else 1,
        bounded_int(new_count) or 0 if new_count is not None else 1,
    )


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
