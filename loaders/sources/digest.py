"""The "KVM mailing list update from A to B" digest format.

A digest has a header with two tallies (top address domains, top contributors), then one
entry per new message:

    New:  <subject, maybe cut>
    [PATCH v3 01/24] <subject, maybe cut at a line fold>
    Author: <name or login> <address>
    <blank>
    <body: commit message, trailers, ---, changelog, diffstat>
    ----------------------------------------------------------------------

Digests carry no Message-IDs, dates or replies, so each entry gets a deterministic synthetic
key from its author, subject and body: the same entry in two digests is one message.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from loaders.errors import SourceError
from loaders.identity.addresses import parse_address
from loaders.mail.body import parse_body
from loaders.mail.subject import parse_subject
from loaders.mail.text import read_text_file
from loaders.records import Address, Message

__all__ = ["Digest", "is_digest", "read_digest"]

_TITLE = re.compile(r"mailing list update from (\S+) to (\S+)", re.IGNORECASE)
_SEPARATOR = re.compile(r"^-{60,}\s*$")
_DOMAIN_ROW = re.compile(r"^\s*([0-9]{1,9})\s+([A-Za-z0-9.-]+\.[A-Za-z]{2,})\s*$")
_PERSON_ROW = re.compile(r"^\s*([0-9]{1,9})\s+(.*<[^>]+>)\s*$")
_SUBJECT_LINE = re.compile(r"^\s*\[[^\]]*\]")
_AUTHOR_LINE = re.compile(r"^Author:\s*(.*)$")
_BODY_MARKER = "===== Patch Commit Messages"


@dataclass(frozen=True, slots=True)
class Digest:
    """A parsed digest: its commit range, header tallies, and entries as messages."""

    origin: str
    range_from: str
    range_to: str
    domain_tally: tuple[tuple[str, int], ...]
    contributor_tally: tuple[tuple[Address, int], ...]
    messages: tuple[Message, ...]


def is_digest(head: str) -> bool:
    """Whether the first lines of a text file look like a digest."""
    return _TITLE.search(head) is not None


def read_digest(path: str | os.PathLike[str]) -> Digest:
    """Read a digest file; raises SourceError when it is not a readable digest."""
    text = _read_text(path)
    title = _TITLE.search(text[:2000])
    if title is None:
        raise SourceError(f"{path}: not a mailing-list digest (no 'mailing list update' line)")
    header, _, entries_text = text.partition(_BODY_MARKER)
    if not entries_text:
        header, entries_text = text[: title.end()], text[title.end() :]
    origin = os.fspath(path)
    return Digest(
        origin=origin,
        range_from=title.group(1),
        range_to=title.group(2),
        domain_tally=tuple(_domain_tally(header)),
        contributor_tally=tuple(_contributor_tally(header)),
        messages=tuple(_entries(entries_text, origin)),
    )


def _read_text(path: str | os.PathLike[str]) -> str:
    text = read_text_file(path, "digest")
    if not text.strip():
        raise SourceError(f"{os.fspath(path)}: empty file")
    if "\x00" in text[:8192]:
        raise SourceError(f"{os.fspath(path)}: binary file, not a digest")
    return text.replace("\r\n", "\n")


def _domain_tally(header: str) -> Iterator[tuple[str, int]]:
    for line in header.splitlines():
        match = _DOMAIN_ROW.match(line)
        if match:
            yield match.group(2).lower(), int(match.group(1))


def _contributor_tally(header: str) -> Iterator[tuple[Address, int]]:
    for line in header.splitlines():
        match = _PERSON_ROW.match(line)
        if match:
            address = parse_address(match.group(2))
            if address is not None:
                yield address, int(match.group(1))


def _split_entries(text: str) -> Iterator[list[str]]:
    """Entries start at `New:` lines; the dashed separator line ends one."""
    current: list[str] | None = None
    for line in text.split("\n"):
        if line.startswith("New:"):
            if current is not None:
                yield current
            current = [line]
        elif current is not None:
            if _SEPARATOR.match(line):
                yield current
                current = None
            else:
                current.append(line)
    if current is not None:
        yield current


def _entries(text: str, origin: str) -> Iterator[Message]:
    for index, lines in enumerate(_split_entries(text)):
        yield _entry(lines, f"{origin}#{index}")


def _entry(lines: list[str], origin: str) -> Message:
    """One `New:` block as a Message; missing parts become defects, never errors."""
    defects: list[str] = []
    new_title = lines[0][len("New:") :].strip()
    position = 1
    subject_raw = new_title
    if position < len(lines) and _SUBJECT_LINE.match(lines[position]):
        subject_raw = lines[position].strip()
        position += 1
    else:
        defects.append("entry has no [PATCH ...] subject line")
    author: Address | None = None
    if position < len(lines) and (match := _AUTHOR_LINE.match(lines[position])):
        author = parse_address(match.group(1))
        position += 1
    if author is None:
        defects.append("entry has no parsable Author: line")
    body = "\n".join(lines[position:]).strip("\n") + "\n"
    info = parse_body(body)
    if not body.strip():
        defects.append("entry has an empty body")
    return Message(
        key=_synthetic_key(author, subject_raw, body),
        origin=origin,
        subject=parse_subject(subject_raw),
        author=author,
        body=body,
        info=info,
        source_kind="digest",
        defects=tuple(defects),
    )


def _synthetic_key(author: Address | None, subject: str, body: str) -> str:
    """Deterministic key for an entry without Message-ID: same entry, same key."""
    digest = hashlib.sha1(usedforsecurity=False)
    for part in (author.email if author else "", subject, body):
        digest.update(part.encode("utf-8", "replace"))
        digest.update(b"\x00")
    return "digest:" + digest.hexdigest()[:20]
