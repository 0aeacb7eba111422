"""mbox / mboxrd splitting: separators, un-escaping, gzip, CRLF, chunk boundaries, streaming."""

from __future__ import annotations

import gzip
import io
import random
import re
from pathlib import Path

import pytest

from loaders.sources import mbox
from loaders.sources.mbox import iter_messages, split_mbox

# Message A as its sender wrote it: two body lines that mbox writers must escape.
MESSAGE_A = b"""From: Alice <alice@example.com>
Subject: [PATCH 1/2] first
Message-ID: <a@example.com>

First body.

From here on the line starts with From and follows a blank line.
>From this one was quoted.
"""

MESSAGE_B = b"""From: Bob <bob@example.com>
Subject: Re: [PATCH 1/2] first
Message-ID: <b@example.com>

> quoted reply text
Reviewed-by: Bob <bob@example.com>
"""

# The same two messages in an mboxrd file, written out by hand: `From ` -> `>From `,
# `>From ` -> `>>From `, and a blank line after each message.
MBOXRD = b"""From mboxrd@z Thu Jan  1 00:00:00 1970
From: Alice <alice@example.com>
Subject: [PATCH 1/2] first
Message-ID: <a@example.com>

First body.

>From here on the line starts with From and follows a blank line.
>>From this one was quoted.

From mboxrd@z Thu Jan  1 00:00:00 1970
From: Bob <bob@example.com>
Subject: Re: [PATCH 1/2] first
Message-ID: <b@example.com>

> quoted reply text
Reviewed-by: Bob <bob@example.com>

"""


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_mboxrd_unescapes_one_level(tmp_path: Path) -> None:
    raws = [raw for _origin, raw in iter_messages(write(tmp_path / "t.mbox", MBOXRD))]
    assert raws == [MESSAGE_A, MESSAGE_B]


def test_unescaped_from_line_not_after_a_blank_line_does_not_split(tmp_path: Path) -> None:
    data = (
        b"From someone@example.com Mon Jan 13 10:00:00 2025\n"
        b"Subject: x\n\nparagraph\nFrom the middle of a paragraph, left unescaped\n"
    )
    raws = [raw for _origin, raw in iter_messages(write(tmp_path / "t.mbox", data))]
    assert raws == [b"Subject: x\n\nparagraph\nFrom the middle of a paragraph, left unescaped\n"]


def test_origins_count_from_zero(tmp_path: Path) -> None:
    path = write(tmp_path / "t.mbox", MBOXRD)
    assert [origin for origin, _raw in iter_messages(path)] == [f"{path}#0", f"{path}#1"]


def test_gzip_is_detected_by_magic_not_name(tmp_path: Path) -> None:
    path = write(tmp_path / "archive.mbox", gzip.compress(MBOXRD))
    assert [raw for _origin, raw in iter_messages(path)] == [MESSAGE_A, MESSAGE_B]
    named = write(tmp_path / "plain.mbox.gz", MBOXRD)  # a misleading name: not gzip
    assert len(list(iter_messages(named))) == 2


def test_crlf_mbox(tmp_path: Path) -> None:
    path = write(tmp_path / "t.mbox", MBOXRD.replace(b"\n", b"\r\n"))
    raws = [raw for _origin, raw in iter_messages(path)]
    assert raws == [MESSAGE_A.replace(b"\n", b"\r\n"), MESSAGE_B.replace(b"\n", b"\r\n")]


def test_git_format_patch_mbox_without_trailing_blank_line(tmp_path: Path) -> None:
    data = (
        b"From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\n"
        b"From: A <a@example.com>\nSubject: [PATCH] one\n\nbody one\n-- \n2.47.1\n\n"
        b"From fedcba9876543210fedcba9876543210fedcba98 Mon Sep 17 00:00:00 2001\n"
        b"From: A <a@example.com>\nSubject: [PATCH] two\n\nbody two"
    )
    raws = [raw for _origin, raw in iter_messages(write(tmp_path / "p.mbox", data))]
    assert [raw.split(b"\n")[1] for raw in raws] == [
        b"Subject: [PATCH] one",
        b"Subject: [PATCH] two",
    ]
    assert raws[0].endswith(b"2.47.1\n") and raws[1].endswith(b"body two")


def test_file_without_separator_is_one_message(tmp_path: Path) -> None:
    path = write(tmp_path / "one.eml", MESSAGE_B)
    assert [raw for _origin, raw in iter_messages(path)] == [MESSAGE_B]


def test_empty_file(tmp_path: Path) -> None:
    assert list(iter_messages(write(tmp_path / "empty.mbox", b""))) == []


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 8, 13, 64])
def test_chunk_boundaries_do_not_matter(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    data = MBOXRD * 3 + MBOXRD.replace(b"\n", b"\r\n")
    whole = list(split_mbox(io.BytesIO(data)))
    monkeypatch.setattr(mbox, "_CHUNK", chunk)
    assert list(split_mbox(io.BytesIO(data))) == whole
    assert len(whole) == 8


class _FailAfterFirstRead(io.RawIOBase):
    """A stream that serves one block, then fails: proves messages come out as they are read."""

    def __init__(self, first: bytes) -> None:
        self.first: bytes | None = first

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.first is None:
            raise AssertionError("read past the first block")
        block, self.first = self.first, None
        return block


def test_streams_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mbox, "_CHUNK", len(MBOXRD))
    messages = split_mbox(_FailAfterFirstRead(MBOXRD + b"From x\n"))  # type: ignore[arg-type]
    assert next(messages) == MESSAGE_A


def _reference_split(data: bytes) -> list[bytes]:
    """The same rules, line by line: slow and obvious, to check the chunked scanner against."""
    messages: list[list[bytes]] = [[]]
    previous_blank = True
    for line in re.findall(rb"[^\n]*\n|[^\n]+$", data):
        if line.startswith(b"From ") and previous_blank:
            if messages[-1]:
                messages[-1].pop()  # the blank line before a separator belongs to it
            messages.append([])
            previous_blank = False
            continue
        messages[-1].append(line)
        previous_blank = line in (b"\n", b"\r\n")
    if len(messages[-1]) > 1 and messages[-1][-1] in (b"\n", b"\r\n"):
        messages[-1].pop()
    raws = [b"".join(lines) for lines in messages]
    kept = [raw for index, raw in enumerate(raws) if index or raw.strip()]  # blank preamble out
    return [re.sub(rb"(?m)^>(>*From )", rb"\1", raw) for raw in kept]


def test_scanner_matches_line_by_line_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    pieces = [b"From x\n", b"\n", b"\r\n", b"body\n", b">From y\n", b">>From z\r\n", b"From \r\n"]
    pieces += [b"Subject: s\n", b"tail without newline", b"\rFrom q\n", b"From"]
    generator = random.Random(20250114)
    for _ in range(400):
        data = b"".join(generator.choice(pieces) for _ in range(generator.randint(0, 30)))
        monkeypatch.setattr(mbox, "_CHUNK", generator.randint(1, 40))
        assert list(split_mbox(io.BytesIO(data))) == _reference_split(data), data
