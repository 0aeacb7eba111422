"""parse_mail: golden fixtures, header edge cases, defects, a giant message, the real corpus.

Golden files: `tests/fixtures/mail/<name>.eml` next to `<name>.expected.json`. After an
intended change, regenerate them with `UPDATE_GOLDEN=1 pytest tests/loaders/test_mail.py`
and review the diff.
"""

from __future__ import annotations

import json
import os
import tracemalloc
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from loaders.mail.message import parse_mail
from loaders.records import Message
from loaders.sources.mbox import iter_messages
from tests.conftest import FIXTURES, corpus_file

MAIL = FIXTURES / "mail"
GOLDEN = sorted(MAIL.glob("*.eml"))


def summary(message: Message) -> dict[str, Any]:
    """The fields parse_mail itself decides, as JSON-ready values."""
    author = message.author
    return {
        "key": message.key,
        "message_id": message.message_id,
        "in_reply_to": message.in_reply_to,
        "references": list(message.references),
        "subject": message.subject.raw,
        "author": [author.name, author.email] if author else None,
        "date": message.date.isoformat() if message.date else None,
        "defects": list(message.defects),
        "diff_files": [change.path for change in message.info.diff_files],
        "body": message.body,
    }


def parse_fixture(name: str) -> Message:
    return parse_mail((MAIL / name).read_bytes(), name)


def headers_mail(headers: str, body: str = "Body.\n") -> bytes:
    base = "From: A Person <a.person@example.com>\nMessage-ID: <m@example.com>\n"
    return (base + headers + "\n" + body).encode()


# --- golden --------------------------------------------------------------------------


@pytest.mark.parametrize("path", GOLDEN, ids=[path.stem for path in GOLDEN])
def test_golden(path: Path) -> None:
    got = summary(parse_mail(path.read_bytes(), path.name))
    expected_path = path.with_suffix(".expected.json")
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected_path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    assert got == json.loads(expected_path.read_text())


def test_every_fixture_has_a_golden_file() -> None:
    assert len(GOLDEN) >= 15
    assert all(path.with_suffix(".expected.json").exists() for path in GOLDEN)


# --- what the golden files pin down, said explicitly --------------------------------------


def test_plain_mail() -> None:
    message = parse_fixture("plain.eml")
    assert message.key == "20250114100209.12345-2-Alice.Example@intel.com"  # case kept
    assert message.source_kind == "mail"
    assert message.subject.version == 2 and message.subject.number == 1
    assert "  " not in message.subject.raw and "\n" not in message.subject.raw  # unfolded
    assert message.author is not None and message.author.email == "alice.example@intel.com"
    assert message.date == datetime(2025, 1, 14, 10, 2, 9, tzinfo=UTC)
    assert message.in_reply_to == "20250114100209.12345-1-alice.example@intel.com"
    assert [change.path for change in message.info.diff_files] == ["arch/x86/kvm/frob.c"]
    assert message.defects == ()


def test_rfc2047_subject_and_from() -> None:
    message = parse_fixture("rfc2047.eml")
    assert message.subject.raw == "Re: [PATCH] iommu: use the right “domain” lock"
    assert message.author is not None and message.author.name == "Jörg Rödel"
    assert message.in_reply_to == "20250110.patch.1@example.com"
    assert message.references == ("20250101.cover.0@example.com", "20250110.patch.1@example.com")


def test_quoted_printable_body_and_header() -> None:
    message = parse_fixture("qp.eml")
    assert "soft line break." in message.body and "=\n" not in message.body
    assert "café naming" in message.body
    assert message.subject.raw.endswith("Handle the café case")


def test_base64_body() -> None:
    message = parse_fixture("base64.eml")
    assert "Übung" in message.body
    paths = [change.path for change in message.info.diff_files]
    assert paths == ["tools/testing/selftests/kvm/frob_test.c"]


def test_multipart_patch_attachment_is_appended() -> None:
    message = parse_fixture("multipart_patch.eml")
    assert message.body.startswith("The gizmo refcount")
    assert "diff --git a/arch/s390/kvm/gizmo.c" in message.body
    assert "PGP SIGNATURE" not in message.body
    assert [change.path for change in message.info.diff_files] == ["arch/s390/kvm/gizmo.c"]


def test_html_only_mail_becomes_text() -> None:
    body = parse_fixture("html_only.eml").body
    assert "Does nested SVM work with AVIC & x2AVIC enabled?" in body
    assert "<" not in body.replace("<3", "") and "color: red" not in body


def test_single_part_html_becomes_text() -> None:
    raw = headers_mail("Content-Type: text/html\n", "<div>A &gt; B</div><script>x()</script>")
    assert parse_mail(raw, "t").body == "A > B\n"


def test_from_line_in_body_overrides_author() -> None:
    message = parse_fixture("from_in_body.eml")
    assert message.author is not None
    assert (message.author.name, message.author.email) == ("Real Author", "real.author@google.com")


def test_dmarc_via_uses_x_original_from() -> None:
    author = parse_fixture("dmarc_via.eml").author
    assert author is not None and (author.name, author.email) == (
        "Jane Doe",
        "jane.doe@example.com",
    )


def test_dmarc_via_without_original_uses_reply_to() -> None:
    message = parse_fixture("dmarc_replyto.eml")
    assert message.author is not None
    assert (message.author.name, message.author.email) == ("Jane Doe", "jane.doe@example.com")


def test_dmarc_via_without_any_original_address_keeps_name() -> None:
    raw = b"From: Jane Doe via Kvm-list <kvm-list@lists.example.org>\nMessage-ID: <v@x>\n\nHi\n"
    message = parse_mail(raw, "t")
    assert message.author is not None and message.author.name == "Jane Doe"
    assert message.author.email == "kvm-list@lists.example.org"
    assert "DMARC-munged From without the original address" in message.defects


def test_missing_message_id_gets_a_deterministic_synthetic_key() -> None:
    raw = (MAIL / "no_msgid.eml").read_bytes()
    first, second = parse_mail(raw, "a"), parse_mail(raw, "b")
    assert first.message_id is None and first.key == second.key
    assert first.key.startswith("synthetic:") and len(first.key) == len("synthetic:") + 16
    assert "no Message-ID" in first.defects
    assert parse_mail(raw + b"x", "c").key != first.key


def test_truncated_mid_header_keeps_what_was_read() -> None:
    message = parse_fixture("truncated.eml")
    assert message.key == "truncated-1@example.com"
    assert message.subject.title == "KVM: x86: Truncated in transit"
    assert message.references == ()  # `<truncated-0@exam` was cut: not an id
    assert message.body == ""
    assert "truncated: header cut mid-line" in message.defects


def test_headers_only_without_blank_line() -> None:
    message = parse_mail(b"Subject: x\nMessage-ID: <h@x>\n", "t")
    assert message.key == "h@x" and "truncated: no body" in message.defects


def test_nul_bytes_are_dropped_with_a_defect() -> None:
    message = parse_fixture("nul.eml")
    assert "\x00" not in message.body and "\x00" not in message.subject.raw
    assert "NUL bytes" in message.defects


def test_bad_base64_is_decoded_leniently() -> None:
    message = parse_fixture("bad_base64.eml")
    assert message.body.startswith("Hello, this is")
    assert "bad base64" in message.defects


def test_charset_fallbacks() -> None:
    assert parse_fixture("latin1.eml").body.startswith("Très bien")
    unknown = parse_fixture("charset_fallback.eml")
    assert "naïve" in unknown.body
    assert "unknown charset 'x-no-such-charset' in body" in unknown.defects
    mislabelled = parse_fixture("utf8_latin1_bytes.eml")
    assert "Grüße" in mislabelled.body and "undecodable bytes in body" in mislabelled.defects


def test_undeclared_charset_utf8_body_is_not_a_defect() -> None:
    message = parse_mail(headers_mail("Subject: x\n", "Grüße\n"), "t")
    assert message.body == "Grüße\n"
    assert not [d for d in message.defects if "body" in d]


def test_raw_utf8_and_latin1_in_headers() -> None:
    utf8 = parse_mail("From: Zoë <zoe@example.com>\nSubject: Café\n\nx\n".encode(), "t")
    assert utf8.author is not None and utf8.author.name == "Zoë"
    assert utf8.subject.raw == "Café"
    latin1 = parse_mail("Subject: Café\n\nx\n".encode("latin-1"), "t")
    assert latin1.subject.raw == "Café" and "undecodable bytes in subject" in latin1.defects


def test_crlf_mail_parses_like_lf() -> None:
    raw = (MAIL / "plain.eml").read_bytes()
    lf = summary(parse_mail(raw, "t"))
    crlf = summary(parse_mail(raw.replace(b"\n", b"\r\n"), "t"))
    assert crlf == lf


def test_mbox_separator_left_in_front_is_ignored() -> None:
    raw = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + (MAIL / "plain.eml").read_bytes()
    assert parse_mail(raw, "t").defects == ()


def test_no_headers_at_all() -> None:
    message = parse_mail(b"just some text\nwithout headers\n", "t")
    assert message.body == "just some text\nwithout headers\n"
    assert {"no headers", "no Message-ID", "no From", "no Date"} <= set(message.defects)
    assert parse_mail(b"", "t").key.startswith("synthetic:")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("In-Reply-To: <a@b> <c@d>", "a@b"),
        ("In-Reply-To: a@b", "a@b"),
        ("In-Reply-To: <a@b> (Jane's message of Mon)", "a@b"),
        ("In-Reply-To: < a@b\n >", "a@b"),
        ("In-Reply-To: ", None),
    ],
)
def test_in_reply_to(header: str, expected: str | None) -> None:
    assert parse_mail(headers_mail(header + "\n"), "t").in_reply_to == expected


def test_references_in_order_without_duplicates() -> None:
    raw = headers_mail("References: <a@x>\n\t<b@x> <a@x>\n <c@x>\n")
    assert parse_mail(raw, "t").references == ("a@x", "b@x", "c@x")


def test_first_header_occurrence_wins_and_names_ignore_case() -> None:
    raw = b"MESSAGE-ID: <first@x>\nmessage-id: <second@x>\nsubject : Spaced\n\nx\n"
    message = parse_mail(raw, "t")
    assert message.key == "first@x" and message.subject.raw == "Spaced"


@pytest.mark.parametrize(
    ("date", "expected", "defect"),
    [
        ("Tue, 14 Jan 2025 11:02:09 +0100", datetime(2025, 1, 14, 10, 2, 9, tzinfo=UTC), None),
        (
            "Tue, 14 Jan 2025 10:02:09 +0000 (UTC)",
            datetime(2025, 1, 14, 10, 2, 9, tzinfo=UTC),
            None,
        ),
        ("Tue, 14 Jan 2025 10:02:09 -0000", datetime(2025, 1, 14, 10, 2, 9, tzinfo=UTC), None),
        ("Tue, 14 Jan 2025 10:02:09", datetime(2025, 1, 14, 10, 2, 9, tzinfo=UTC), None),
        ("14 Jan 25 10:02 GMT", datetime(2025, 1, 14, 10, 2, tzinfo=UTC), None),
        (
            "Tue, 14 Jan 2025 10:02:09 +9900",
            datetime(2025, 1, 14, 10, 2, 9, tzinfo=UTC),
            "bogus time zone in Date",
        ),
        ("Fri, 14 Jan 10000 10:02:09 +0000", None, "impossible Date"),
        ("Mon, 31 Feb 2025 10:02:09 +0000", None, "impossible Date"),
        ("yesterday at noon", None, "unparsable Date"),
    ],
)
def test_dates(date: str, expected: datetime | None, defect: str | None) -> None:
    message = parse_mail(headers_mail(f"Date: {date}\n"), "t")
    assert message.date == expected
    if expected is not None:
        assert message.date is not None and message.date.utcoffset() is not None
    if defect:
        assert defect in message.defects


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),  # whitespace between words is dropped
        ("=?utf-8?b?w6k=?= plain", "é plain"),
        ("Re: =?UTF-8?B?w6k?=", "Re: é"),  # missing padding
        ("=?utf-8?b?4oCc?==?utf-8?b?4oCd?=", "“”"),
        ("=?utf-8?b?4oA=?= =?utf-8?b?nA==?=", "“"),  # one character split across two words
        ("=?x-bogus?q?abc?=", "abc"),
        ("Zoë =?utf-8?q?M=C3=BCller?=", "Zoë Müller"),
        ("=?utf-8*en?q?lang_tag?=", "lang tag"),
    ],
)
def test_encoded_words(subject: str, expected: str) -> None:
    raw = headers_mail(f"Subject: {subject}\n")
    assert parse_mail(raw, "t").subject.raw == expected


def test_multipart_signed_and_alternative() -> None:
    raw = b"""From: S <s@example.com>
Message-ID: <signed@x>
Date: Tue, 14 Jan 2025 10:02:09 +0000
MIME-Version: 1.0
Content-Type: multipart/signed; boundary="outer"; protocol="application/pgp-signature"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Plain =C3=A9dition.
--inner
Content-Type: text/html

<p>HTML edition</p>
--inner--

--outer
Content-Type: application/pgp-signature

sig
--outer--
"""
    message = parse_mail(raw, "t")
    assert message.body.strip() == "Plain \u00e9dition."
    assert message.defects == ()


def test_forwarded_message_part_is_not_the_body() -> None:
    raw = b"""From: S <s@example.com>
Message-ID: <fwd@x>
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

See below.
--b
Content-Type: message/rfc822

From: Other <other@example.com>
Subject: inner

Inner text.
--b--
"""
    assert parse_mail(raw, "t").body.strip() == "See below."


def test_patch_attachment_by_filename() -> None:
    raw = b"""From: S <s@example.com>
Message-ID: <octet@x>
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

Intro.
--b
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="fix.diff"

diff --git a/x.c b/x.c
--b--
"""
    body = parse_mail(raw, "t").body
    assert body.startswith("Intro.") and "diff --git a/x.c b/x.c" in body


def test_truncated_multipart_is_a_defect() -> None:
    raw = b"From: S <s@example.com>\nMessage-ID: <cut@x>\n"
    raw += b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nHal'
    message = parse_mail(raw, "t")
    assert message.body.startswith("Hal")
    assert "truncated or malformed multipart" in message.defects


def test_body_cap_keeps_diff_files_beyond_it() -> None:
    head = b"From: B <b@example.com>\nMessage-ID: <cap@x>\nSubject: [PATCH] big\n\nBig.\n---\n"
    diffs = b"".join(
        b"diff --git a/f%d.c b/f%d.c\n--- a/f%d.c\n+++ b/f%d.c\n@@ -1 +1 @@\n-a\n+b\n"
        % (i, i, i, i)
        for i in range(200)
    )
    message = parse_mail(head + diffs, "t", max_body=2000)
    assert len(message.body.encode()) <= 2000
    assert any(d.startswith("body truncated at") for d in message.defects)
    paths = [change.path for change in message.info.diff_files]
    assert paths == [f"f{i}.c" for i in range(200)]


def test_fifty_megabyte_message_stays_small_in_memory() -> None:
    head = b"From: B <b@example.com>\nMessage-ID: <huge@x>\nSubject: [PATCH] huge\n\nHuge.\n---\n"
    hunk = b"@@ -1,1 +1,1 @@\n" + b" unchanged context line in a very large generated file\n" * 400
    files = [b"diff --git a/g/f%d.c b/g/f%d.c\n" % (i, i) + hunk for i in range(2300)]
    raw = head + b"".join(files)
    del files
    assert len(raw) > 50_000_000
    tracemalloc.start()
    try:
        message = parse_mail(raw, "t")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < len(raw)  # well under one extra copy of the raw message
    assert len(message.info.diff_files) == 2300
    assert any(d.startswith("body truncated at") for d in message.defects)


def test_never_raises_on_garbage() -> None:
    samples = [
        b"\xff\xfe\x00garbage",
        b"Content-Type: multipart/mixed\n\nno boundary at all\n",
        b'Content-Type: multipart/mixed; boundary="x"\n\n--x\n--x--\n',
        b"Content-Type: text/plain; charset=\n\nx",
        b"Content-Transfer-Encoding: base64\n\n====\n",
        b"Content-Transfer-Encoding: x-uuencode\nContent-Type: text/plain\n\nbegin 644 x\n",
        b"Subject: =?utf-8?b?=?=\nDate: Mon, 99 Foo 2025 99:99:99 +abcd\n\n",
        b"From: <>\nReply-To: ,,,\n\n",
        b"\n\n\n",
    ]
    for raw in samples:
        assert isinstance(parse_mail(raw, "t"), Message)


# --- the real corpus ---------------------------------------------------------------------


def test_corpus_kvm_cc_parses_every_message() -> None:
    path = corpus_file("kvm-cc-2025plus.mbox.gz")
    raws = [raw for _origin, raw in iter_messages(path)]
    assert len(raws) == 9587
    messages = [parse_mail(raw, str(index)) for index, raw in enumerate(raws)]
    # Parse speed against the compat32 floor is a benchmark (bench/ingest.py), not a test.
    assert all(message.author is not None for message in messages)
    assert sum(1 for message in messages if message.message_id) == len(messages)


_USUAL_DATES = (
    "Tue, 3 Mar 2026 11:00:00 +0100",
    "Tue,  3 Mar 2026 11:00:00 -0000",
    "3 Mar 2026 11:00:00 +0530 (IST)",
    "Sun, 01 JUN 2026 23:59:59 -0700 (PDT)",
    "Mon, 31 Feb 2026 25:61:61 +9999",
)


@pytest.mark.parametrize(
    "text",
    [
        *_USUAL_DATES,
        "Sun, 1 May 0099 11:00:00 +0000",
        "Sun, 1 Foo 2026 11:00:00 +0000",
        "Tue, 3 Mar 2026 11:00:00 GMT",
        "Tue 3 Mar 2026 11:00:00 +0100",
        "3 Mar 26 11:00 +0100",
    ],
)
def test_plain_dates_read_as_the_stdlib_reads_them(text: str) -> None:
    """The regex fast path for the usual Date shape gives `parsedate_tz`'s reading, or
    declines; and a parsed message's date is the same either way."""
    from loaders.mail.message import _plain_date, _stdlib_date

    fast = _plain_date(text)
    assert fast is None or fast == _stdlib_date(text)
    if text in _USUAL_DATES:
        assert fast is not None  # the shapes nearly every mail uses stay fast
    raw = f"Message-ID: <d@x>\nFrom: A <a@x>\nDate: {text}\n\nbody\n".encode()
    message = parse_mail(raw, "t")
    if not any("Date" in defect for defect in message.defects):
        expected = parsedate_to_datetime(text)  # the stdlib's reading, apart from both paths
        if expected.tzinfo is None:  # "-0000": no zone known, read as UTC
            expected = expected.replace(tzinfo=UTC)
        assert message.date == expected.astimezone(UTC)
        assert message.date.tzinfo is UTC
