"""Read public-inbox v2 archives: git epochs with one commit per message.

Each commit's tree holds the raw message in blob `m`; a commit holding `d` instead records a
deletion (the `d` blob is the deleted message, so the caller can drop it by Message-ID).
An archive is `0.git`, `1.git`, ... (directly, or under `git/` as public-inbox lays it out),
read in numeric order; a single bare repository is one epoch.

Why one `git cat-file --batch` per epoch fed by a thread: starting git per message costs
milliseconds, and a strict request/response loop waits on a pipe round trip per blob. The
thread streams `<commit>:m` and `<commit>:d` requests (from `git rev-list`) while the caller
reads answers, so the pipe never runs dry. Every commit gets both requests; one answers
`missing`, which is cheap and keeps answers in commit order without a second process.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from loaders.errors import SourceError

__all__ = ["InboxEntry", "count_entries", "epochs", "head_commit", "iter_entries", "iter_messages"]

#: git's delta base cache for cat-file (96 MiB by default, which made it as big as the load).
_DELTA_CACHE = "core.deltaBaseCacheLimit=16m"

_EPOCH = re.compile(r"^(\d+)\.git$")


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """One commit: a message (`deleted=False`, raw from `m`) or a deletion (raw from `d`)."""

    origin: str
    commit: str
    raw: bytes
    deleted: bool


def iter_messages(
    path: str | os.PathLike[str], range_spec: str | None = None
) -> Iterator[tuple[str, bytes]]:
    """Yield `(f"{epoch}@{commit}", raw)` for every message, oldest first; deletions skipped."""
    for entry in iter_entries(path, range_spec):
        if not entry.deleted:
            yield entry.origin, entry.raw


def iter_entries(
    path: str | os.PathLike[str], range_spec: str | None = None
) -> Iterator[InboxEntry]:
    """Every commit's message or deletion, epochs in order, commits oldest first.

    `range_spec` is `A..B`, `A..` or `..B` (git commits). Across epochs it is read as a
    position in the whole archive: epochs before the one holding `A` are skipped, and epochs
    after the one holding `B` too; so `head_commit(...)[newest epoch] + ".."` resumes a load.
    """
    for name, git_dir, rev in _plan(epochs(path), range_spec):
        yield from _epoch_entries(name, git_dir, rev)


def head_commit(path: str | os.PathLike[str]) -> dict[str, str]:
    """The newest commit of each epoch (`{"0": sha, ...}`); empty epochs are left out."""
    heads: dict[str, str] = {}
    for name, git_dir in epochs(path):
        sha = _resolve(git_dir, "HEAD")
        if sha is not None:
            heads[name] = sha
    return heads


def epochs(path: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """`(name, git dir)` of each epoch in numeric order; raises SourceError if there is none."""
    root = os.fspath(path)
    if _is_bare_repo(root):
        name = os.path.basename(os.path.normpath(root)).removesuffix(".git")
        return [(name, root)]
    for base in (root, os.path.join(root, "git")):
        found = _numbered_epochs(base)
        if found:
            return found
    raise SourceError(f"{root}: not a public-inbox archive (no git epochs found)")


def _is_bare_repo(path: str) -> bool:
    return os.path.isdir(os.path.join(path, "objects")) and os.path.exists(
        os.path.join(path, "HEAD")
    )


def _numbered_epochs(base: str) -> list[tuple[str, str]]:
    if not os.path.isdir(base):
        return []
    found = []
    for entry in os.listdir(base):
        match = _EPOCH.match(entry)
        full = os.path.join(base, entry)
        if match and _is_bare_repo(full):
            found.append((int(match.group(1)), match.group(1), full))
    return [(name, full) for _number, name, full in sorted(found)]


def count_entries(path: str | os.PathLike[str], range_spec: str | None = None) -> int:
    """How many commits `iter_entries` would read (for a progress total): `git rev-list
    --count` per epoch, cheap next to reading the messages."""
    total = 0
    for _name, git_dir, rev in _plan(epochs(path), range_spec):
        counted = subprocess.run(
            ["git", f"--git-dir={git_dir}", "rev-list", "--count", *rev],
            capture_output=True,
            text=True,
        )
        if counted.returncode == 0 and counted.stdout.strip().isdigit():
            total += int(counted.stdout)
    return total


# --- ranges ----------------------------------------------------------------------------


def _plan(
    all_epochs: list[tuple[str, str]], range_spec: str | None
) -> list[tuple[str, str, list[str]]]:
    """For each epoch to read, the `git rev-list` arguments selecting its commits."""
    if not range_spec:
        return [(name, git_dir, ["HEAD"]) for name, git_dir in all_epochs]
    start, end = _split_range(range_spec)
    first = _epoch_of(all_epochs, start) if start else 0
    last = _epoch_of(all_epochs, end) if end else len(all_epochs) - 1
    if last < first:
        raise SourceError(f"range {range_spec!r}: its end comes before its start")
    plan = []
    for index in range(first, last + 1):
        name, git_dir = all_epochs[index]
        tip = end if index == last and end else "HEAD"
        args = [f"^{start}", tip] if index == first and start else [tip]
        plan.append((name, git_dir, args))
    return plan


def _split_range(range_spec: str) -> tuple[str, str]:
    start, dots, end = range_spec.strip().partition("..")
    bad = end.startswith(".") or start.startswith("-") or end.startswith("-")
    if not dots or bad or not (start or end):
        raise SourceError(f"range {range_spec!r}: expected A..B, A.. or ..B")
    return start, end


def _epoch_of(all_epochs: list[tuple[str, str]], rev: str) -> int:
    for index, (_name, git_dir) in enumerate(all_epochs):
        if _resolve(git_dir, rev) is not None:
            return index
    raise SourceError(f"commit {rev!r} is in no epoch of this archive")


def _resolve(git_dir: str, rev: str) -> str | None:
    """The full sha of commit `rev` in this epoch, or None when it has no such commit."""
    command = ["git", f"--git-dir={git_dir}", "rev-parse", "--verify", "--quiet"]
    try:
        result = subprocess.run([*command, f"{rev}^{{commit}}"], capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise SourceError("git is not installed (needed to read public-inbox archives)") from exc
    sha = result.stdout.decode("ascii", "replace").strip()
    return sha if result.returncode == 0 and sha else None


# --- reading one epoch -----------------------------------------------------------------


def _epoch_entries(name: str, git_dir: str, rev_args: list[str]) -> Iterator[InboxEntry]:
    """Entries of one epoch from one rev-list and one cat-file process."""
    if not rev_args or (rev_args == ["HEAD"] and _resolve(git_dir, "HEAD") is None):
        return  # an empty epoch has no HEAD commit
    rev_list = subprocess.Popen(
        ["git", f"--git-dir={git_dir}", "rev-list", "--reverse", "--topo-order", *rev_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    cat_file = subprocess.Popen(
        # (cat-file peaked at 208 MiB on virtualization with the default, 127 with 16 MiB)
        ["git", "-c", _DELTA_CACHE, f"--git-dir={git_dir}", "cat-file", "--batch", "--buffer"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    commits: queue.SimpleQueue[str | None] = queue.SimpleQueue()
    feeder = threading.Thread(target=_feed, args=(rev_list, cat_file, commits), daemon=True)
    feeder.start()
    finished = False
    try:
        yield from _read_answers(name, cat_file, commits)
        finished = True
    finally:
        _stop(rev_list, cat_file, feeder, kill=not finished)
    _check(rev_list, git_dir)


def _feed(
    rev_list: subprocess.Popen[bytes],
    cat_file: subprocess.Popen[bytes],
    commits: queue.SimpleQueue[str | None],
) -> None:
    """Thread: pass each commit on to the reader, and ask cat-file for its `m` and `d`."""
    assert rev_list.stdout is not None and cat_file.stdin is not None
    try:
        for line in rev_list.stdout:
            commit = line.strip().decode("ascii")
            commits.put(commit)
            cat_file.stdin.write(f"{commit}:m\n{commit}:d\n".encode("ascii"))
        cat_file.stdin.close()
    except (BrokenPipeError, ValueError, OSError):
        pass  # the reader stopped early and closed the pipes
    finally:
        commits.put(None)


def _read_answers(
    name: str, cat_file: subprocess.Popen[bytes], commits: queue.SimpleQueue[str | None]
) -> Iterator[InboxEntry]:
    assert cat_file.stdout is not None
    out = cat_file.stdout
    while (commit := commits.get()) is not None:
        message = _read_blob(out)
        deletion = _read_blob(out)
        if message is not None:
            yield InboxEntry(f"{name}@{commit}", commit, message, deleted=False)
        elif deletion is not None:
            yield InboxEntry(f"{name}@{commit}", commit, deletion, deleted=True)


def _read_blob(out: IO[bytes]) -> bytes | None:
    """One `--batch` answer: `<sha> blob <size>\\n<content>\\n`, or `<name> missing\\n`."""
    header = out.readline()
    if not header:
        raise SourceError("git cat-file ended early")
    fields = header.split()
    if len(fields) != 3 or fields[1] != b"blob":
        return None  # "missing", "ambiguous", or a non-blob named m/d
    content = out.read(int(fields[2]))
    out.read(1)
    return content


def _stop(
    rev_list: subprocess.Popen[bytes],
    cat_file: subprocess.Popen[bytes],
    feeder: threading.Thread,
    *,
    kill: bool,
) -> None:
    """Wait for both processes (killing them if the caller stopped early), then the feeder."""
    for process in (cat_file, rev_list):
        if kill and process.poll() is None:
            process.kill()
    if cat_file.stdout is not None:
        cat_file.stdout.close()  # unblocks a cat-file still writing answers nobody reads
    for process in (cat_file, rev_list):
        process.wait()
    feeder.join()
    for pipe in (cat_file.stdin, rev_list.stdout):
        if pipe is not None and not pipe.closed:
            with contextlib.suppress(BrokenPipeError):
                pipe.close()


def _check(rev_list: subprocess.Popen[bytes], git_dir: str) -> None:
    errors = rev_list.stderr.read().decode("utf-8", "replace").strip() if rev_list.stderr else ""
    if rev_list.stderr is not None:
        rev_list.stderr.close()
    if rev_list.returncode != 0:
        raise SourceError(f"git rev-list failed in {git_dir}: {errors or rev_list.returncode}")
