"""Guess what kind of source a path is, in one place (like sqlite-utils' `Format`).

Only the start of a file is read, so detection stays cheap on a 500 MB mbox. The order of
checks matters: structure (directories, gzip magic, file names) before content sniffing, and
the specific digest and MAINTAINERS shapes before the generic "looks like mail" test. A
single raw message file (`.eml`) is reported as MBOX: the mbox reader yields it as one message.

`check_source` is what a load calls: the format, or a `SourceError` whose one line says why
the path cannot be loaded (missing, a symlink loop, unreadable, a FIFO or device, empty,
binary, a gzip of something else, a git repository that is not a public-inbox archive). It
never opens anything but regular files and directories, so a FIFO cannot block it. A new
source kind (a git code repository, say) is one more check in `_directory_format` or
`_file_format`; whatever no check claims is rejected by `_not_mail` with its reason.
"""

from __future__ import annotations

import enum
import errno
import gzip
import os
import re
import stat
import subprocess
import zlib

from loaders.errors import SourceError
from loaders.sources.gitrepo import is_code_repository

__all__ = ["NotMailArchive", "SourceFormat", "check_source", "detect_format"]

_SNIFF_BYTES = 8192
_EPOCH = re.compile(r"^\d+\.git$")
_DIGEST_TITLE = re.compile(rb"mailing list update from", re.IGNORECASE)
_DIGEST_FROM = re.compile(rb"^From \S+ to \S+\s*$")
_MAINTAINERS_FIELD = re.compile(rb"^[A-Z]:\t", re.MULTILINE)
_MAINTAINERS_TITLE = re.compile(rb"^List of maintainers", re.MULTILINE)
_HEADER_LINE = re.compile(rb"[!-9;-~]+:[ \t]")
_MAIL_HEADER = re.compile(rb"^(?:from|message-id):", re.IGNORECASE | re.MULTILINE)
_MAX_PROBED_FILES = 5
_GZIP_MAGIC = b"\x1f\x8b"
_INBOX_BLOBS = (["m"], ["d"])  # a public-inbox v2 commit's whole tree: the message, or a deletion
_GIT_TIMEOUT = 60


class SourceFormat(enum.Enum):
    """The source kinds the loaders read."""

    DIGEST = "digest"
    MBOX = "mbox"
    MAILDIR = "maildir"
    PUBLIC_INBOX = "public-inbox"
    MAINTAINERS = "maintainers"
    MAILMAP = "mailmap"
    CODE_REPO = "git-code"  # a git repository of code (loaders.sources.gitrepo), not an archive
    UNKNOWN = "unknown"


class NotMailArchive(SourceError):
    """A readable file or directory that is no source kind a load knows."""


def detect_format(path: str | os.PathLike[str]) -> SourceFormat:
    """The format of `path`; UNKNOWN when nothing matches or the path cannot be read."""
    try:
        return check_source(path)
    except SourceError:
        return SourceFormat.UNKNOWN


def check_source(path: str | os.PathLike[str], forced: SourceFormat | None = None) -> SourceFormat:
    """The format to load `path` as: detected, or `forced` (`load --format`) once the path
    is of the right kind (a directory for Maildir and public-inbox, a file otherwise).

    Raises SourceError with a one-line reason when the path cannot be loaded as that.
    """
    name = os.fspath(path)
    mode = _mode(name)
    if stat.S_ISDIR(mode):
        _check_listable(name)
        if forced is None:
            return _directory_format(name)
        return _forced_directory(name, forced)
    if not stat.S_ISREG(mode):
        raise SourceError(f"{name}: {_kind(mode)}, not a file or directory: nothing to load")
    head = _head(name)
    if forced is None:
        return _file_format(name, head)
    if forced in (SourceFormat.MAILDIR, SourceFormat.PUBLIC_INBOX):
        raise SourceError(f"{name}: a file, but --format {forced.value} needs a directory")
    if head.startswith(_GZIP_MAGIC):
        _gunzip_head(name)  # a corrupt gzip is refused even when the format is forced
    return forced


def _mode(name: str) -> int:
    """`st_mode` of the path (symlinks followed), or a SourceError saying why there is none."""
    try:
        return os.stat(name).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SourceError(f"{name}: a symbolic link loop (it never reaches a file)") from exc
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise SourceError(f"{name}: no such file or directory") from exc
        raise SourceError(f"{name}: cannot read: {exc.strerror}") from exc


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _check_listable(name: str) -> None:
    try:
        with os.scandir(name):
            pass
    except OSError as exc:
        raise SourceError(f"{name}: cannot read directory: {exc.strerror}") from exc


def _forced_directory(name: str, forced: SourceFormat) -> SourceFormat:
    if forced is SourceFormat.PUBLIC_INBOX:
        if _directory_format(name) is not SourceFormat.PUBLIC_INBOX:  # raises for a git repo
            raise NotMailArchive(f"{name}: not a public-inbox archive (no git epochs found)")
        return forced
    if forced is SourceFormat.MAILDIR:
        return forced
    raise SourceError(f"{name}: a directory, but --format {forced.value} needs a file")


def _directory_format(path: str) -> SourceFormat:
    if is_code_repository(path):  # before the archive tests: a code tree can be bare too
        return SourceFormat.CODE_REPO
    epochs = _epoch_dirs(path)
    if epochs:
        _check_inbox(path, epochs)
        return SourceFormat.PUBLIC_INBOX
    if all(os.path.isdir(os.path.join(path, sub)) for sub in ("cur", "new", "tmp")):
        return SourceFormat.MAILDIR
    if _holds_message_files(path):
        return SourceFormat.MAILDIR
    if os.path.exists(os.path.join(path, ".git")):
        raise _not_mail(path, "a git working tree, not a public-inbox archive")
    raise _not_mail(path, "a directory that is not a known archive (Maildir, public-inbox git)")


def _epoch_dirs(path: str) -> list[str]:
    """The git directories making up `path` if it is laid out as a public-inbox archive."""
    if _is_bare_repo(path):
        return [path]
    for base in (path, os.path.join(path, "git")):
        if os.path.isdir(base):
            found = [
                os.path.join(base, entry)
                for entry in sorted(os.listdir(base))
                if _EPOCH.match(entry) and _is_bare_repo(os.path.join(base, entry))
            ]
            if found:
                return found
    return []


def _check_inbox(path: str, git_dirs: list[str]) -> None:
    """Refuse a git repository whose newest commit is not one message (`m`) or deletion (`d`).

    Only the first epoch holding commits is looked at (one `git ls-tree`): a code
    repository's tree holds its files, and would otherwise "load" as zero messages. An
    archive with no commits at all is a new, empty inbox.
    """
    for git_dir in git_dirs:
        names = _head_tree(git_dir)
        if names is None:
            continue
        if names not in _INBOX_BLOBS:
            shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
            raise _not_mail(
                path,
                f"a git repository, not a public-inbox archive (its newest commit holds "
                f"{shown or 'nothing'}, not one message 'm')",
            )
        return


def _head_tree(git_dir: str) -> list[str] | None:
    """Names at the top of HEAD's tree, or None when the repository has no commit yet."""
    command = ["git", f"--git-dir={git_dir}", "ls-tree", "--name-only", "HEAD"]
    try:
        result = subprocess.run(command, capture_output=True, check=False, timeout=_GIT_TIMEOUT)
    except FileNotFoundError as exc:
        raise SourceError("git is not installed (needed to read public-inbox archives)") from exc
    except subprocess.TimeoutExpired as exc:
        raise SourceError(f"{git_dir}: git ls-tree took over {_GIT_TIMEOUT} s") from exc
    if result.returncode != 0:
        return None  # no HEAD commit (an empty epoch)
    return result.stdout.decode("utf-8", "replace").splitlines()


def _not_mail(path: str, what: str) -> NotMailArchive:
    return NotMailArchive(f"{path}: {what}")


def _is_bare_repo(path: str) -> bool:
    return os.path.isdir(os.path.join(path, "objects")) and os.path.isfile(
        os.path.join(path, "HEAD")
    )


def _holds_message_files(path: str) -> bool:
    """A plain directory whose first few files all start like mail."""
    files = sorted(
        entry.path
        for entry in os.scandir(path)
        if entry.is_file() and not entry.name.startswith(".")
    )[:_MAX_PROBED_FILES]
    return bool(files) and all(_looks_like_message(_head(file)) for file in files)


def _file_format(path: str, head: bytes) -> SourceFormat:
    base = os.path.basename(path)
    if base.upper().startswith("MAINTAINERS"):
        return SourceFormat.MAINTAINERS
    if base == ".mailmap" or base.endswith(".mailmap"):
        return SourceFormat.MAILMAP
    if head.startswith(_GZIP_MAGIC):
        inner = _gunzip_head(path)
        if inner.startswith(b"From ") or _is_message_head(inner):
            return SourceFormat.MBOX
        raise _not_mail(path, f"a gzip file, but not of mail: it holds {_describe(inner)}")
    lines = head.splitlines()[:5]
    if _is_digest_head(lines):  # before mbox: a digest starts "From A to B" too
        return SourceFormat.DIGEST
    if head.startswith(b"From "):
        return SourceFormat.MBOX
    if _MAINTAINERS_TITLE.search(head) or len(_MAINTAINERS_FIELD.findall(head)) >= 3:
        return SourceFormat.MAINTAINERS
    if _is_message_head(head):
        return SourceFormat.MBOX  # one raw message (`.eml`): an mbox without a separator
    raise _not_mail(path, _describe_unknown(head))


def _is_message_head(head: bytes) -> bool:
    """Starts with a header line, and its header block has a From or Message-ID."""
    return bool(_HEADER_LINE.match(head) and _MAIL_HEADER.search(head.split(b"\n\n", 1)[0]))


def _describe(inner: bytes) -> str:
    if not inner.strip():
        return "nothing (empty)"
    if b"\x00" in inner:
        return "binary data"
    return "text that is not mail (no 'From ' line or mail headers)"


def _describe_unknown(head: bytes) -> str:
    if not head.strip():
        return "empty file"
    if head.startswith((b"# v2 git bundle", b"# v3 git bundle")):
        return "a git bundle, not an archive itself: 'git clone --mirror' it, then load the clone"
    if b"\x00" in head:
        return "binary file, not a mail archive or digest"
    return "unknown format (expected a digest, mbox, Maildir or public-inbox git)"


def _gunzip_head(path: str) -> bytes:
    """The first bytes of a gzip file's content; a SourceError if it is corrupt or cut short."""
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except EOFError as exc:
        raise SourceError(f"{path}: truncated gzip file (it ends before its data does)") from exc
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise SourceError(f"{path}: corrupt gzip file ({exc})") from exc
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from exc


def _is_digest_head(lines: list[bytes]) -> bool:
    """A digest's title line near the top, and no mbox separator (`From addr date`) first:
    an mbox holding a reply that quotes a digest title is still an mbox."""
    if not any(_DIGEST_TITLE.search(line) for line in lines):
        return False
    return not lines or not lines[0].startswith(b"From ") or bool(_DIGEST_FROM.match(lines[0]))


def _looks_like_message(head: bytes) -> bool:
    return head.startswith(b"From ") or _HEADER_LINE.match(head) is not None


def _head(path: str) -> bytes:
    """The first bytes of a regular file (the caller checked it is one: no FIFO blocks here)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from exc
