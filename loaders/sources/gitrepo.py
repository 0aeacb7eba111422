"""Read the commits of a git code repository (a tree patches land in), streamed from git.

Why git itself and two streams: one `git log` gives each non-merge commit's metadata and
message, another `git log -p | git patch-id --stable` gives each commit's patch-id (the same
value `loaders.mail.patchid` computes for a mailed diff, so a posted patch and the commit it
became can be paired by content). Both are read line by line, so memory stays flat whatever
the size of the history, and a ~3.6k-commit tree loads in seconds.

A repository is a code repository when it is a git repository (bare or with a work tree)
whose HEAD tree is not a public-inbox message (`m` / `d` blob alone).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import IO
from urllib.parse import unquote

from loaders.errors import SourceError
from loaders.records import Address

__all__ = [
    "CodeCommit",
    "git_dir_of",
    "head_of",
    "is_ancestor",
    "is_code_repository",
    "iter_commits",
    "link_message_ids",
    "repository_name",
]

_RECORD = "\x1e"
_FIELD = "\x1f"
_FORMAT = _RECORD + _FIELD.join(["%H", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%s", "%B"])
_LINK = re.compile(r"^\s*Link:\s*<?(\S+?)>?\s*$", re.IGNORECASE | re.MULTILINE)
_MESSAGE_ID = re.compile(r"^\s*Message-Id:\s*<([^<>\s]+)>", re.IGNORECASE | re.MULTILINE)
# a lore-style archive URL: host/list/<message-id>[/...]; patch.msgid.link/<message-id>
_MSGID_URL = re.compile(
    r"https?://(?:patch\.msgid\.link|lore\.kernel\.org/[^/\s]+|lkml\.kernel\.org/r|"
    r"[a-z0-9.-]*kernel\.org/(?:r|[^/\s]+))/([^/\s#?]+@[^/\s#?]+)(?:[/#?]\S*)?$",
    re.IGNORECASE,
)
_INBOX_BLOBS = frozenset({"m", "d"})


@dataclass(frozen=True, slots=True)
class CodeCommit:
    """One non-merge commit: who, when, what it says, its patch-id and the mail it names.

    `links` are the Message-IDs its `Link:` and `Message-Id:` trailers name (lore URLs
    decoded), oldest trailer first; `patch_id` is None for a commit without a diff.
    """

    sha: str
    title: str
    author: Address
    committer: Address
    authored_at: datetime
    committed_at: datetime
    repository: str
    patch_id: str | None = None
    links: tuple[str, ...] = ()


def git_dir_of(path: str | os.PathLike[str]) -> str | None:
    """The git directory of a repository path (bare, or holding `.git`), else None."""
    root = os.fspath(path)
    for candidate in (root, os.path.join(root, ".git")):
        if os.path.isdir(os.path.join(candidate, "objects")) and os.path.exists(
            os.path.join(candidate, "HEAD")
        ):
            return candidate
    return None


def is_code_repository(path: str | os.PathLike[str]) -> bool:
    """A git repository whose HEAD tree is not a public-inbox message (files other than m/d)."""
    git_dir = git_dir_of(path)
    if git_dir is None:
        return False
    result = _git(git_dir, ["ls-tree", "--name-only", "HEAD"], check=False)
    names = set(result.split())
    return bool(names) and not names <= _INBOX_BLOBS


def repository_name(path: str | os.PathLike[str]) -> str:
    """The tree's name: its origin URL's last part (`kvm-unit-tests` from `...tests.bundle`),
    else its directory's, without `.git` / `.bundle`."""
    git_dir = git_dir_of(path) or os.fspath(path)
    url = _git(git_dir, ["config", "--get", "remote.origin.url"], check=False).strip()
    base = url.rstrip("/") if url else os.path.realpath(os.fspath(path)).rstrip("/")
    name = os.path.basename(base)
    for suffix in (".git", ".bundle"):
        name = name.removesuffix(suffix)
    return name or "repository"


def head_of(path: str | os.PathLike[str]) -> str | None:
    """The commit HEAD points at (None in an empty repository)."""
    git_dir = git_dir_of(path)
    if git_dir is None:
        return None
    sha = _git(git_dir, ["rev-parse", "--verify", "-q", "HEAD"], check=False).strip()
    return sha or None


def is_ancestor(path: str | os.PathLike[str], older: str, newer: str) -> bool:
    """True when commit `older` is in the history of `newer` (a cursor still valid)."""
    git_dir = git_dir_of(path)
    if git_dir is None:
        return False
    result = subprocess.run(
        ["git", "--git-dir", git_dir, "merge-base", "--is-ancestor", older, newer],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def iter_commits(
    path: str | os.PathLike[str], range_spec: str | None = None
) -> Iterator[CodeCommit]:
    """The non-merge commits of `range_spec` (`A..B`, `A..`; default HEAD), oldest first."""
    git_dir = git_dir_of(path)
    if git_dir is None:
        raise SourceError(f"{os.fspath(path)}: not a git repository")
    revs = _revisions(range_spec)
    name = repository_name(path)
    with ThreadPoolExecutor(max_workers=1) as pool:  # diffs hashed while messages stream
        pending = pool.submit(_patch_ids, git_dir, revs)
        records = list(_log_records(git_dir, revs))
        patch_ids = pending.result()
    for fields in records:
        yield _commit(fields, name, patch_ids.get(fields[0]))


def link_message_ids(message: str) -> tuple[str, ...]:
    """The Message-IDs a commit message's `Link:` and `Message-Id:` trailers name."""
    found: list[str] = []
    for match in _MESSAGE_ID.finditer(message):
        found.append(match.group(1))
    for match in _LINK.finditer(message):
        url = _MSGID_URL.match(match.group(1))
        if url:
            found.append(unquote(url.group(1)))
    return tuple(dict.fromkeys(found))


def _revisions(range_spec: str | None) -> list[str]:
    """`git log` revision arguments; `A..` means `A..HEAD`."""
    if not range_spec:
        return ["HEAD"]
    if range_spec.startswith("-"):
        raise SourceError(f"range {range_spec!r}: not a revision range")
    if range_spec.endswith(".."):
        return [range_spec + "HEAD"]
    return [range_spec]


def _commit(fields: list[str], repository: str, patch_id: str | None) -> CodeCommit:
    sha, author_name, author_email, authored, committer_name, committer_email = fields[:6]
    committed, title, message = fields[6], fields[7], fields[8]
    return CodeCommit(
        sha=sha,
        title=title,
        author=Address(author_name, author_email.lower(), f"{author_name} <{author_email}>"),
        committer=Address(
            committer_name, committer_email.lower(), f"{committer_name} <{committer_email}>"
        ),
        authored_at=datetime.fromisoformat(authored),
        committed_at=datetime.fromisoformat(committed),
        repository=repository,
        patch_id=patch_id,
        links=link_message_ids(message),
    )


def _log_records(git_dir: str, revs: list[str]) -> Iterator[list[str]]:
    """Each commit's fields, streamed from one `git log` (oldest first)."""
    args = ["log", "--no-merges", "--reverse", f"--format={_FORMAT}", *revs, "--"]
    with _popen(git_dir, args) as process:
        assert process.stdout is not None
        pending = ""
        for chunk in iter(lambda: process.stdout.read(1 << 16), ""):  # type: ignore[union-attr]
            pending += chunk
            *records, pending = pending.split(_RECORD)
            for record in records:
                if record:
                    yield record.split(_FIELD, 8)
        if pending:
            yield pending.split(_FIELD, 8)
        _check(process, args)


def _patch_ids(git_dir: str, revs: list[str]) -> dict[str, str]:
    """`{commit: patch-id}` from `git log -p | git patch-id --stable`, both streaming."""
    log_args = ["log", "--no-merges", "-p", "--no-color", "--no-ext-diff", "--format=commit %H"]
    log_args += [*revs, "--"]
    found: dict[str, str] = {}
    with (
        _popen(git_dir, log_args) as log,
        _popen(git_dir, ["patch-id", "--stable"], stdin=log.stdout) as ids,
    ):
        if log.stdout is not None:
            log.stdout.close()  # patch-id owns the pipe now
        assert ids.stdout is not None
        for line in ids.stdout:
            patch, _, commit = line.strip().partition(" ")
            found[commit] = patch
        _check(log, log_args)
    return found


def _popen(git_dir: str, args: list[str], *, stdin: IO[str] | None = None) -> subprocess.Popen[str]:
    command = ["git", "--git-dir", git_dir, "-c", "core.quotepath=off", *args]
    return subprocess.Popen(
        command,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
    )


def _check(process: subprocess.Popen[str], args: list[str]) -> None:
    """Raise SourceError naming git's complaint when the (finished) process failed."""
    process.wait()
    if process.returncode:
        error = process.stderr.read().strip() if process.stderr else ""
        raise SourceError(f"git {' '.join(args[:2])} failed: {error or process.returncode}")


def _git(git_dir: str, args: list[str], *, check: bool = True) -> str:
    result = subprocess.run(
        ["git", "--git-dir", git_dir, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        check=False,
    )
    if check and result.returncode:
        raise SourceError(f"git {args[0]} failed: {result.stderr.strip()}")
    return result.stdout
