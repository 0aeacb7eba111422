"""The review trailers a message gives as a reply: read once, when the body is parsed.

Where a reply's trailer may stand (issue 11, item 4): anywhere in its own, unquoted text, not
only above the first `---` (a reviewer may quote a spec between dashes), indented (`  Acked-by:`),
between two lines of prose, glued to a list footer (cut by `loaders.mail.footers`). The text
ends at a `-- ` signature and at an inline copy of another mail (`-----Original Message-----`,
an Outlook `From:`/`Sent:` header block), whose trailers are someone else's. A reply that
itself carries a diff is read as a patch is: only the text above its first `---`, so the
trailers of a patch it forwards or proposes are not taken for the replier's.

Why at parse time: assembly runs over the whole corpus on every load, and reading every
reply's text again was a third of it (issue 13); `parse_body` has the footer- and
signature-free text at hand already, so it keeps the result in `BodyInfo.review_trailers`.
`loaders.assembly.replies` computes it from the message for records stored before that.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from loaders.mail.footers import strip_footers
from loaders.mail.text import may_hold_folded, normalise_newlines, strip_signature
from loaders.mail.trailers import parse_trailers
from loaders.records import Trailer, TrailerKind

__all__ = ["REPLY_KINDS", "own_text", "reply_kinds", "reply_text", "review_trailers_in"]

REPLY_KINDS = frozenset(
    {
        TrailerKind.REVIEWED_BY,
        TrailerKind.ACKED_BY,
        TrailerKind.TESTED_BY,
        TrailerKind.REPORTED_BY,
        TrailerKind.SUGGESTED_BY,
    }
)
# The indentation of an indented `Name-by:` line (dropped so the trailer parser sees it).
_INDENTED_BY = re.compile(r"^[ \t]+(?=[A-Za-z][A-Za-z-]{0,40}-[Bb]y:[ \t]*\S)", re.MULTILINE)
# A `Name-by:` line, made a paragraph of its own: in a reply it is a trailer even between two
# lines of prose ("For that:" / "Acked-by: ..." / "but please understand ...").
_BY_LINE = re.compile(
    r"^([A-Za-z][A-Za-z-]{0,40}-[Bb]y:[ \t]*\S[^\n]*)(\n(?![ \t]))?", re.MULTILINE
)
# Where an inline copy of another mail starts: `-----Original Message-----`, `---- Forwarded
# message ----`, or an Outlook header block (`From: ...` then `Sent: ...`).
_INLINE_COPY = re.compile(
    r"^[ \t]*-{2,}[ \t]*(?:original message|forwarded message)[ \t]*-{2,}|"
    r"^From:[^\n]*\nSent:",
    re.IGNORECASE | re.MULTILINE,
)
# What every match of `_INLINE_COPY` holds, lower-cased.
_INLINE_COPY_NEEDLES = ("original message", "forwarded message", "\nsent:")


def reply_text(body: str, has_diff: bool, commit_message: str) -> str:
    """The part of a reply that is the replier's own: see the module docstring."""
    if has_diff:
        return commit_message
    return own_text(strip_signature(strip_footers(normalise_newlines(body))))


def own_text(text: str) -> str:
    """A body without diff, footers and signature already cut: its own part, with its
    `Name-by:` lines made paragraphs the trailer parser reads."""
    copy = _INLINE_COPY.search(text) if may_hold_folded(text, _INLINE_COPY_NEEDLES) else None
    if copy is not None:
        text = text[: copy.start()]
    if "-by:" in text or "-By:" in text:
        text = _dedent_trailers(text)
        text = _sub_on_lines(_BY_LINE, _own_paragraph, text, _by_line_starts(text))
    return text


def review_trailers_in(text: str) -> tuple[Trailer, ...]:
    """The Reviewed/Acked/Tested/Reported/Suggested-by trailers of a reply's own text."""
    return reply_kinds(parse_trailers(text))


def reply_kinds(trailers: tuple[Trailer, ...]) -> tuple[Trailer, ...]:
    """Those of `trailers` a reply gives (`REPLY_KINDS`, naming a person): for a text whose
    trailers are parsed already (a patch's commit message), without parsing it again."""
    return tuple(
        trailer
        for trailer in trailers
        if trailer.kind in REPLY_KINDS and trailer.person is not None
    )


def _dedent_trailers(text: str) -> str:
    """Indented `Name-by:` lines without their indentation, unless their paragraph holds a
    `Signed-off-by:`: then it is a commit message pasted indented (a `git log` excerpt), whose
    trailers are the commit's, not the replier's."""

    def dedent(match: re.Match[str]) -> str:
        start = text.rfind("\n\n", 0, match.start())
        end = text.find("\n\n", match.end())
        paragraph = text[start + 1 : end if end >= 0 else len(text)]
        return match.group(0) if "signed-off-by:" in paragraph.lower() else ""

    return _sub_on_lines(_INDENTED_BY, dedent, text, _by_line_starts(text))


def _by_line_starts(text: str) -> list[int]:
    """Where the lines holding `-by:` or `-By:` start: the only lines `_INDENTED_BY` and
    `_BY_LINE` can match (their `Name-by:` never crosses a line), found with `str.find`
    rather than by the regex engine trying every line of a reply that quotes a whole patch."""
    starts: set[int] = set()
    for needle in ("-by:", "-By:"):
        at = text.find(needle)
        while at >= 0:
            starts.add(text.rfind("\n", 0, at) + 1)
            at = text.find(needle, at + 1)
    return sorted(starts)


def _sub_on_lines(
    pattern: re.Pattern[str],
    replace: Callable[[re.Match[str]], str],
    text: str,
    line_starts: list[int],
) -> str:
    """`pattern.sub(replace, text)` for a `^`-anchored multiline pattern that can only match
    at `line_starts` (sorted): the same matches, tried only there."""
    out: list[str] = []
    done = 0
    for start in line_starts:
        match = pattern.match(text, start) if start >= done else None
        if match is not None:
            out += (text[done : match.start()], replace(match))
            done = match.end()
    out.append(text[done:])
    return "".join(out)


def _own_paragraph(match: re.Match[str]) -> str:
    """A trailer line between blank lines (none after it when a continuation line follows)."""
    return "\n" + match.group(1) + ("\n\n" if match.group(2) else "")
