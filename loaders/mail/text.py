"""Small text helpers shared by the mail parsers.

Kept in one place so that every parser agrees on what a line, a quoted line, a paragraph,
a sentence and a URL are. Everything here is linear-time: bodies can be tens of megabytes,
so no helper uses a regular expression that can backtrack over a whole line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator

from loaders.errors import SourceError

__all__ = [
    "URL_RE",
    "TextLines",
    "clean_url",
    "collapse_ws",
    "find_urls",
    "findall_folded",
    "has_case_traps",
    "is_quoted",
    "matches_at",
    "may_hold_folded",
    "needle_starts",
    "normalise_newlines",
    "paragraph_spans",
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
# The only non-ASCII characters that `re.IGNORECASE` matches to ASCII letters (İ ı ſ K): a
# text holding one can match a case-insensitive keyword that its `lower()` does not contain.
_CASE_TRAPS_RE = re.compile("[\u0130\u0131\u017f\u212a]")
_SIGNATURE = "-- "


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
    joined = normalise_newlines(text)
    at = _last_signature(joined)
    if at < 0:
        return text
    tail = joined[at + len(_SIGNATURE) + 1 :]
    if tail.startswith(("diff --git ", "@@ ")) or "\ndiff --git " in tail or "\n@@ " in tail:
        return text
    return joined[: max(at - 1, 0)]


def _last_signature(text: str) -> int:
    """Offset of the last line that is exactly `-- `, else -1 (searched, not looped over)."""
    if text.endswith("\n" + _SIGNATURE) or text == _SIGNATURE:
        return len(text) - len(_SIGNATURE)
    hit = text.rfind("\n" + _SIGNATURE + "\n")
    if hit >= 0:
        return hit + 1
    return 0 if text.startswith(_SIGNATURE + "\n") else -1


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


def paragraph_spans(
    lines: list[str], seeds: Iterable[int], keep: Callable[[str], bool], end: int
) -> list[tuple[int, int]]:
    """`(start, stop)` of each paragraph of `lines[:end]` that holds one of the `seeds` lines.

    A paragraph here is what `paragraphs` yields once the lines failing `keep` are blanked;
    only the paragraphs around the seeds (sorted line indexes) are walked, so a parser that
    knows which lines can matter skips the rest of a long text.
    """
    spans: list[tuple[int, int]] = []
    done = 0
    for seed in seeds:
        if seed >= end:
            break
        if seed < done or not (lines[seed].strip() and keep(lines[seed])):
            continue
        start, stop = seed, seed + 1
        while start > done and lines[start - 1].strip() and keep(lines[start - 1]):
            start -= 1
        while stop < end and lines[stop].strip() and keep(lines[stop]):
            stop += 1
        spans.append((start, stop))
        done = stop
    return spans


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


class TextLines:
    """A text with its lines split once, shared by the parsers that read the same text.

    `text` is the text as given (regular expressions run on it), `joined` the same with LF
    line ends only, `lines` its lines (`split_lines`). The search helpers find the lines
    worth a closer look with `str.find` instead of a Python loop over every line: a reply
    quoting a whole patch has thousands of lines, and most parsers care about a handful.
    """

    __slots__ = ("_folded", "_found", "_trapped", "joined", "lines", "text")

    def __init__(self, text: str, lines: list[str] | None = None) -> None:
        self.text = text
        self.joined = normalise_newlines(text)
        self.lines = self.joined.split("\n") if lines is None else lines
        self._folded: str | None = None
        self._trapped = False
        self._found: dict[tuple[str, ...], list[int]] = {}

    def line_indexes(self, *needles: str) -> list[int]:
        """Sorted indexes of the lines containing one of `needles` (case-sensitive)."""
        found = self._found.get(needles)
        if found is None:
            found = self._found[needles] = _line_indexes(self.joined, needles)
        return found

    def folded_line_indexes(self, needles: tuple[str, ...]) -> list[int] | None:
        """Indexes of the lines holding one of the lower-case `needles` in any case.

        None when the text holds one of the characters that `re.IGNORECASE` matches to ASCII
        letters (then only a full scan is safe). A case-insensitive match of a regular
        expression that needs one of the needles lies on one of these lines.
        """
        folded = self._fold()
        return None if folded is None else _line_indexes(folded, needles)

    def finditer(
        self, pattern: re.Pattern[str], needles: tuple[str, ...]
    ) -> Iterator[re.Match[str]]:
        """`pattern.finditer(text)` for a pattern whose every match begins with one of the
        lower-case `needles`, in any case (`base-commit:`, `(?i)change-id:`).

        The pattern is only tried where the lower-cased text holds a needle, which on a long
        text is many times faster than letting the regex engine try every position.
        """
        folded = self._fold()
        if folded is None or self.text is not self.joined:  # offsets would not line up
            yield from pattern.finditer(self.text)
            return
        yield from matches_at(pattern, self.text, needle_starts(folded, needles))

    def _fold(self) -> str | None:
        """The lower-cased text, computed once; None when case traps make it unsafe."""
        if self._folded is None and not self._trapped:
            joined = self.joined
            self._trapped = has_case_traps(joined)
            self._folded = None if self._trapped else joined.lower()
        return self._folded


def _line_indexes(text: str, needles: tuple[str, ...]) -> list[int]:
    """Sorted indexes of the LF-separated lines of `text` that contain one of `needles`."""
    found: set[int] = set()
    for needle in needles:
        line, counted = 0, 0
        hit = text.find(needle)
        while hit >= 0:
            line += text.count("\n", counted, hit)
            found.add(line)
            end = text.find("\n", hit + len(needle))
            if end < 0:
                break
            line, counted = line + 1, end + 1
            hit = text.find(needle, counted)
    return sorted(found)


def findall_folded(
    pattern: re.Pattern[str], text: str, needles: tuple[str, ...], start: int = 0
) -> list[str]:
    """`pattern.findall(text, start)` for a one-group, case-insensitive pattern whose every
    match begins with one of the lower-case `needles`: the pattern is tried only where the
    lower-cased text holds a needle (a few `str.find` calls instead of the regex engine
    walking a whole diff). Texts holding a case trap (`_CASE_TRAPS_RE`) take the regex."""
    tail = text[start:]
    if has_case_traps(tail):
        return pattern.findall(text, start)
    starts = needle_starts(tail.lower(), needles, start)
    return [match.group(1) for match in matches_at(pattern, text, starts)]


def may_hold_folded(text: str, needles: tuple[str, ...]) -> bool:
    """False only when no case-insensitive regex match needing one of the lower-case
    `needles` can be in `text`: a `str.find` on the lower-cased text, many times cheaper than
    the regex engine trying every line. True (try the regex) when the text holds a
    character `re.IGNORECASE` matches to an ASCII letter that `lower()` does not give."""
    if has_case_traps(text):
        return True
    folded = text.lower()
    return any(needle in folded for needle in needles)


def needle_starts(folded: str, needles: tuple[str, ...], offset: int = 0) -> set[int]:
    """Where each of the lower-case `needles` starts in `folded` (plus `offset`)."""
    starts: set[int] = set()
    for needle in needles:
        at = folded.find(needle)
        while at >= 0:
            starts.add(offset + at)
            at = folded.find(needle, at + 1)
    return starts


def matches_at(
    pattern: re.Pattern[str], text: str, starts: Iterable[int]
) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` when every match starts at one of `starts`: the pattern tried
    at each, in order, none inside the match before (as `finditer` walks)."""
    end = 0
    for at in sorted(starts):
        match = pattern.match(text, at) if at >= end else None
        if match is not None:
            end = max(match.end(), at + 1)
            yield match


def has_case_traps(text: str) -> bool:
    """True when `text` holds a character `re.IGNORECASE` matches to an ASCII letter but
    `lower()` does not turn into one (then offsets or finds in the lower-cased text may miss
    what a case-insensitive regex sees)."""
    return not text.isascii() and _CASE_TRAPS_RE.search(text) is not None


def bounded_int(text: str | None, default: int | None = 0) -> int | None:
    """`int(text)` for a plausible count (ASCII digits, at most 18 of them), else `default`.

    Mail is hostile: `int()` of thousands of digits raises, and `str.isdigit()` accepts
    superscripts that `int()` rejects; no real count, version or line number looks like that.
    """
    if not text or len(text) > 18 or not (text.isascii() and text.isdigit()):
        return default
    return int(text)


def read_text_file(path: str | os.PathLike[str], what: str = "file") -> str:
    """A source file's text: UTF-8 with undecodable bytes replaced (mail archives are not
    always clean), or a SourceError naming `what` could not be read."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise SourceError(f"cannot read {what} {os.fspath(path)}: {exc.strerror}") from exc
    return data.decode("utf-8", errors="replace")
