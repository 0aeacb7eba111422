"""Small text helpers shared by the mail parsers.

Kept in one place so that every parser agrees on what a line, a quoted line, a paragraph,
a sentence and a URL are. Everything here is linear-time: bodies can be tens of megabytes,
so no helper uses a regular expression that can backtrack over a whole line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = [
    "URL_RE",
    "clean_url",
    "collapse_ws",
    "find_urls",
    "is_quoted",
    "normalise_newlines",
    "paragraphs",
    "prose_blocks",
    "sentences",
    "split_lines",
    "strip_signature",
]

# A URL runs to the next whitespace or an obvious delimiter; trailing punctuation is
# trimmed afterwards by clean_url (a greedy class cannot backtrack pathologically).
URL_RE = re.compile(r"https?://[^\s<>\"'`]+")

_TRAILING_PUNCT = ".,;:!?'\"`>"
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(\[])")
_BULLET_RE = re.compile(r"\s*(?:[-*+•]|\(?\d{1,2}[.)])\s")


def collapse_ws(text: str) -> str:
    """Fold tabs, newlines and runs of spaces into single spaces (header folding leaves them)."""
    return " ".join(text.split())


def normalise_newlines(text: str) -> str:
    """Turn CRLF and lone CR into LF so that line logic sees one convention."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_lines(text: str) -> list[str]:
    """Split on LF only (str.splitlines also splits on form feeds and Unicode separators)."""
    return normalise_newlines(text).split("\n")


def is_quoted(line: str) -> bool:
    """A line quoted from an earlier message (`> text`, also indented `  > text`)."""
    return line.lstrip(" \t").startswith(">")


def strip_signature(text: str) -> str:
    """Cut the mail signature: everything from the last `-- ` line, unless a diff follows it.

    A removed diff line whose content is `- ` also reads `-- `, so a delimiter with diff
    markers after it is not taken as a signature.
    """
    lines = split_lines(text)
    for index in range(len(lines) - 1, -1, -1):
        if lines[index] != "-- ":
            continue
        tail = lines[index + 1 :]
        if any(line.startswith(("diff --git ", "@@ ")) for line in tail):
            return text
        return "\n".join(lines[:index])
    return text


def paragraphs(lines: list[str]) -> Iterator[list[str]]:
    """Yield runs of non-blank lines; blank lines separate paragraphs."""
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            yield current
            current = []
    if current:
        yield current


def prose_blocks(lines: list[str]) -> Iterator[str]:
    """Paragraphs joined into single lines, with each list item (`- foo`, `1) bar`) apart.

    A changelog bullet is its own statement: "- Rebased on v6.19" must not run into the
    next bullet's "- Link to v1: <url>".
    """
    for paragraph in paragraphs(lines):
        item: list[str] = []
        for line in paragraph:
            if item and _BULLET_RE.match(line):
                yield " ".join(item)
                item = []
            item.append(line.strip())
        yield " ".join(item)


def sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences at `.`, `!` or `?` followed by a capital or quote.

    Good enough for cover-letter prose; URLs never contain `. ` so they stay whole.
    """
    return _SENTENCE_END_RE.split(paragraph)


def clean_url(url: str) -> str:
    """Trim punctuation that ends a sentence or closes a bracket rather than the URL."""
    url = url.rstrip(_TRAILING_PUNCT)
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(_TRAILING_PUNCT)
    while url.endswith("]") and url.count("]") > url.count("["):
        url = url[:-1].rstrip(_TRAILING_PUNCT)
    return url


def find_urls(text: str) -> list[tuple[int, str]]:
    """Every URL in `text` with its start offset, cleaned of trailing punctuation."""
    found: list[tuple[int, str]] = []
    for match in URL_RE.finditer(text):
        url = clean_url(match.group(0))
        if len(url) > len("https://"):
            found.append((match.start(), url))
    return found
