"""Cross-source dedupe: a digest entry and the real mail of the same patch are one message.

Digests carry no Message-ID, so a digest entry is matched to mail by what both show: the
author's address, version, RFC or not, number and total, and a title of which the digest's
(cut at a line fold) is a prefix. The mail wins: it has the Message-ID, date and thread.
"""

from __future__ import annotations

import re

from loaders.records import Message

__all__ = ["drop_digest_copies"]

_SPACES = re.compile(r"\s+")
_Key = tuple[str, int, bool, int | None, int | None]


def _key(message: Message) -> _Key | None:
    if message.author is None:
        return None
    subject = message.subject
    return (message.author.email, subject.version, subject.is_rfc, subject.number, subject.total)


def _title(message: Message) -> str:
    return _SPACES.sub(" ", message.subject.title).strip().lower()


def drop_digest_copies(messages: list[Message]) -> tuple[list[Message], int]:
    """The messages without digest entries that real mail in the same list also has."""
    mail: dict[_Key, list[str]] = {}
    for message in messages:
        key = _key(message)
        if message.source_kind != "digest" and key is not None and not message.subject.is_reply:
            mail.setdefault(key, []).append(_title(message))
    kept: list[Message] = []
    for message in messages:
        key = _key(message)
        if message.source_kind == "digest" and key is not None:
            title = _title(message)
            if any(t.startswith(title) for t in mail.get(key, ())):
                continue
        kept.append(message)
    return kept, len(messages) - len(kept)
