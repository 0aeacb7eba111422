"""Write the nasty input files of `tests/fuzz/inputs/` (run: `python -m tests.fuzz.make_inputs`).

The files are committed; this script documents how each was made and rewrites them all.
`crash-*` files are minimal reproducers of crashes found by the fuzzers (see support.py's
KNOWN_CRASHES); the others must load without an exception and with counts that add up.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Callable

from tests.fuzz.support import INPUTS, SEPARATOR, mboxrd_chunks

DATE = b"Date: Mon, 3 Mar 2025 10:00:00 +0000\n"


def _msg(
    msgid: bytes, headers: bytes = b"", body: bytes = b"Body.\n", subject: bytes = b""
) -> bytes:
    subject = subject or b"[PATCH] KVM: x86: " + msgid
    return (
        b"From: Lena Fischer <lena.fischer@intel.com>\nSubject: " + subject + b"\n"
        b"Message-ID: <" + msgid + b"@fuzz.example>\n" + DATE + headers + b"\n" + body
    )


def _mbox(*messages: bytes) -> bytes:
    return b"".join(mboxrd_chunks(messages))


def _nest(depth: int, body: bytes, closed: bool) -> bytes:
    opening = b"".join(
        b'--b%d\nContent-Type: multipart/mixed; boundary="b%d"\n\n' % (i, i + 1)
        for i in range(depth)
    )
    inner = b"--b%d\nContent-Type: text/plain\n\n" % depth + body
    closing = b"".join(b"--b%d--\n" % i for i in range(depth, -1, -1)) if closed else b""
    return opening + inner + closing


def deep_mime() -> bytes:
    mime = b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b0"\n'
    return _mbox(
        _msg(b"deep200", mime, _nest(200, b"Signed-off-by: L F <l@f.org>\n", closed=True)),
        _msg(b"deep300-unclosed", mime, _nest(300, b"Inner text.\n", closed=False)),
        _msg(b"same-boundary", mime, _nest(50, b"x\n", closed=True).replace(b"--b", b"--b0")),
    )


def giant_headers() -> bytes:
    """1 MB headers of several shapes; repetitive, so that the file gzips to a few KB."""
    mb = 1 << 20
    return _mbox(
        _msg(b"giant-subject", subject=b"[PATCH v2 1/2] " + b"x" * mb),
        _msg(b"giant-refs", b"References:" + b"\n <ref@x.example>" * (mb // 17) + b"\n"),
        _msg(b"giant-lines", b"X-Fuzz: v\n" * (mb // 10)),
        b"From: " + b"N <n@x.org>, " * (mb // 13) + b"\n"
        b"Message-ID: <giant-from@fuzz.example>\n\nBody.\n",
        _msg(b"giant-words", b"X-Words: " + b"=?utf-8?b?w6k=?= " * (mb // 17) + b"\n"),
        _msg(b"giant-line-body", body=b"y" * mb),
    )


def nul_bytes() -> bytes:
    return _mbox(
        _msg(b"nul-body", body=b"before \x00 after\n\x00\x00\n"),
        _msg(b"nul-header", b"X-N\x00ul: a\x00b\nSubject: sub\x00ject\n"),
        b"From: A <a@b.example>\x00Message-ID: <nul-first-newline@fuzz.example>\n\nBody.\n",
        b"\x00" * 64,
        b"Message-ID: <nul\x00id@fuzz.example>\nFrom: \x00 <\x00@\x00>\n\n\x00\n",
    )


def bad_encodings() -> bytes:
    b64 = b"Content-Transfer-Encoding: base64\n"
    qp = b"Content-Transfer-Encoding: quoted-printable\n"
    good = base64.encodebytes(b"Reviewed-by: Raj Iyer <raj.iyer@google.com>\n")
    return _mbox(
        _msg(b"b64-4n1", b64, good[:-3] + b"A\n"),
        _msg(b"b64-junk", b64, b"!!!!" + good + b"====\n\xff\xfe"),
        _msg(b"b64-plain", b64, b"This was never base64.\n"),
        _msg(b"qp-bad", qp, b"=ZZ =0 =\n=C3=\n=A9 caf=E9 trailing=\n="),
        _msg(b"undeclared-8bit", b"X-Name: \xe9\xff\n", b"caf\xe9 \xff\xfe \xc3\n"),
        _msg(b"utf8-subject", subject=b"[PATCH] caf\xc3\xa9 \xe2\x82 cut"),
        _msg(b"charset-none", b"Content-Type: text/plain; charset=no-such-charset\n", b"\xe9\n"),
        _msg(b"charset-base64", b"Content-Type: text/plain; charset=base64\n", b"x\n"),
        _msg(b"charset-utf7", b"Content-Type: text/plain; charset=utf-7\n", b"+AGE- \xff +\n"),
        _msg(b"charset-idna", b"Content-Type: text/plain; charset=idna\n", b"a..b " + b"x" * 80),
        _msg(b"charset-utf16", b"Content-Type: text/plain; charset=utf-16\n", b"\xff\xfe\x00"),
        _msg(b"charset-nul", b'Content-Type: text/plain; charset="utf-8\x00"\n', b"x\n"),
        _msg(b"charset-long", b"Content-Type: text/plain; charset=" + b"a" * 300 + b"\n"),
        _msg(b"words", subject=b"=?x-unknown?q?a?= =?utf-8?b?!!?= =?utf-8?q?=ZZ?= =?utf-8?x?y?="),
        _msg(b"words-from", b"Reply-To: =?utf-8?q?=E9?= <r@x.org>\n", subject=b"=??q?x?="),
    )


def broken_mime() -> bytes:
    mixed = b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=zz\n"
    part = b"--zz\nContent-Type: text/plain\n\nText part.\n"
    patch = (
        b"--zz\nContent-Type: text/x-patch; name=x.patch\nContent-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(b"diff --git a/x b/x\n")[:-3]
        + b"\n"
    )
    return _mbox(
        _msg(b"no-boundary-param", b"Content-Type: multipart/mixed\n", part),
        _msg(b"boundary-absent", mixed, b"Preamble only, no parts.\n"),
        _msg(b"unterminated", mixed, part + patch),
        _msg(b"empty-boundary", b'Content-Type: multipart/mixed; boundary=""\n', b"--\n\nx\n"),
        _msg(b"unbalanced-quote", b'Content-Type: multipart/mixed; boundary="zz\n', part),
        _msg(b"attached-rfc822", mixed, b"--zz\nContent-Type: message/rfc822\n\n\xff\x00garbage\n"),
        _msg(b"html-only", b"Content-Type: text/html\n", b"<script>x<p>" * 100 + b"&#0;&#x110000;"),
        _msg(b"multipart-text", b"Content-Type: multipart/alternative\n", b"no boundary at all\n"),
        _msg(b"octet-stream", b"Content-Type: application/octet-stream\n", b"\x00\x01\x02\n"),
        _msg(b"regex-boundary", b"Content-Type: multipart/mixed; boundary=(.*)+\n", b"--(.*)+\n"),
    )


def line_endings() -> bytes:
    crlf = _msg(b"crlf").replace(b"\n", b"\r\n")
    cr = _msg(b"cr-only").replace(b"\n", b"\r")
    mixed = _msg(b"mixed", body=b"a\r\nb\rc\n\r\nd\n")
    # The separators themselves with CRLF blank lines, as written by some Windows tools.
    return (
        SEPARATOR + crlf + b"\r\n" + SEPARATOR.replace(b"\n", b"\r\n") + mixed + b"\r\n" + _mbox(cr)
    )


def mboxo_from_lines() -> bytes:
    """An mboxo file: a body line `From ...` after a blank line was not escaped, so the
    splitter (rightly, for the format) sees a second message: 2 messages read."""
    body = b"Text.\n\nFrom the changelog: nothing escaped here.\n>From quoted.\n"
    return SEPARATOR + _msg(b"mboxo", body=body) + b"\n"


def truncated() -> bytes:
    return _mbox(
        _msg(b"ok"),
        b"From: Cut <cut@x.org>\nMessage-ID: <cut@fuzz.example>\nSubj",
        b"From: NoBody <nobody@x.org>\nMessage-ID: <headers-only@fuzz.example>\n",
        b"only a body line, no headers at all\n",
        b": no header name\n\nbody\n",
        b"Message-ID: <unclosed@fuzz.example\nIn-Reply-To: <\nReferences: <<<>>>\n\nx\n",
    )


def duplicates() -> bytes:
    same = _msg(b"dup")
    no_id = b"From: A <a@b.example>\nSubject: no id\n\nSame bytes, same synthetic key.\n"
    return _mbox(
        same,
        same,
        _msg(b"dup", body=b"Different body, same Message-ID.\n"),
        _msg(b"DUP"),  # Message-IDs are case sensitive: not a duplicate
        b"Message-ID: < dup @fuzz.example >\nFrom: A <a@b.example>\n\nSpaces inside.\n",
        no_id,
        no_id,
        b"Message-ID: <>\nFrom: A <a@b.example>\n\nEmpty id.\n",
    )


def dates() -> bytes:
    values = (
        b"Mon, 3 Mar 0 10:00:00 +0000",
        b"Mon, 3 Mar 99999 10:00:00 +0000",
        b"Mon, 3 Mar 2025 10:00:00 +9999",
        b"Mon, 30 Feb 2025 10:00:00 +0000",
        b"Mon, 3 Mar 2025 99:99:99 +0000",
        b"yesterday",
        b"Mon, 3 Mar 2025 10:00:00 -1400 (a comment (nested))",
        b"3 Mar 2025 10:00 \xd9\xa3",
        b"Mon, 3 Mar " + b"9" * 5000 + b" 10:00:00 +0000",
        b"Mon, 1 Jan 0001 00:00:00 +1200",
        b"Fri, 31 Dec 9999 23:59:59 -1200",
        b"",
    )
    return _mbox(
        *(
            b"From: A <a@b.example>\nMessage-ID: <date%d@fuzz.example>\nDate: %s\n\nx\n" % (i, v)
            for i, v in enumerate(values)
        )
    )


def dmarc() -> bytes:
    via = b"From: Jane Doe via KVM <kvm@vger.kernel.org>\n"
    return _mbox(
        b"%sMessage-ID: <via1@fuzz.example>\n\nNo original address anywhere.\n" % via,
        b"%sReply-To: a@x.org, b@y.org\nMessage-ID: <via2@fuzz.example>\n\nTwo.\n" % via,
        b"%sX-Original-From: nobody\nMessage-ID: <via3@fuzz.example>\n\nBad orig.\n" % via,
        b"From: via via via <v@x.org>\nMessage-ID: <via4@fuzz.example>\n\nx\n",
        b'From: "" <>\nMessage-ID: <via5@fuzz.example>\n\nx\n',
        b"From: <<<@>>>\nMessage-ID: <via6@fuzz.example>\n\nx\n",
    )


def single_message() -> bytes:
    """A lone `.eml` (no separator) with a body that has everything."""
    body = (
        b"From: =?utf-8?q?Ren=C3=A9?= <rene@x.org>\n\nCommit message.\n\n"
        b"Signed-off-by: \n"
        b"Reviewed-by: <> # comment\nAcked-by: x@ (Name\nTested-by: [a@b] [c]\n"
        b"Reviwed-by: Typo Person <typo@x.org>\nCc: <a@b>, <c@d>\n"
        b'Fixes: 123456789012 ("\nLink: //not-a-url\n---\n'
        b" a/b.c | 99999999999999999999 ++++\n x | Bin\n {a => b}/c | 2 +-\n"
        b" 0 files changed\n\n[1] \n[2]: https://\n[999] https://lore.kernel.org/all/%zz@x/\n"
        b"Changes from v2 [999]\nbased on kvm/next.\nbase-commit: zz\nchange-id: \n"
        b"prerequisite-message-id: \nprerequisite-change-id: x:v\nDepends-on: \n\n"
        b"Jane Doe (0):\n  \n\n"
        b'diff --git a/"q" b/"q"\n--- /dev/null\n+++ /dev/null\n@@ -0,0 +0,0 @@\n'
        b"@@ -1,99999999 +1 @@\n-\n+\n\\ No newline\nGIT binary patch\n-- \n"
    )
    return _msg(b"single", body=body)


def nasty_digest() -> bytes:
    return (
        b"From 1111111aa to 2222222bb\nKVM mailing list update from 1111111aa to 2222222bb\n\n"
        b"      x intel.com\n      5 \n      3 <a@b>\n      2  Name Only\n"
        b"      1  =?utf-8?q?R=C3=A9?= <r@x.org>\n\n"
        b"===== Patch Commit Messages ====\n\n"
        b"New:  no subject line and no author\n\n"
        + b"-" * 70
        + b"\nNew:\n[PATCH v] x\nAuthor: \n\n"
        + b"-" * 70
        + b"\nNew:  empty body\n[PATCH] empty\nAuthor: A <a@b.example>\n"
        + b"-" * 70
        + b"\nNew:  cut at end of file\n[PATCH 1/0] cut\nAuthor: B <b@b.example>\n\nText"
    )


# --- known gaps: the counts do not add up (GAPS in test_inputs.py) ---------------------


def gap_digest_lookalike() -> bytes:
    """An mbox whose first message's subject mentions a digest was detected as a digest:
    its two messages were neither loaded nor skipped (fixed in detect.py)."""
    first = (
        b"From: A <a@b.example>\nMessage-ID: <1@fuzz.example>\n"
        b"Subject: Re: KVM mailing list update from 810a535b1 to 2da7ebe7a\n\nThanks.\n"
    )
    return _mbox(first, _msg(b"second"))


def gap_blank_message() -> bytes:
    """An mbox entry with an empty message: the splitter drops it without a skip reason."""
    return _mbox(_msg(b"before")) + SEPARATOR + b"\n\n" + _mbox(_msg(b"after"))


# --- crash reproducers (support.KNOWN_CRASHES) ------------------------------------------

DIGITS = b"9" * 4301  # one past int()'s default limit of 4300 digits


def crash_int_digits_subject() -> bytes:
    return _msg(b"c1", subject=b"[PATCH v" + DIGITS + b"] x")


def crash_int_digits_diffstat_summary() -> bytes:
    return _msg(b"c2", body=b"x\n---\n " + DIGITS + b" files changed\n")


def crash_int_digits_hunk_header() -> bytes:
    return _msg(b"c3", body=b"diff --git a/x b/x\n@@ -1," + DIGITS + b" +1 @@\n")


def crash_int_digits_footnote_version() -> bytes:
    return _msg(b"c4", body=b"x\n\n[1] v" + DIGITS + b": https://lore.kernel.org/all/a@b/\n")


def crash_int_digits_cited_version() -> bytes:
    body = b"Changes from v" + DIGITS + b" [1]\n\n[1] https://lore.kernel.org/all/a@b/\n"
    return _msg(b"c5", body=body)


def crash_int_digits_digest_tally() -> bytes:
    head = b"KVM mailing list update from a to b\n\n " + DIGITS + b" intel.com\n\n"
    return head + b"===== Patch Commit Messages ====\n"


def crash_isdigit_shortlog() -> bytes:
    return _msg(b"c6", body=b"Cover letter.\n\nJane Doe (\xc2\xb2):\n  KVM: x86: Title\n")


def crash_isdigit_prerequisite_change_id() -> bytes:
    return _msg(b"c7", body=b"x\n\nprerequisite-change-id: 20250101-topic:v\xc2\xb2\n")


def crash_rfc2047_trailer() -> bytes:
    return _msg(b"c8", body=b"x\n\nSigned-off-by: =?utf-8?b?a?= <a@b.example>\n")


def crash_rfc2047_from_header() -> bytes:
    """The From header decodes (RFC 2047) into a name that is itself a bad encoded word."""
    raw = _msg(b"c9")
    return raw.replace(b"From: Lena Fischer", b"From: =?utf-8?q?=3D=3Futf-8=3Fb=3Fa=3F=3D?=", 1)


def crash_rfc2047_charset_from_line() -> bytes:
    """A body `From:` line (the real author) whose encoded word names a non-ASCII charset."""
    return _msg(b"c12", body="From: =?\u00e9?q?x?= <a@b.example>\n\nBody.\n".encode())


def crash_rfc2047_charset_trailer() -> bytes:
    return _msg(b"c13", body="x\n\nSigned-off-by: =?\u00e9?q?x?= <a@b.example>\n".encode())


def crash_charset_undefined_body() -> bytes:
    return _msg(b"c10", b"Content-Type: text/plain; charset=undefined\n", b"x\n")


def crash_charset_punycode_subject() -> bytes:
    return _msg(b"c11", subject=b"=?punycode?q?a..b?=")


FILES: dict[str, Callable[[], bytes]] = {
    "deep-mime.mbox": deep_mime,
    "giant-headers.mbox.gz": giant_headers,
    "nul-bytes.mbox": nul_bytes,
    "bad-encodings.mbox": bad_encodings,
    "broken-mime.mbox": broken_mime,
    "line-endings.mbox": line_endings,
    "mboxo-from-lines.mbox": mboxo_from_lines,
    "truncated.mbox": truncated,
    "duplicates.mbox": duplicates,
    "dates.mbox": dates,
    "dmarc.mbox": dmarc,
    "single-message.eml": single_message,
    "nasty-digest.txt": nasty_digest,
    "gap-digest-lookalike.mbox": gap_digest_lookalike,
    "gap-blank-message.mbox": gap_blank_message,
    "crash-int-digits-subject.eml": crash_int_digits_subject,
    "crash-int-digits-diffstat-summary.eml": crash_int_digits_diffstat_summary,
    "crash-int-digits-hunk-header.eml": crash_int_digits_hunk_header,
    "crash-int-digits-footnote-version.eml": crash_int_digits_footnote_version,
    "crash-int-digits-cited-version.eml": crash_int_digits_cited_version,
    "crash-int-digits-digest-tally.txt": crash_int_digits_digest_tally,
    "crash-isdigit-shortlog.eml": crash_isdigit_shortlog,
    "crash-isdigit-prerequisite-change-id.eml": crash_isdigit_prerequisite_change_id,
    "crash-rfc2047-trailer.eml": crash_rfc2047_trailer,
    "crash-rfc2047-from-header.eml": crash_rfc2047_from_header,
    "crash-rfc2047-charset-from-line.eml": crash_rfc2047_charset_from_line,
    "crash-rfc2047-charset-trailer.eml": crash_rfc2047_charset_trailer,
    "crash-charset-undefined-body.eml": crash_charset_undefined_body,
    "crash-charset-punycode-subject.eml": crash_charset_punycode_subject,
}


def main() -> None:
    INPUTS.mkdir(exist_ok=True)
    for name, build in FILES.items():
        data = build()
        if name.endswith(".gz"):
            data = gzip.compress(data, mtime=0)
        (INPUTS / name).write_bytes(data)
        print(f"{name}: {len(data):,} bytes")


if __name__ == "__main__":
    main()
