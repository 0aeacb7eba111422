"""Mailing-list footers: recognised by their shape and cut out of a body before it is read.

List software appends a footer to every message it delivers, often with no blank line before
it, so a reply's `Reviewed-by:` line and the footer form one paragraph and the trailer reads
as prose. Footers are found by shape, never by list name:

- mailman 2/3 (infradead, linux-foundation, ...): a rule line of underscores, then a few lines
  of which one says `<list> mailing list`, names a `listinfo` URL or a `mailman` path;
- Google Groups: `You received this message because you are subscribed to ...`, with the
  `To unsubscribe ...` and `To view this discussion ...` lines of its paragraph, and the `--`
  line above it;
- `To unsubscribe ...` blocks (majordomo at vger, OASIS lists): the paragraph from that line,
  with a rule line (`--`, dashes, underscores) right above it.

Only unquoted lines are footers: a footer quoted with `>` is part of the quoted text. Lines
inside a diff never start with these words (they carry `+`, `-` or a space), so a footer
after a diff is cut without touching the diff. Linear time: the needles are searched with
`str.find`, and only the lines around a hit are looked at.
"""

from __future__ import annotations

__all__ = ["strip_footers"]

# Lower-case words of which every footer holds one; text holding none is returned as is.
_NEEDLES = ("mailing list", "listinfo", "/mailman/", "you received this message", "unsubscribe")
_MAILMAN_LINES = 6  # lines after the rule that a mailman footer may span
_BLOCK_LINES = 8  # lines of a Google Groups / unsubscribe paragraph
_RULE_CHARS = frozenset("_-=")
_GROUPS_START = "you received this message because you are subscribed to"
_UNSUBSCRIBE_START = "to unsubscribe"


def strip_footers(text: str) -> str:
    """`text` without the list footers it holds (see the module docstring)."""
    lowered = text.lower()
    if not any(needle in lowered for needle in _NEEDLES):
        return text
    lines = text.split("\n")
    drop: set[int] = set()
    for index, line in enumerate(lines):
        if index in drop or not line or line[0] not in "_tTyY":
            continue
        span = _footer_span(lines, index)
        if span is not None:
            drop.update(range(*span))
    if not drop:
        return text
    return "\n".join(line for index, line in enumerate(lines) if index not in drop)


def _footer_span(lines: list[str], index: int) -> tuple[int, int] | None:
    """(first, stop) of the footer starting at line `index`, else None."""
    line = lines[index]
    if _is_underscore_rule(line):
        return _mailman_span(lines, index)
    lowered = line.lower()
    if lowered.startswith((_GROUPS_START, _UNSUBSCRIBE_START)):
        stop = _paragraph_end(lines, index)
        if lowered.startswith(_UNSUBSCRIBE_START) and not _names_a_list(lines[index:stop]):
            return None  # prose such as "To unsubscribe a notifier, call ..."
        first = index - 1 if index > 0 and _is_rule(lines[index - 1]) else index
        return first, stop
    return None


def _mailman_span(lines: list[str], rule: int) -> tuple[int, int] | None:
    """The rule and the non-blank lines under it, when one of them names the list."""
    stop = rule + 1
    while stop < len(lines) and stop - rule <= _MAILMAN_LINES and lines[stop].strip():
        if lines[stop].lstrip().startswith(">"):
            break
        stop += 1
    body = [line.lower() for line in lines[rule + 1 : stop]]
    if any(_mailman_line(line) for line in body):
        return rule, stop
    return None


def _mailman_line(lowered: str) -> bool:
    """`Foo mailing list`, a `listinfo` URL or a `/mailman/` path."""
    return (
        lowered.rstrip().endswith("mailing list") or "listinfo" in lowered or "/mailman/" in lowered
    )


def _paragraph_end(lines: list[str], start: int) -> int:
    """Index after the last non-blank, unquoted line of the paragraph at `start` (bounded)."""
    stop = start + 1
    while stop < len(lines) and stop - start < _BLOCK_LINES and lines[stop].strip():
        if lines[stop].lstrip().startswith(">"):
            break
        stop += 1
    return stop


def _names_a_list(block: list[str]) -> bool:
    """An unsubscribe paragraph names where to write: an address or a URL."""
    return any("@" in line or "://" in line for line in block)


def _is_underscore_rule(line: str) -> bool:
    """A line of at least five underscores and nothing else (trailing spaces aside)."""
    stripped = line.rstrip()
    return len(stripped) >= 5 and not stripped.strip("_")


def _is_rule(line: str) -> bool:
    """`--`, `-- ` or a line of dashes, underscores or equals signs."""
    stripped = line.rstrip()
    return len(stripped) >= 2 and set(stripped) <= _RULE_CHARS
