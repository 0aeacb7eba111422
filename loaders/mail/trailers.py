"""Find `Name: value` trailers (Signed-off-by, Reviewed-by, ...) in a commit message or reply.

Trailers are the raw material of the who-reviews-whom graph, so two errors matter: losing a
real trailer (typos like `Reviwed-by`, a tag given in a reply after a line of prose) and
inventing one from prose (`Note: this is ...`, a `WARNING:` line of a kernel log). Blocks of
trailer lines are taken whole; in mixed paragraphs only known kinds with a plausible value
are taken. Quoted lines (`>`) and anything after a `-- ` signature are never trailers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from loaders.identity.addresses import parse_address
from loaders.mail.text import TextLines, is_quoted, paragraph_spans
from loaders.records import Trailer, TrailerKind

__all__ = [
    "PERSON_KINDS",
    "classify_trailer_name",
    "parse_trailers",
    "parse_trailers_in",
    "split_comment",
]

PERSON_KINDS = frozenset(
    {
        TrailerKind.SIGNED_OFF_BY,
        TrailerKind.CO_DEVELOPED_BY,
        TrailerKind.REVIEWED_BY,
        TrailerKind.ACKED_BY,
        TrailerKind.TESTED_BY,
        TrailerKind.REPORTED_BY,
        TrailerKind.SUGGESTED_BY,
        TrailerKind.CC,
    }
)

_LINE_RE = re.compile(r"([A-Za-z][A-Za-z0-9-]{0,62}):[ \t]*(\S.*)")
# A line `_LINE_RE` can match, found right after a newline (the text gets one in front): the
# literal `\n` lets the regex engine jump from line to line.
_NAME_LINE_RE = re.compile(r"\n[A-Za-z][A-Za-z0-9-]{0,62}:")
_AND_RE = re.compile(r"([a-z]+)-and-[a-z-]+-by")
_HEX_RE = re.compile(r"[0-9a-fA-F]{7,40}\b")
_KINDS = {kind.value.lower(): kind for kind in TrailerKind if kind is not TrailerKind.OTHER}
_ALIASES = {"co-authored-by": TrailerKind.CO_DEVELOPED_BY}
_BY_KINDS = tuple(name for name in _KINDS if name.endswith("-by"))
# Real trailers that sit one typo away from a known kind but mean something else.
_PROSE_WORDS = 4
_NEVER_FUZZY = frozenset({"nacked-by", "naked-by", "asked-by", "tested-on", "requested-by"})


@lru_cache(maxsize=4096)
def classify_trailer_name(name: str) -> TrailerKind:
    """Map a raw trailer name to its kind: case-insensitive, tolerant of small typos."""
    lowered = name.strip().lower()
    if lowered in _KINDS:
        return _KINDS[lowered]
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    if lowered in _NEVER_FUZZY or lowered.startswith("not-"):
        return TrailerKind.OTHER
    combined = _AND_RE.fullmatch(lowered)
    if combined:
        return classify_trailer_name(f"{combined.group(1)}-by")
    return _closest_kind(lowered)


def _closest_kind(lowered: str) -> TrailerKind:
    """The one `-by` kind within a small edit distance (1 for short names, 2 for long)."""
    if len(lowered) < 6:
        return TrailerKind.OTHER
    matches = []
    for known in _BY_KINDS:
        limit = 1 if len(known) <= 9 else 2
        if _edit_distance(lowered, known, limit) <= limit:
            matches.append(known)
    if len(matches) == 1:
        return _KINDS[matches[0]]
    return TrailerKind.OTHER


def _edit_distance(left: str, right: str, limit: int) -> int:
    """Optimal-string-alignment distance (transpositions count 1), cut off above `limit`."""
    if abs(len(left) - len(right)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(right) + 1))
    for i, lch in enumerate(left, start=1):
        current = [i] + [0] * len(right)
        for j, rch in enumerate(right, start=1):
            cost = 0 if lch == rch else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and lch == right[j - 2] and left[i - 2] == rch:
                best = min(best, previous2[j - 2] + 1)
            current[j] = best
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


@dataclass(slots=True)
class _Entry:
    """A trailer line (with its continuation lines) before it becomes a Trailer."""

    name: str
    value: str
    kind: TrailerKind
    continued: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Block:
    """One paragraph read line by line."""

    entries: list[_Entry]
    prose_lines: int
    trailer_lines: int
    trailing_from: int  # index into entries where the paragraph's final run of trailers starts


def parse_trailers(text: str) -> tuple[Trailer, ...]:
    """All trailers of a commit message or reply text, in order of appearance."""
    return parse_trailers_in(TextLines(text))


def parse_trailers_in(text: TextLines) -> tuple[Trailer, ...]:
    """`parse_trailers` on already split text.

    Only paragraphs holding a `Name:` line can hold trailers, so only those are read; the
    rest of a long reply (the quoted patch, the prose) is skipped.
    """
    lines = text.lines
    end = lines.index("-- ") if "-- " in lines else len(lines)
    spans = paragraph_spans(lines, _name_lines(text.joined), _not_quoted, end)
    blocks = [_read_block(lines[start:stop]) for start, stop in spans]
    trailing = _trailing_strict(blocks, spans, lines, end)
    found: list[Trailer] = []
    for index, block in enumerate(blocks):
        for entry in _select(block, index >= trailing):
            found.append(_make_trailer(entry))
    return tuple(found)


def _name_lines(text: str) -> list[int]:
    """Indexes of the lines starting with `Name:`, the only lines that can be trailers."""
    found: list[int] = []
    line = counted = 0
    for match in _NAME_LINE_RE.finditer("\n" + text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        found.append(line)
    return found


def _not_quoted(line: str) -> bool:
    return not is_quoted(line)


def _trailing_strict(
    blocks: list[_Block], spans: list[tuple[int, int]], lines: list[str], end: int
) -> int:
    """Index of the first of the final paragraphs that consist of trailers only.

    `blocks` are the paragraphs with `Name:` lines; any other paragraph after one ends the run.
    """
    index, after = len(blocks), end
    while index > 0 and blocks[index - 1].prose_lines == 0 and blocks[index - 1].entries:
        start, stop = spans[index - 1]
        if any(lines[i].strip() and not is_quoted(lines[i]) for i in range(stop, after)):
            break
        index, after = index - 1, start
    return index


def _read_block(paragraph: list[str]) -> _Block:
    """Classify each line as trailer, continuation, `[note]` or prose."""
    block = _Block(entries=[], prose_lines=0, trailer_lines=0, trailing_from=0)
    after_trailer = False
    for line in paragraph:
        stripped = line.strip()
        if after_trailer and line[:1] in (" ", "\t"):
            block.entries[-1].continued.append(stripped)
            block.trailer_lines += 1
            continue
        entry = _trailer_line(line)
        if entry is not None:
            block.entries.append(entry)
            block.trailer_lines += 1
            after_trailer = True
        elif _is_note(stripped):
            after_trailer = False
        else:
            block.prose_lines += 1
            block.trailing_from = len(block.entries)
            after_trailer = False
    for entry in block.entries:
        if entry.continued:
            entry.value = " ".join([entry.value, *entry.continued])
    return block


def _trailer_line(line: str) -> _Entry | None:
    """`Name: value`, unless it is a URL or prose that merely starts with `Word:`."""
    match = _LINE_RE.match(line)
    if match is None or match.group(2).startswith("//"):
        return None
    name, value = match.group(1), match.group(2).strip()
    kind = classify_trailer_name(name)
    if kind is TrailerKind.OTHER and "-" not in name and _prose_value(value):
        return None  # `Note: this is ...`, `WARNING: CPU: 1 PID: ...`, `nit: extra line`
    return _Entry(name, value, kind)


def _prose_value(value: str) -> bool:
    """Several words and no address or URL: a sentence, not a trailer value."""
    return len(value.split()) >= _PROSE_WORDS and "@" not in value and "://" not in value


def _is_note(stripped: str) -> bool:
    """`[Sean: reworded changelog]` or `(cherry picked from commit ...)` inside a block."""
    return (stripped[:1], stripped[-1:]) in (("[", "]"), ("(", ")"))


def _select(block: _Block, trailing: bool) -> list[_Entry]:
    """The entries of a paragraph that are real trailers."""
    if block.prose_lines == 0:
        if trailing or any(_plausible(entry) for entry in block.entries):
            return block.entries
        return []
    mostly = block.trailer_lines * 2 >= block.trailer_lines + block.prose_lines
    return [
        entry
        for position, entry in enumerate(block.entries)
        if _plausible(entry) and (mostly or position >= block.trailing_from)
    ]


def _plausible(entry: _Entry) -> bool:
    """A known kind whose value looks like one (an address, a commit id, a URL)."""
    if entry.kind in PERSON_KINDS:
        return "@" in entry.value
    if entry.kind is TrailerKind.FIXES:
        return bool(_HEX_RE.match(entry.value)) or _is_url(entry.value)
    if entry.kind in (TrailerKind.LINK, TrailerKind.CLOSES):
        return _is_url(entry.value)
    return False


def _is_url(value: str) -> bool:
    return value.lstrip("<").startswith(("http://", "https://"))


def _make_trailer(entry: _Entry) -> Trailer:
    """Build the record; person kinds get their address and comment parsed."""
    if entry.kind not in PERSON_KINDS:
        return Trailer(kind=entry.kind, name=entry.name, value=entry.value)
    person_text, comment = split_comment(entry.value)
    return Trailer(
        kind=entry.kind,
        name=entry.name,
        value=entry.value,
        person=parse_address(person_text),
        comment=comment,
    )


def split_comment(value: str) -> tuple[str, str]:
    """Split `Name <addr> [note] # comment` into the person text and the comment(s)."""
    comments: list[str] = []
    hash_at = _comment_start(value)
    if hash_at != -1:
        comments.append(value[hash_at + 1 :].strip())
        value = value[:hash_at].rstrip()
    if value.endswith("]"):
        open_at = value.rfind("[")
        if open_at > max(value.rfind(">"), value.rfind("@")):
            comments.insert(0, value[open_at + 1 : -1].strip())
            value = value[:open_at].rstrip()
    return value, " ".join(comment for comment in comments if comment)


def _comment_start(value: str) -> int:
    """Offset of a `#` that starts a comment (after a space or `>`), else -1."""
    index = value.find("#")
    while index != -1:
        if index > 0 and (value[index - 1].isspace() or value[index - 1] == ">"):
            return index
        index = value.find("#", index + 1)
    return -1
