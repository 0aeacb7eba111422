"""How far each source was read, so that a load reads and parses only what is new.

A cursor is kept per source in the database (`cursors` table, JSON text keyed by
`kind:realpath`):

- a public-inbox epoch: the last commit read (`git log` continues after it);
- an mbox or digest file: its size, modification time, a hash of its first 64 KiB, and how
  many entries (and messages among them) were read. Unchanged, the file is not opened at all:
  its messages count as duplicates, as a re-read would find them. Grown with the same start (a
  plain mbox appended to, as `lei q -o mboxrd:` and mail clients do), only the entries past
  those already read are parsed. Anything else (rewritten, gzipped anew) is read whole, and
  what was loaded before counts as duplicates;
- a Maildir: the names of the files read (Maildir files are never rewritten in place).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["CODE_TREE", "FileCursor", "MaildirCursor", "cursor_key", "file_fingerprint"]

#: Cursor keys of code trees (`loaders.sources.gitrepo`): `code-tree:<name>` -> the last HEAD read.
CODE_TREE = "code-tree:"

_HEAD_BYTES = 64 * 1024


def cursor_key(kind: str, path: Path) -> str:
    """The cursors-table key of a source: its kind and real path."""
    return f"{kind}:{os.path.realpath(path)}"


def file_fingerprint(path: Path) -> tuple[int, int, str]:
    """(size, mtime_ns, sha1 of the first 64 KiB): what tells a file changed."""
    info = path.stat()
    with path.open("rb") as handle:
        head = hashlib.sha1(handle.read(_HEAD_BYTES), usedforsecurity=False).hexdigest()
    return info.st_size, info.st_mtime_ns, head


@dataclass(slots=True)
class FileCursor:
    """A file source as it was when last read."""

    size: int
    mtime_ns: int
    head: str
    entries: int = 0  # raw entries read, blank ones included
    messages: int = 0  # entries that were messages (parsed)
    skipped: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def parse(text: str | None) -> FileCursor | None:
        if not text:
            return None
        try:
            return FileCursor(**json.loads(text))
        except (ValueError, TypeError):
            return None  # an unreadable cursor only costs a full read

    def dump(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def unchanged(self, now: tuple[int, int, str]) -> bool:
        return (self.size, self.mtime_ns, self.head) == now

    def appended_to(self, now: tuple[int, int, str], plain: bool) -> bool:
        """The same file with more at its end (only a plain, uncompressed file grows so)."""
        size, _, head = now
        return plain and size > self.size and head == self.head and self.size >= _HEAD_BYTES


@dataclass(slots=True)
class MaildirCursor:
    """The message files of a Maildir already read."""

    names: list[str] = field(default_factory=list)

    @staticmethod
    def parse(text: str | None) -> MaildirCursor:
        if not text:
            return MaildirCursor()
        try:
            return MaildirCursor(list(json.loads(text)["names"]))
        except (ValueError, TypeError, KeyError):
            return MaildirCursor()

    def dump(self) -> str:
        return json.dumps({"names": sorted(self.names)})
