"""Read mbox and mboxrd files, plain or gzipped, one raw message at a time.

Why chunked scanning rather than line iteration: a lore download can be hundreds of MB;
searching 1 MiB blocks for `\\nFrom ` with `bytes.find` costs a fraction of looping over
millions of lines in Python, and each message's bytes are copied once (pieces are joined only
when the message is complete), so neither a large file nor a 50 MB message is held twice.

A separator is a line starting with `From ` at the start of the file or after a blank line
(LF or CRLF). mboxrd escapes body lines matching `^>*From ` with one more `>`; one `>` is
removed again (this also undoes mboxo's `>From `).
"""

from __future__ import annotations

import gzip
import io
import os
import re
from collections.abc import Iterator

__all__ = ["iter_messages", "open_maybe_gzip"]

_CHUNK = 1 << 20
_KEEP = 8  # bytes kept between chunks so `\r\n\r\nFrom ` is found across a boundary
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)
_GZIP_MAGIC = b"\x1f\x8b"


def iter_messages(path: str | os.PathLike[str]) -> Iterator[tuple[str, bytes]]:
    """Yield `(f"{path}#{index}", raw)` for each message, index counting from 0."""
    name = os.fspath(path)
    with open_maybe_gzip(name) as stream:
        for index, raw in enumerate(split_mbox(stream)):
            yield f"{name}#{index}", raw


def open_maybe_gzip(path: str | os.PathLike[str]) -> io.BufferedIOBase:
    """Open for binary reading, transparently gunzipping when the file starts with gzip magic."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == _GZIP_MAGIC:
        return gzip.GzipFile(path, mode="rb")
    return open(path, "rb")  # the caller closes it


def split_mbox(stream: io.BufferedIOBase) -> Iterator[bytes]:
    """Split a binary stream into raw messages (separator lines removed, mboxrd unescaped).

    An entry of whitespace only (a `From ` line with nothing after it) is still yielded, so
    the reader can count it as skipped; only blank space before the first separator is not
    an entry at all.
    """
    for index, raw in enumerate(_split(stream)):
        if index or raw.strip():
            yield _unescape(raw)


def _split(stream: io.BufferedIOBase) -> Iterator[bytes]:
    """Scan 1 MiB blocks; `pieces` holds the current message's bytes already scanned."""
    pieces: list[bytes] = []
    data = b"\n\n"  # as if the file started after a blank line: a leading `From ` separates
    pos = 2  # where the current message's unsaved bytes start in `data`
    scan = 0
    in_separator = False
    while True:
        chunk = stream.read(_CHUNK)
        data += chunk
        while True:
            if in_separator:
                eol = data.find(b"\n", scan)
                if eol < 0:
                    pos = scan = len(data)
                    break
                pos = scan = eol + 1
                in_separator = False
            hit = _find_separator(data, scan)
            if hit < 0:
                break
            end = hit - 1 if data[hit - 1 : hit] == b"\r" else hit
            yield b"".join([*pieces, data[pos:end]])
            pieces.clear()
            in_separator, scan = True, hit + 1
        if not chunk:
            break
        cut = max(0, len(data) - _KEEP)  # the tail stays: context for the next search
        if cut > pos:
            pieces.append(data[pos:cut])
            pos = cut
        data, pos, scan = data[cut:], pos - cut, max(0, scan - cut)
    yield _strip_final_blank(b"".join([*pieces, data[pos:]]))


def _find_separator(data: bytes, start: int) -> int:
    """Index of the `\\n` ending the blank line before a `From ` line, or -1."""
    hit = data.find(b"\nFrom ", start)
    while hit >= 0:
        if data[hit - 1 : hit] == b"\n" or data[hit - 2 : hit] == b"\n\r":
            return hit
        hit = data.find(b"\nFrom ", hit + 1)
    return -1


def _strip_final_blank(raw: bytes) -> bytes:
    """The last message keeps the blank line the writer appended: drop it."""
    if raw.endswith(b"\n\r\n"):
        return raw[:-2]
    if raw.endswith(b"\n\n"):
        return raw[:-1]
    return raw


def _unescape(raw: bytes) -> bytes:
    if b">From " not in raw:
        return raw
    return _ESCAPED_FROM.sub(rb"\1", raw)
