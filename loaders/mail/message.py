"""Parse one raw RFC 822 message into a `records.Message`.

Why not just `email.message_from_bytes`: the stdlib parser builds a full header list, a
`Message` tree and decodes every header, which costs more than this project's whole per-message
budget (BENCHMARKS.md, section 1). Almost all list traffic is a single `text/plain` part, so
the fast path splits headers from body on bytes, pulls out only the dozen headers the graph
uses with one regex, and decodes the body itself (7bit, 8bit, quoted-printable or base64, all
single-part). Only MIME containers (multipart, message/*, non-text parts) go through the
stdlib, with `compat32`, the cheapest policy (`loaders.mail.mime`).

Malformed input never raises: each problem becomes a short reason in `Message.defects`.
"""

from __future__ import annotations

import binascii
import dataclasses
import hashlib
import itertools
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_tz

from loaders.identity.addresses import normalise_name, parse_address
from loaders.mail.body import parse_body
from loaders.mail.mime import MAX_EXTRA_FILES, decode_charset, html_to_text, mime_text
from loaders.mail.replytext import review_trailers_in
from loaders.mail.subject import parse_subject
from loaders.records import Address, BodyInfo, FileChange, Message

__all__ = ["MAX_BODY_BYTES", "parse_mail"]

#: Body text kept per message; the rest is only scanned for `diff --git` file names.
MAX_BODY_BYTES = 4 * 1024 * 1024

# List-Id is left out on purpose: a cross-posted copy carries the delivering list's id, so it
# says nothing about the message, and `Message` has no field for it.
_WANTED = (
    "message-id|in-reply-to|references|from|subject|date|content-type"
    "|content-transfer-encoding|x-original-from|reply-to"
)
# Anchored on a newline literal (the header block gets one prepended) so the regex engine
# can skip quickly between line starts; the lookahead on the names' first letters rejects
# most lines in one step instead of trying each name. Continuation lines start with a
# space or tab.
_FIRST_LETTERS = "".join(sorted({name[0] + name[0].upper() for name in _WANTED.split("|")}))
_HEADER = re.compile(
    rb"\n(?=[" + _FIRST_LETTERS.encode() + rb"])(" + _WANTED.encode() + rb")[ \t]*:"
    rb"([^\n]*(?:\n[ \t][^\n]*)*)",
    re.IGNORECASE,
)
_FIRST_LINE_IS_HEADER = re.compile(rb"[!-9;-~]+[ \t]*:")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_ANGLE = re.compile(r"<([^<>]*)>")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)
_VIA = re.compile(r"^(.*?)\s+via\s+\S.*$", re.IGNORECASE | re.DOTALL)
_DIFF_GIT = re.compile(rb"\ndiff --git a/(\S+) b/(\S+)")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_SIMPLE_CTE = frozenset({"", "7bit", "8bit", "binary", "quoted-printable", "base64"})
_MAX_ZONE_SECONDS = 14 * 3600  # real zones run from -12:00 to +14:00
# The usual Date: optional `Day,` (one or two spaces after it), `D Mon YYYY HH:MM:SS +HHMM`,
# an optional `(comment)` that `parsedate_tz` ignores. Four-digit years only (it shifts short
# ones).
_PLAIN_DATE = re.compile(
    r"(?:[A-Za-z]+,  ?)?([0-9]{1,2}) ([A-Za-z]{3}) ([1-9][0-9]{3}) "
    r"([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})(?: \([A-Za-z0-9 +:-]*\))?"
    r"\Z"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def parse_mail(raw: bytes, origin: str, *, max_body: int = MAX_BODY_BYTES) -> Message:
    """Parse `raw` (one RFC 822 message) into a Message; problems go to `defects`."""
    defects: list[str] = []
    if b"\x00" in raw:
        defects.append("NUL bytes")
    headers, body_start = _split_headers(raw, defects)
    message_id = _message_id(headers.get("message-id", ""))
    if message_id is None:
        defects.append("no Message-ID")
    references = _msgids(headers.get("references", ""))
    reply_to_ids = _msgids(headers.get("in-reply-to", ""))
    text, extra_files = _body_text(raw, body_start, headers, max_body, defects)
    info = parse_body(text)
    if extra_files:
        info = _with_files(info, extra_files)
    author = _author(headers, defects)
    if info.from_override is not None:
        author = info.from_override
    return Message(
        key=message_id or _synthetic_key(raw),
        origin=origin,
        subject=parse_subject(headers.get("subject", "")),
        author=author,
        body=text,
        info=info,
        message_id=message_id,
        date=_date(headers.get("date", ""), defects),
        in_reply_to=reply_to_ids[0] if reply_to_ids else None,
        references=references,
        source_kind="mail",
        defects=tuple(dict.fromkeys(defects)),
    )


# --- headers ---------------------------------------------------------------------------


def _split_headers(raw: bytes, defects: list[str]) -> tuple[dict[str, str], int]:
    """Decoded wanted headers (first occurrence wins) and the offset where the body starts."""
    start = 0
    if raw.startswith(b"From "):  # an mbox separator line left in front
        start = raw.find(b"\n") + 1 or len(raw)
    if not _FIRST_LINE_IS_HEADER.match(raw, start):
        defects.append("no headers")
        return {}, start
    end, body_start = _header_end(raw, start)
    if end < 0:
        cut = not raw.endswith(b"\n")
        defects.append("truncated: header cut mid-line" if cut else "truncated: no body")
        end = body_start = len(raw)
    block = b"\n" + raw[start:end]
    headers: dict[str, str] = {}
    for match in _HEADER.finditer(block):
        name = match.group(1).lower().decode("ascii")
        if name not in headers:
            headers[name] = _header_text(match.group(2), name, defects)
    return headers, body_start


def _header_end(raw: bytes, start: int) -> tuple[int, int]:
    """(end of header block, start of body) at the first blank line, LF or CRLF; -1 if none."""
    lf = raw.find(b"\n\n", start)
    end = lf + 2 if lf >= 0 else len(raw)
    # A lone byte is found with memchr: look for CRLF only where a CR occurs at all.
    crlf = raw.find(b"\n\r\n", start, end) if raw.find(b"\r", start, end) >= 0 else -1
    if crlf >= 0 and (lf < 0 or crlf < lf):
        return crlf, crlf + 3
    if lf >= 0:
        return lf, lf + 2
    return -1, -1


def _header_text(value: bytes, name: str, defects: list[str]) -> str:
    """Unfold, decode raw 8-bit text (utf-8, else latin-1) and RFC 2047 encoded words."""
    try:
        text = value.decode("ascii")
    except UnicodeError:  # UnicodeDecodeError, and the bare parent some codecs raise
        try:
            text = value.decode("utf-8")
        except UnicodeError:  # UnicodeDecodeError, and the bare parent some codecs raise
            text = value.decode("latin-1")
            defects.append(f"undecodable bytes in {name}")
    if "\n" in text:  # unfold: drop each LF and a CR right before it (as `\r?\n` would)
        text = text.replace("\r\n", "").replace("\n", "")  # 10x a regex sub on References
    if "\x00" in text:
        text = text.replace("\x00", "")
    text = text.strip()
    if "=?" in text:
        text = _decode_words(text, name, defects)
    return text


def _decode_words(text: str, name: str, defects: list[str]) -> str:
    """RFC 2047, tolerantly.

    Hand-written rather than `email.header.make_header(decode_header(...))`: the stdlib raises
    on raw 8-bit text mixed with encoded words and on unknown charsets, and silently drops bad
    base64. Adjacent words are joined before decoding because mailers split multi-byte
    characters across them.
    """
    out: list[str] = []
    pending = bytearray()
    pending_charset = ""
    seen_word = False
    pos = 0
    for match in _ENCODED_WORD.finditer(text):
        gap = text[pos : match.start()]
        charset = match.group(1).split("*", 1)[0].lower()
        between_words = seen_word and (not gap or gap.isspace())
        if not between_words or charset != pending_charset:
            out.append(decode_charset(bytes(pending), pending_charset, name, defects))
            pending.clear()
        if not between_words:
            out.append(gap)
        pending_charset = charset
        pending += _word_bytes(match.group(2), match.group(3), name, defects)
        seen_word = True
        pos = match.end()
    out.append(decode_charset(bytes(pending), pending_charset, name, defects))
    out.append(text[pos:])
    return "".join(out)


def _word_bytes(encoding: str, payload: str, name: str, defects: list[str]) -> bytes:
    data = payload.encode("ascii", "replace")
    if encoding in "qQ":
        return binascii.a2b_qp(data, header=True)
    decoded, bad = _base64(data)
    if bad:
        defects.append(f"bad base64 in {name}")
    return decoded


def _message_id(value: str) -> str | None:
    """The msgid without `<>` and whitespace, case kept; None when there is none."""
    ids = _msgids(value)
    return ids[0] if ids else None


def _msgids(value: str) -> tuple[str, ...]:
    """Every `<msgid>` in order (duplicates dropped); bare `a@b` tokens when no brackets."""
    if not value:
        return ()
    if "<" in value:  # an unclosed `<...` (a cut header) is not an id
        candidates = ["".join(item.split()) for item in _ANGLE.findall(value)]
    else:
        tokens = value.split()
        candidates = [t.strip("<>") for t in tokens if "@" in t] or tokens[:1]
    return tuple(dict.fromkeys(c for c in candidates if c))


def _synthetic_key(raw: bytes) -> str:
    return "synthetic:" + hashlib.sha1(raw, usedforsecurity=False).hexdigest()[:16]


# --- author and date -------------------------------------------------------------------


def _author(headers: dict[str, str], defects: list[str]) -> Address | None:
    """The From person, undoing DMARC munging (`Name via List <list@...>`)."""
    text = headers.get("from", "")
    if not text:
        defects.append("no From")
        return None
    address = parse_address(text)
    if address is None:
        defects.append("unparsable From")
        return None
    via = _VIA.match(_display_name(text))
    if via is None:
        return address
    original = parse_address(headers.get("x-original-from", ""))
    if original is not None:
        return original
    name = normalise_name(via.group(1).strip().strip("'\"").strip())
    reply_to = headers.get("reply-to", "")
    person = parse_address(reply_to) if reply_to.count("@") == 1 else None
    if person is not None and person.email != address.email:
        return Address(name=name or person.name, email=person.email, raw=text)
    defects.append("DMARC-munged From without the original address")
    return Address(name=name, email=address.email, raw=text)


def _display_name(text: str) -> str:
    """The part of an address before `<`, unquoted (where `via` munging shows)."""
    name = text.rsplit("<", 1)[0] if "<" in text else ""
    return name.strip().strip('"').strip()


def _date(text: str, defects: list[str]) -> datetime | None:
    """A UTC datetime; unknown or missing zones are UTC, impossible values are None."""
    if not text:
        defects.append("no Date")
        return None
    parts = _plain_date(text) or _stdlib_date(text)
    if parts is None:
        defects.append("unparsable Date")
        return None
    offset = parts[6]
    if abs(offset) > _MAX_ZONE_SECONDS:
        defects.append("bogus time zone in Date")
        offset = 0
    try:
        local = datetime(*parts[:6], tzinfo=UTC)
        return local - timedelta(seconds=offset)
    except (ValueError, OverflowError):
        defects.append("impossible Date")
        return None


_DateParts = tuple[int, int, int, int, int, int, int]  # year .. second, zone offset in seconds


def _plain_date(text: str) -> _DateParts | None:
    """`Tue, 3 Mar 2026 11:00:00 +0100 (CET)` (nearly every Date) read by one regex, as
    `parsedate_tz` reads it; None for any other shape, which the stdlib then reads."""
    match = _PLAIN_DATE.match(text)
    month = _MONTHS.get(match.group(2).lower(), 0) if match is not None else 0
    if match is None or not month:
        return None
    day, _, year, hour, minute, second, sign, zone_hours, zone_minutes = match.groups()
    offset = int(zone_hours) * 3600 + int(zone_minutes) * 60
    return (
        int(year),
        month,
        int(day),
        int(hour),
        int(minute),
        int(second),
        -offset if sign == "-" else offset,
    )


def _stdlib_date(text: str) -> _DateParts | None:
    """`parsedate_tz`'s reading (a missing zone is UTC); None when it cannot read the text."""
    try:
        parts = parsedate_tz(text)
    except (ValueError, IndexError, TypeError):
        return None
    if parts is None:
        return None
    year, month, day, hour, minute, second = parts[:6]
    return year, month, day, hour, minute, second, parts[9] or 0


# --- body ------------------------------------------------------------------------------


def _body_text(
    raw: bytes, start: int, headers: dict[str, str], max_body: int, defects: list[str]
) -> tuple[str, tuple[FileChange, ...]]:
    """The body as text, capped at `max_body` bytes, plus diff files seen beyond the cap."""
    ctype = headers.get("content-type", "")
    kind = ctype.split(";", 1)[0].strip().lower()
    cte = headers.get("content-transfer-encoding", "").strip().lower()
    if (kind.startswith("text/") or not kind) and cte in _SIMPLE_CTE:
        data = _transfer_decode(memoryview(raw)[start:], cte, defects)
        text, extra = _capped_text(data, _charset(ctype), max_body, defects)
        return (html_to_text(text) if kind == "text/html" else text), extra
    try:
        return mime_text(raw, max_body, defects)
    except Exception as exc:  # the stdlib parser is lenient, but hostile MIME can still trip it
        defects.append(f"MIME parse failed: {type(exc).__name__}")
        text, extra = _capped_text(memoryview(raw)[start:], "", max_body, defects)
        return text, extra


def _charset(ctype: str) -> str:
    match = _CHARSET.search(ctype)
    return match.group(1).lower() if match else ""


def _transfer_decode(data: memoryview, cte: str, defects: list[str]) -> bytes | memoryview:
    """Undo quoted-printable or base64; other encodings pass through without a copy."""
    if cte == "quoted-printable":
        return binascii.a2b_qp(data)
    if cte == "base64":
        decoded, bad = _base64(bytes(data))
        if bad:
            defects.append("bad base64")
        return decoded
    return data


def _base64(data: bytes) -> tuple[bytes, bool]:
    """Decode base64 strictly when possible, else leniently; the flag says it was bad."""
    compact = b"".join(data.split())
    try:
        return binascii.a2b_base64(compact, strict_mode=True), False
    except binascii.Error:
        cleaned = _NOT_BASE64.sub(b"", compact.split(b"=", 1)[0])
        cleaned = cleaned[: len(cleaned) - (len(cleaned) % 4 == 1)]
        return binascii.a2b_base64(cleaned + b"=" * (-len(cleaned) % 4)), True


def _capped_text(
    data: bytes | memoryview, charset: str, max_body: int, defects: list[str]
) -> tuple[str, tuple[FileChange, ...]]:
    """Decode at most `max_body` bytes (cut at a line end); list diff files in the rest."""
    extra: tuple[FileChange, ...] = ()
    if len(data) > max_body:
        cut = bytes(data[:max_body]).rfind(b"\n") + 1 or max_body
        extra = tuple(
            FileChange(path=m.group(2).decode("utf-8", "replace"))
            for m in itertools.islice(_DIFF_GIT.finditer(data, cut - 1), MAX_EXTRA_FILES)
        )
        defects.append(f"body truncated at {cut} bytes")
        data = data[:cut]
    text = decode_charset(bytes(data), charset, "body", defects)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text, extra


def _with_files(info: BodyInfo, extra: tuple[FileChange, ...]) -> BodyInfo:
    """Add diff files found past the body cap to those parse_body saw (a diff makes the
    commit message the text a reply's trailers are read from)."""
    known = {change.path for change in info.diff_files}
    new = tuple(change for change in extra if change.path not in known)
    review = info.review_trailers if info.has_diff else review_trailers_in(info.commit_message)
    return dataclasses.replace(
        info,
        diff_files=info.diff_files + tuple(dict.fromkeys(new)),
        has_diff=True,
        review_trailers=review,
    )
