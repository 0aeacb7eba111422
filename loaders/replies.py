"""Trailers given in replies: `Reviewed-by:` sent in answer to a patch lands on that patch.

A reply's trailer goes to the patch it answers, found by walking In-Reply-To/References up
the thread; a trailer in reply to a cover letter goes to every patch of that series (as b4
does; Patchwork does not). Quoted lines are never trailers (the trailer parser skips them).
A person trailer whose address is not the sender's is kept but marked as a mismatch.
"""

from __future__ import annotations

from collections.abc import Iterator

from loaders.assembled import TrailerUse
from loaders.records import Message, Trailer, TrailerKind, TrailerSource
from loaders.threads import SeriesGroup, is_patch_message, thread_parents
from loaders.trailers import parse_trailers

__all__ = ["REPLY_KINDS", "reply_trailers"]

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
        for trailer in _review_trailers(message):
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


def _review_trailers(message: Message) -> Iterator[Trailer]:
    for trailer in parse_trailers(message.info.commit_message or message.body):
        if trailer.kind in REPLY_KINDS and trailer.person is not None:
            yield trailer


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
