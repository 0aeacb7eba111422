"""Deterministic mutations of raw messages: each takes a seeded `random.Random` and bytes.

Every mutator returns a new message; `mutate` stacks one to three of them, weighted so that
the expensive ones (a 1 MB header, 200 levels of MIME) stay rare enough for a CI run.
"""

from __future__ import annotations

import base64
import random
import re
from collections.abc import Callable, Sequence

from tests.fuzz.strategies import LINE_STARTS, NUMBERS, TOKENS

Mutator = Callable[[random.Random, bytes], bytes]

_FIELD_START = re.compile(rb"^[!-9;-~]+[ \t]*:", re.MULTILINE)

GIANT = 1 << 20  # a "giant" header is 1 MB
DEEP = 200  # levels of multipart nesting

BAD_CHARSETS = (
    "no-such-charset", "x-unknown", "utf-7", "utf-16", "utf-32", "idna", "punycode", "undefined",
    "unicode_escape", "raw_unicode_escape", "rot13", "base64", "hex", "zlib", "uu", "quopri",
    "x-mac-japanese", "iso-2022-jp", "hz", "gb18030", "cp1252", "", '"', "utf-8\x00", "ütf-8",
    "utf-8*en", "a" * 300, "us-ascii", "latin1", "../../etc/passwd", "\U0001f600",
)  # fmt: skip


def split(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """(header block, separator, body); the separator is empty when there is no blank line."""
    lf = raw.find(b"\n\n")
    crlf = raw.find(b"\r\n\r\n", 0, lf if lf >= 0 else len(raw))
    if crlf >= 0:
        return raw[:crlf], b"\r\n\r\n", raw[crlf + 4 :]
    if lf < 0:
        return raw, b"", b""
    start = lf - 1 if raw[lf - 1 : lf] == b"\r" else lf
    return raw[:start], raw[start : lf + 2], raw[lf + 2 :]


def fields(head: bytes) -> list[bytes]:
    """Header fields, each with its continuation lines, each ending without a newline."""
    starts = [m.start() for m in _FIELD_START.finditer(head)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    ends = [*starts[1:], len(head) + 1]
    return [head[a : b - 1] for a, b in zip(starts, ends, strict=True)]


def _join(items: Sequence[bytes], sep: bytes, body: bytes) -> bytes:
    return b"\n".join(items) + (sep or b"\n\n") + body


def _set_header(raw: bytes, name: bytes, value: bytes) -> bytes:
    """Replace (or add) header `name`; keeps the rest as is."""
    head, sep, body = split(raw)
    lowered = name.lower() + b":"
    items = [f for f in fields(head) if not f.lower().startswith(lowered)]
    items.insert(min(1, len(items)), name + b": " + value)
    return _join(items, sep, body)


# --- the mutators --------------------------------------------------------------------------


def truncate(rng: random.Random, raw: bytes) -> bytes:
    if len(raw) < 2:
        return raw
    return raw[: rng.randrange(1, len(raw))]


def flip_bytes(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.choice((1, 2, 8, 64))):
        if data:
            data[rng.randrange(len(data))] ^= rng.randrange(1, 256)
    return bytes(data)


def delete_headers(rng: random.Random, raw: bytes) -> bytes:
    head, sep, body = split(raw)
    items = fields(head)
    if rng.random() < 0.5:
        wanted = rng.choice((b"message-id", b"from", b"date", b"subject", b"content-type"))
        items = [f for f in items if not f.lower().startswith(wanted + b":")]
    else:
        for _ in range(rng.randint(1, max(1, len(items) // 2))):
            if items:
                items.pop(rng.randrange(len(items)))
    return _join(items, sep, body)


def duplicate_headers(rng: random.Random, raw: bytes) -> bytes:
    head, sep, body = split(raw)
    items = fields(head)
    if not items:
        return raw
    for _ in range(rng.randint(1, 3)):
        copy = rng.choice(items)
        if rng.random() < 0.5:  # a conflicting duplicate
            name = copy.split(b":", 1)[0]
            copy = (
                name
                + b": "
                + rng.choice(
                    (
                        b"<other-%d@fuzz>" % rng.randrange(10**6),
                        b"multipart/mixed; boundary=zz",
                        b"",
                    )
                )
            )
        items.insert(rng.randrange(len(items) + 1), copy)
    return _join(items, sep, body)


def giant_header(rng: random.Random, raw: bytes) -> bytes:
    head, sep, body = split(raw)
    items = fields(head)
    kind = rng.randrange(5)
    if kind == 0:  # one unfolded line
        field = b"Subject: [PATCH v2 1/2] " + b"x" * GIANT
    elif kind == 1:  # folded into many continuation lines
        field = b"References:" + b"".join(b"\n <r%d@fuzz>" % i for i in range(GIANT // 16))
    elif kind == 2:  # an address list
        field = b"From: " + b", ".join(b"N%d <n%d@x.org>" % (i, i) for i in range(GIANT // 20))
    elif kind == 3:  # many small header lines, all of one name: 65,000 *distinct* names that
        # end up in a body (a flipped byte ends the header block early) cost trailers.py ~20 s
        # of edit distances (a known slowness, reported), too slow for every run
        field = b"\n".join(b"X-Fuzz: v%d" % i for i in range(GIANT // 16))
    else:  # encoded words
        field = b"Subject: " + b" ".join([b"=?utf-8?b?w6k=?="] * (GIANT // 17))
    items.insert(rng.randrange(len(items) + 1), field)
    return _join(items, sep, body)


def deep_mime(rng: random.Random, raw: bytes) -> bytes:
    head, _, body = split(raw)
    depth = DEEP
    closed = rng.random() < 0.5
    items = [f for f in fields(head) if not f.lower().startswith((b"content-", b"mime-"))]
    items += [b"MIME-Version: 1.0", b'Content-Type: multipart/mixed; boundary="b0"']
    opening = b"".join(
        b'--b%d\nContent-Type: multipart/mixed; boundary="b%d"\n\n' % (i, i + 1)
        for i in range(depth)
    )
    inner = b"--b%d\nContent-Type: text/plain\n\n" % depth + body + b"\n"
    closing = b"".join(b"--b%d--\n" % i for i in range(depth, -1, -1)) if closed else b""
    return b"\n".join(items) + b"\n\n" + opening + inner + closing


def nul_bytes(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.choice((1, 4, 32))):
        data.insert(rng.randrange(len(data) + 1), 0)
    if rng.random() < 0.2:
        head, sep, body = split(bytes(data))
        return head.replace(b"\n", b"\x00", 1) + sep + body
    return bytes(data)


def bad_base64(rng: random.Random, raw: bytes) -> bytes:
    head, sep, body = split(raw)
    encoded = base64.encodebytes(body)
    variant = rng.randrange(4)
    if variant == 0:
        encoded = encoded[: max(1, len(encoded) - rng.randrange(1, 4))]  # cut padding
    elif variant == 1:
        at = rng.randrange(len(encoded) + 1)
        encoded = (
            encoded[:at] + rng.choice((b"!!", b"====", b"\x80\xff", b"=A", b"-_")) + encoded[at:]
        )
    elif variant == 2:
        encoded = body  # declared base64, sent plain
    else:
        encoded = encoded[: 4 * rng.randrange(len(encoded) // 4 + 1) + 1]  # 4n+1 characters
    raw = _join(fields(head), sep, encoded)
    return _set_header(raw, b"Content-Transfer-Encoding", b"base64")


def bad_qp(rng: random.Random, raw: bytes) -> bytes:
    head, sep, body = split(raw)
    junk = rng.choice((b"=ZZ", b"=\n", b"=", b"=0", b"=\r\n", b"=C3", b"=E2=82", b"=00", b"= \n"))
    at = rng.randrange(len(body) + 1)
    body = body[:at] + junk + body[at:]
    if rng.random() < 0.3:
        body += b"="
    raw = _join(fields(head), sep, body)
    return _set_header(raw, b"Content-Transfer-Encoding", b"quoted-printable")


def undeclared_8bit(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.choice((1, 8, 64))):
        at = rng.randrange(len(data) + 1)
        data[at:at] = rng.choice((b"\xe9", b"\xff\xfe", b"\xc3", b"\xe2\x82", b"\x80", b"\xc3\xa9"))
    head, sep, body = split(bytes(data))
    items = [f.replace(b"charset=", b"x-charset=") for f in fields(head)]
    return _join(items, sep, body)


def wrong_charset(rng: random.Random, raw: bytes) -> bytes:
    charset = rng.choice(BAD_CHARSETS).encode("utf-8")
    if rng.random() < 0.5:
        kind = rng.choice((b"text/plain", b"text/html", b"text/x-patch", b"TEXT/PLAIN"))
        return _set_header(raw, b"Content-Type", kind + b"; charset=" + charset)
    word = rng.choice((b"q?caf=E9_a..b", b"b?w6k=", b"b?a", b"q?=ZZ", b"b?!!!!", b"q?", b"b?"))
    name = rng.choice((b"Subject", b"From"))
    value = b"=?" + charset + b"?" + word + b"?= <a@b.example>"
    return _set_header(raw, name, value)


def broken_boundary(rng: random.Random, raw: bytes) -> bytes:
    head, _, body = split(raw)
    items = [f for f in fields(head) if not f.lower().startswith(b"content-")]
    boundary = rng.choice((b"zz", b"", b'"', b"a" * 200, b"(.*)+", b"--", b"zz zz", b"\xff"))
    declared = rng.choice((b"boundary=" + boundary, b"boundary=other", b"", b'boundary="zz'))
    items.append(b"Content-Type: multipart/mixed; " + declared)
    parts = [
        b"--" + boundary + b"\nContent-Type: text/plain\n\n" + body,
        b"--" + boundary + b"\nContent-Type: text/x-patch; name=x.patch\n"
        b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(body[:2000])[:-3],
    ]
    tail = rng.choice((b"--" + boundary + b"--\n", b"", b"--" + boundary + b"\n", b"--zz-\n"))
    if rng.random() < 0.3:
        parts.reverse()
    return b"\n".join(items) + b"\n\n" + b"preamble\n" + b"\n".join(parts) + b"\n" + tail


def encoded_words(rng: random.Random, raw: bytes) -> bytes:
    words = (
        b"=?utf-8?q?=3D=3Futf-8=3Fb=3Fa=3F=3D?=",  # decodes into another (bad) encoded word
        b"=?utf-8?b?YQ?=", b"=?UTF-8?Q?a_b?==?UTF-8?Q?c?=",
        b"=?utf-8?b?w6k=?= =?iso-8859-1?q?=E9?=",
        b"=?utf-8*en?q?x?=", b"=?utf-8?x?y?=", b"=??q?x?=", b"=?utf-8?q?" + b"=E9" * 50 + b"?=",
        b"\"=?utf-8?q?Doe,_Jane?=\"", b"=?utf-8?b?" + b"A" * 1001 + b"?=",
    )  # fmt: skip
    value = b" ".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
    name = rng.choice((b"Subject", b"From", b"Reply-To", b"X-Original-From"))
    if name != b"Subject":
        value += b" <person@example.org>"
    return _set_header(raw, name, value)


def line_endings(rng: random.Random, raw: bytes) -> bytes:
    variant = rng.randrange(3)
    if variant == 0:
        return raw.replace(b"\n", b"\r\n")
    if variant == 1:
        return raw.replace(b"\n", b"\r")
    lines = raw.split(b"\n")
    return b"".join(line + rng.choice((b"\n", b"\r\n", b"\r\r\n")) for line in lines)


def from_lines(rng: random.Random, raw: bytes) -> bytes:
    head, sep, body = split(raw)
    lines = body.split(b"\n")
    for _ in range(rng.randint(1, 4)):
        line = rng.choice((b"From here on", b">From quoted", b">>From deep", b"From ", b"From"))
        at = rng.randrange(len(lines) + 1)
        lines[at:at] = [b"", line] if rng.random() < 0.5 else [line]
    return _join(fields(head), sep, b"\n".join(lines))


def headers_only(rng: random.Random, raw: bytes) -> bytes:
    head, _, _ = split(raw)
    return head + rng.choice((b"", b"\n", b"\n\n"))


def html_body(rng: random.Random, raw: bytes) -> bytes:
    head, sep, body = split(raw)
    nasty = rng.choice(
        (
            b"<script>" + body,
            b"<p>" * 5000 + body,
            b"<style>x</style><br><div>" + body.replace(b"\n", b"<br>") + b"&amp;&#0;&#x110000;",
            b"<" + body,
        )
    )
    raw = _join(fields(head), sep, nasty)
    return _set_header(raw, b"Content-Type", b"text/html; charset=utf-8")


_DIGITS = re.compile(rb"\d+")


def huge_numbers(rng: random.Random, raw: bytes) -> bytes:
    """Blow up or bend some digit runs: 4301+ digits, superscripts, other scripts' digits."""
    runs = list(_DIGITS.finditer(raw))
    for match in sorted(
        rng.sample(runs, min(len(runs), rng.randint(1, 3))), key=lambda m: -m.start()
    ):
        digits = rng.choice((b"9" * 4301, b"1" * 20000, "\u00b2".encode(), "\u0663".encode(), b"0"))
        raw = raw[: match.start()] + digits + raw[match.end() :]
    return raw


def splice_tokens(rng: random.Random, raw: bytes) -> bytes:
    """Insert tokens the parsers look for (trailer names, diff headers, encoded words...)."""
    pool = TOKENS + NUMBERS + LINE_STARTS
    data = raw
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.choice(pool).encode("utf-8") + data[at:]
    return data


def forwarded(rng: random.Random, raw: bytes) -> bytes:
    head, _, body = split(raw)
    items = [f for f in fields(head) if not f.lower().startswith(b"content-")]
    kind = rng.choice((b"message/rfc822", b"message/partial", b"application/octet-stream"))
    items.append(b"Content-Type: multipart/mixed; boundary=fw")
    inner = b"--fw\nContent-Type: " + kind + b"\n\n" + raw + b"\n--fw--\n"
    if rng.random() < 0.5:
        inner = b"--fw\nContent-Type: text/plain\n\n" + body + b"\n" + inner
    return b"\n".join(items) + b"\n\n" + inner


# Weights: how often each mutator is picked (the costly ones rarely).
MUTATORS: tuple[tuple[Mutator, int], ...] = (
    (truncate, 10),
    (flip_bytes, 10),
    (delete_headers, 8),
    (duplicate_headers, 8),
    (giant_header, 1),
    (deep_mime, 1),
    (nul_bytes, 6),
    (bad_base64, 6),
    (bad_qp, 6),
    (undeclared_8bit, 6),
    (wrong_charset, 8),
    (broken_boundary, 6),
    (encoded_words, 6),
    (line_endings, 4),
    (from_lines, 4),
    (headers_only, 2),
    (html_body, 3),
    (forwarded, 3),
    (huge_numbers, 3),
    (splice_tokens, 8),
)


def mutate(rng: random.Random, raw: bytes) -> tuple[bytes, tuple[str, ...]]:
    """One to three stacked mutations of `raw`, and their names."""
    functions = [function for function, _ in MUTATORS]
    weights = [weight for _, weight in MUTATORS]
    chosen = rng.choices(functions, weights, k=rng.choice((1, 1, 2, 3)))
    for function in chosen:
        raw = function(rng, raw)
    return raw, tuple(function.__name__ for function in chosen)
