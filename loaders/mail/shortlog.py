"""The `git shortlog` block of a cover letter: who wrote which patch of the series.

A digest cuts subjects at a line fold, but the cover letter's shortlog has the full titles
and the patch authors (who may differ from the sender). git wraps long titles onto a
further-indented line; those are joined back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loaders.identity.addresses import normalise_name
from loaders.mail.text import TextLines, bounded_int
from loaders.records import ShortlogGroup

__all__ = ["parse_shortlog", "parse_shortlog_in"]

_MAX_NAME = 100


@dataclass(slots=True)
class _Group:
    """A group being read: header, base indentation of its titles, titles so far."""

    name: str
    count: int
    indent: int = -1
    titles: list[list[str]] = field(default_factory=list)  # each title's wrapped lines


def parse_shortlog(text: str) -> tuple[ShortlogGroup, ...]:
    """Every `Author Name (N):` block with its indented (and unwrapped) titles."""
    return parse_shortlog_in(TextLines(text))


def parse_shortlog_in(text: TextLines) -> tuple[ShortlogGroup, ...]:
    """`parse_shortlog` on already split text.

    Reading starts at each line holding `):` (every header does) that no group took as a
    title; the lines between such headers are skipped without a look.
    """
    lines = text.lines
    groups: list[ShortlogGroup] = []
    position = 0  # the next line not read yet
    for candidate in text.line_indexes("):"):
        if candidate < position:
            continue
        current = _header(lines[candidate])
        position = candidate + 1
        while current is not None:
            while position < len(lines) and _add_title(current, lines[position]):
                position += 1
            if current.titles:
                groups.append(_finish(current))
            if position == len(lines):
                break
            current = _header(lines[position])
            position += 1
    return tuple(groups)


def _header(line: str) -> _Group | None:
    """`Edgecombe, Rick P (1):` -> a group for "Rick P Edgecombe" with count 1."""
    stripped = line.rstrip()
    if not stripped.endswith("):") or stripped[:1].isspace() or len(stripped) > _MAX_NAME:
        return None
    open_at = stripped.rfind("(")
    count = stripped[open_at + 1 : -2]
    name = stripped[:open_at].strip()
    if open_at <= 0 or bounded_int(count, None) is None or not name or ":" in name:
        return None
    return _Group(name=normalise_name(name), count=bounded_int(count) or 0)


def _add_title(group: _Group, line: str) -> bool:
    """Take an indented line as a new title or, indented deeper, as a wrapped continuation."""
    line = line.expandtabs(8)
    content = line.strip()
    indent = len(line) - len(line.lstrip())
    if not content or indent == 0:
        return False
    if group.indent < 0:
        group.indent = indent
    if indent > group.indent and group.titles:
        group.titles[-1].append(content)
    elif indent >= group.indent:
        group.titles.append([content])
    else:
        return False
    return True


def _finish(group: _Group) -> ShortlogGroup:
    titles = tuple(" ".join(lines) for lines in group.titles)
    return ShortlogGroup(author_name=group.name, count=group.count, titles=titles)
