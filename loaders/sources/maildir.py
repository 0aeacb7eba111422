"""Read a Maildir (`cur/` and `new/`) or a plain directory of message files.

`tmp/` is skipped: files there are still being delivered. Dot files are skipped too (Maildir++
sub-folders, editor and OS litter). Files are read in filename order so that two loads of the
same directory see the same sequence; Maildir names start with the delivery time, so this is
also roughly arrival order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

__all__ = ["iter_messages", "message_files"]

_SUBDIRS = ("cur", "new")


def iter_messages(path: str | os.PathLike[str]) -> Iterator[tuple[str, bytes]]:
    """Yield `(file path, raw bytes)` for every message file, one file read at a time."""
    for file_path in message_files(path):
        with open(file_path, "rb") as handle:
            yield file_path, handle.read()


def message_files(path: str | os.PathLike[str]) -> list[str]:
    """Message file paths, sorted by filename (then folder) for a deterministic order."""
    root = os.fspath(path)
    folders = [os.path.join(root, sub) for sub in _SUBDIRS]
    folders = [folder for folder in folders if os.path.isdir(folder)] or [root]
    found = [(entry.name, folder, entry.path) for folder in folders for entry in _files(folder)]
    return [file_path for _name, _folder, file_path in sorted(found)]


def _files(folder: str) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as entries:
        return [e for e in entries if not e.name.startswith(".") and e.is_file()]
