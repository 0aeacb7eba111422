"""Trailers given in replies: `Reviewed-by:` sent in answer to a patch lands on that patch.

A reply's trailer goes to the patch it answers, found by walking In-Reply-To/References up the
thread; a trailer in reply to a cover letter goes to every patch of that series (as b4 does;
Patchwork does not). Quoted lines are never trailers (the trailer parser skips them). A person
trailer whose address is not the sender's is kept but marked as a mismatch.

Which trailers a reply gives is read from its own text (`loaders.mail.replytext`, the rules of
issue 11, item 4) once, when it is parsed (`BodyInfo.review_trailers`); a message stored
before that was kept has them read here.
"""

from __future__ import annotations

from collections.abc import Iterator

from loaders.assembly.results import TrailerUse
from loaders.assembly.threads import SeriesGroup, is_patch_message, thread_parents
from loaders.mail import replytext
from loaders.mail.replytext import REPLY_KINDS, review_trailers_in
from loaders.records import Message, Trailer, TrailerSource

__all__ = ["REPLY_KINDS", "reply_text", "reply_trailers", "review_trailers"]

_MAX_WALK = 200


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
        trailers = _review_trailers(message)
        if not trailers:
            continue
        target = _answered_patch(message, by_key)
        if target is None:
            continue
        for trailer in trailers:
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
    yield from _review_trailers(message)


def _review_trailers(message: Message) -> tuple[Trailer, ...]:
    """Kept since parsing, else read now (a record stored before they were kept)."""
    kept = message.info.review_trailers
    return kept if kept is not None else review_trailers_in(reply_text(message))


def reply_text(message: Message) -> str:
    """The part of a reply that is the replier's own (`loaders.mail.replytext`)."""
    info = message.info
    return replytext.reply_text(message.body, info.has_diff, info.commit_message)


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
