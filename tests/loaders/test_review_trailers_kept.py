"""A reply's review trailers are read once, at parse time (`BodyInfo.review_trailers`).

What parsing keeps must be what assembly would read from the message itself, and a record
stored before the field existed (JSON without it) must still give the reply's trailers.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from loaders import recordjson
from loaders.assembly.replies import reply_text, review_trailers
from loaders.mail.message import parse_mail
from loaders.mail.replytext import review_trailers_in
from loaders.records import Message, TrailerKind
from tests.loaders.test_reply_fidelity import PATCH, _message, _names

_REPLY = (
    b"From: Rita <rita@example.net>\nSubject: Re: [PATCH] foo: fix\n"
    b"Message-ID: <r1@example.net>\nIn-Reply-To: <p1@example.com>\n"
    b"Date: Mon, 02 Mar 2026 11:00:00 +0000\n\n"
    b"> quoted\nLooks right.\n  Reviewed-by: Rita <rita@example.net>\n"
    b"Acked-by: Rita <rita@example.net>\n-- \nRita\n"
)


def _read_now(message: Message) -> tuple[object, ...]:
    """What assembly reads from the message when nothing was kept."""
    return review_trailers_in(reply_text(message))


@pytest.mark.parametrize("name", _names())
def test_kept_trailers_are_those_read_from_the_message(name: str) -> None:
    message = _message(name)
    assert message.info.review_trailers is not None
    assert message.info.review_trailers == _read_now(message)


def test_a_reply_keeps_its_trailers_and_a_patch_its_commit_message_ones() -> None:
    reply = parse_mail(_REPLY, "reply")
    kept = reply.info.review_trailers
    assert kept is not None
    assert [t.kind for t in kept] == [TrailerKind.REVIEWED_BY, TrailerKind.ACKED_BY]
    patch = parse_mail(
        b"From: Wen <wen@example.com>\nSubject: [PATCH] foo\nMessage-ID: <p1@example.com>\n\n"
        + PATCH.replace("Signed-off-by:", "Tested-by: T <t@example.org>\nSigned-off-by:").encode(),
        "patch",
    )
    assert patch.info.has_diff
    assert [t.kind for t in patch.info.review_trailers or ()] == [TrailerKind.TESTED_BY]
    assert patch.info.review_trailers == _read_now(patch)


def test_a_record_stored_without_them_reads_them_from_its_body() -> None:
    reply = parse_mail(_REPLY, "reply")
    record = json.loads(recordjson.encode(reply))
    info = record[6]  # ["BodyInfo", fields...]: the last one is review_trailers
    assert info[0] == "BodyInfo" and len(info) == len(dataclasses.fields(reply.info)) + 1
    record[6] = info[:-1]  # as an older version wrote it
    old = recordjson.decode(json.dumps(record))
    assert old.info.review_trailers is None
    assert old.body == reply.body
    assert tuple(review_trailers(old)) == reply.info.review_trailers
    assert len(tuple(review_trailers(old))) == 2
