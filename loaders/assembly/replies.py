"""Trailers given in replies: `Reviewed-by:` sent in answer to a patch lands on that patch.

A reply's trailer goes to the patch it answers, found by walking In-Reply-To/References up the
thread; a trailer in reply to a cover letter goes to every patch of that series (as b4 does;
Patchwork does not). Quoted lines are never trailers (the trailer parser skips them). A person
trailer whose address is not the sender's is kept but marked as a mismatch.

Where a reply's trailer may stand (issue 11, item 4): anywhere in its own, unquoted text, not
only above the first `---` (a reviewer may quote a spec between dashes), indented (`  Acked-by:`),
between two lines of prose, glued to a list footer (cut by `loaders.mail.footers`). The text
ends at a `-- ` signature and at an inline copy of another mail (`-----Original Message-----`,
an Outlook `From:`/`Sent:` header block), whose trailers are someone else's. A reply that
itself carries a diff is read as a patch is: only the text above its first `---`, so the
trailers of a patch it forwards or proposes are not taken for the replier's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from loaders.assembly.results import TrailerUse
from loaders.assembly.threads import SeriesGroup, is_patch_message, thread_parents
from loaders.mail.footers import strip_footers
from loaders.mail.text import normalise_newlines, strip_signature
from loaders.mail.trailers import parse_trailers
from loaders.records import Message, Trailer, TrailerKind, TrailerSource

__all__ = ["REPLY_KINDS", "reply_text", "reply_trailers", "review_trailers"]

REPLY_KINDS = frozenset(
    {
        TrailerKind.REVIEWED_BY,
        TrailerKind.ACKED_BY,
        TrailerKind.TESTED_BY,
        TrailerKind.REPORTED_BY,
        TrailerKind.SUGGESTED_BY,
    }
)
_MAX_WALK = 200
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


def reply_trailers(
    messages: list[Message], groups: list[SeriesGroup]
) -> dict[str, list[TrailerUse]]:
    """Patch key -> trailers given to it by replies in this load."""
    by_key = {m.key: m for m in messages}
    patches_of_cover = {g.cover.key: [p.key for p in g.patches] for g in groups if g.cover}
    given: dict[str, list[TrailerUse]] = {}
    for message in messages:
        if is_patch_message(message):
            continue
        target = _answered_patch(message, by_key)
        if target is None:
            continue
        for trailer in review_trailers(message):
            use = _use(trailer, message, target, patches_of_cover)
            for key in patches_of_cover.get(target.key, [target.key]):
                given.setdefault(key, []).append(use)
    return given


def _answered_patch(message: Message, by_key: dict[str, Message]) -> Message | None:
    """The nearest patch or cover up the thread, tolerant of ghosts and cycles."""
    seen = {message.key}
    frontier = list(thread_parents(message))
    for parent_key in frontier[:_MAX_WALK]:
        if parent_key in seen:
            continue
        seen.add(parent_key)
        parent = by_key.get(parent_key)
        if parent is not None and is_patch_message(parent):
            return parent
    return None


def review_trailers(message: Message) -> Iterator[Trailer]:
    """The Reviewed/Acked/Tested/Reported/Suggested-by trailers a reply gives."""
    for trailer in parse_trailers(reply_text(message)):
        if trailer.kind in REPLY_KINDS and trailer.person is not None:
            yield trailer


def reply_text(message: Message) -> str:
    """The part of a reply that is the replier's own: see the module docstring."""
    if message.info.has_diff:
        return message.info.commit_message
    text = strip_signature(strip_footers(normalise_newlines(message.body)))
    copy = _INLINE_COPY.search(text)
    if copy is not None:
        text = text[: copy.start()]
    if "-by:" in text or "-By:" in text:
        text = _BY_LINE.sub(_own_paragraph, _dedent_trailers(text))
    return text


def _dedent_trailers(text: str) -> str:
    """Indented `Name-by:` lines without their indentation, unless their paragraph holds a
    `Signed-off-by:`: then it is a commit message pasted indented (a `git log` excerpt), whose
    trailers are the commit's, not the replier's."""

    def dedent(match: re.Match[str]) -> str:
        start = text.rfind("\n\n", 0, match.start())
        end = text.find("\n\n", match.end())
        paragraph = text[start + 1 : end if end >= 0 else len(text)]
        return match.group(0) if "signed-off-by:" in paragraph.lower() else ""

    return _INDENTED_BY.sub(dedent, text)


def _own_paragraph(match: re.Match[str]) -> str:
    """A trailer line between blank lines (none after it when a continuation line follows)."""
    return "\n" + match.group(1) + ("\n\n" if match.group(2) else "")


def _use(
    trailer: Trailer, reply: Message, target: Message, covers: dict[str, list[str]]
) -> TrailerUse:
    source = TrailerSource.COVER_REPLY if target.key in covers else TrailerSource.REPLY
    sender = reply.author
    person = trailer.person
    mismatch = bool(
        sender is not None
        and person is not None
        and person.email != sender.email
        and person.name.lower() != sender.name.lower()
    )
    return TrailerUse(trailer, source, reply.key, mismatch, reply.date)
