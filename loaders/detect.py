"""Guess what kind of source a path is, in one place (like sqlite-utils' `Format`).

Only the start of a file is read, so detection stays cheap on a 500 MB mbox. The order of
checks matters: structure (directories, gzip magic, file names) before content sniffing, and
the specific digest and MAINTAINERS shapes before the generic "looks like mail" test. A
single raw message file (`.eml`) is reported as MBOX: the mbox reader yields it as one message.
"""

from __future__ import annotations

import enum
import os
import re

from loaders.gitrepo import is_code_repository

__all__ = ["SourceFormat", "detect_format"]

_SNIFF_BYTES = 8192
_EPOCH = re.compile(r"^\d+\.git$")
_DIGEST_TITLE = re.compile(rb"mailing list update from", re.IGNORECASE)
_DIGEST_FROM = re.compile(rb"^From \S+ to \S+\s*$")
_MAINTAINERS_FIELD = re.compile(rb"^[A-Z]:\t", re.MULTILINE)
_MAINTAINERS_TITLE = re.compile(rb"^List of maintainers", re.MULTILINE)
_HEADER_LINE = re.compile(rb"[!-9;-~]+:[ \t]")
_MAIL_HEADER = re.compile(rb"^(?:from|message-id):", re.IGNORECASE | re.MULTILINE)
_MAX_PROBED_FILES = 5


class SourceFormat(enum.Enum):
    """The source kinds the loaders read."""

    DIGEST = "digest"
    MBOX = "mbox"
    MAILDIR = "maildir"
    PUBLIC_INBOX = "public-inbox"
    MAINTAINERS = "maintainers"
    MAILMAP = "mailmap"
    CODE_REPO = "git-code"  # a git repository of code (loaders.gitrepo), not an archive
    UNKNOWN = "unknown"


def detect_format(path: str | os.PathLike[str]) -> SourceFormat:
    """The format of `path`; UNKNOWN when nothing matches or the path cannot be read."""
    name = os.fspath(path)
    try:
        if os.path.isdir(name):
            return _directory_format(name)
        if os.path.isfile(name):
            return _file_format(name)
    except OSError:
        pass
    return SourceFormat.UNKNOWN


def _directory_format(path: str) -> SourceFormat:
    if is_code_repository(path):  # before the bare-repo test: a code tree can be bare too
        return SourceFormat.CODE_REPO
    if _is_bare_repo(path) or _has_epochs(path) or _has_epochs(os.path.join(path, "git")):
        return SourceFormat.PUBLIC_INBOX
    if all(os.path.isdir(os.path.join(path, sub)) for sub in ("cur", "new", "tmp")):
        return SourceFormat.MAILDIR
    if _holds_message_files(path):
        return SourceFormat.MAILDIR
    return SourceFormat.UNKNOWN


def _is_bare_repo(path: str) -> bool:
    return os.path.isdir(os.path.join(path, "objects")) and os.path.isfile(
        os.path.join(path, "HEAD")
    )


def _has_epochs(path: str) -> bool:
    if not os.path.isdir(path):
        return False
    return any(
        _EPOCH.match(entry) and _is_bare_repo(os.path.join(path, entry))
        for entry in os.listdir(path)
    )


def _holds_message_files(path: str) -> bool:
    """A plain directory whose first few files all start like mail."""
    files = sorted(
        entry.path
        for entry in os.scandir(path)
        if entry.is_file() and not entry.name.startswith(".")
    )[:_MAX_PROBED_FILES]
    return bool(files) and all(_looks_like_message(_head(file)) for file in files)


def _file_format(path: str) -> SourceFormat:
    base = os.path.basename(path)
    if base.upper().startswith("MAINTAINERS"):
        return SourceFormat.MAINTAINERS
    if base == ".mailmap" or base.endswith(".mailmap"):
        return SourceFormat.MAILMAP
    head = _head(path)
    lines = head.splitlines()[:5]
    if _is_digest_head(lines):  # before mbox: a digest starts "From A to B" too
        return SourceFormat.DIGEST
    if head.startswith(b"\x1f\x8b") or head.startswith(b"From "):
        return SourceFormat.MBOX
    if _MAINTAINERS_TITLE.search(head) or len(_MAINTAINERS_FIELD.findall(head)) >= 3:
        return SourceFormat.MAINTAINERS
    if _HEADER_LINE.match(head) and _MAIL_HEADER.search(head.split(b"\n\n", 1)[0]):
        return SourceFormat.MBOX  # one raw message (`.eml`): an mbox without a separator
    return SourceFormat.UNKNOWN


def _is_digest_head(lines: list[bytes]) -> bool:
    """A digest's title line near the top, and no mbox separator (`From addr date`) first:
    an mbox holding a reply that quotes a digest title is still an mbox."""
    if not any(_DIGEST_TITLE.search(line) for line in lines):
        return False
    return not lines or not lines[0].startswith(b"From ") or bool(_DIGEST_FROM.match(lines[0]))


def _looks_like_message(head: bytes) -> bool:
    return head.startswith(b"From ") or _HEADER_LINE.match(head) is not None


def _head(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(_SNIFF_BYTES)
