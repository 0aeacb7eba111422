"""The MIME fallback of `loaders.mail.message`: bodies of multipart and non-text mail.

Almost all list traffic is one `text/plain` part, which `message` decodes itself; what is
left (multipart containers, attachments, HTML-only mail, message/* parts) goes through the
stdlib parser here, with `compat32`, the cheapest policy. Patch attachments are appended to
the text, HTML is used only when there is no plain text, forwarded messages are skipped.
Malformed input never raises: each problem becomes a short reason in `defects`.
"""

from __future__ import annotations

import email
import html
import itertools
import re
from email.message import Message as EmailMessage
from email.policy import compat32

from loaders.records import FileChange

__all__ = ["MAX_EXTRA_FILES", "decode_charset", "html_to_text", "mime_text"]

# Files listed past the body cap: a real patch touches far fewer; hostile mail can hold millions.
MAX_EXTRA_FILES = 20_000
_DIFF_GIT_STR = re.compile(r"\ndiff --git a/(\S+) b/(\S+)")
_HTML_DROP = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_BREAK = re.compile(r"<(?:br|/p|/div|/tr|/li|/h[1-6])\b[^>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]*>")
_PATCH_TYPES = frozenset({"text/x-patch", "text/x-diff", "application/x-patch"})
_MIME_LIMIT_FACTOR = 2  # MIME messages are parsed up to this many times `max_body` bytes


def decode_charset(data: bytes, charset: str, where: str, defects: list[str]) -> str:
    """Decode with the declared charset, then utf-8, then latin-1 (which cannot fail)."""
    if not data:
        return ""
    if charset and charset not in ("utf-8", "utf8", "us-ascii", "ascii"):
        try:
            return data.decode(charset)
        except LookupError:
            defects.append(f"unknown charset {charset[:40]!r} in {where}")
        except UnicodeError:  # UnicodeDecodeError, and the bare parent some codecs raise
            defects.append(f"{where} is not valid {charset[:40]}")
    try:
        return data.decode("utf-8")
    except UnicodeError:  # UnicodeDecodeError, and the bare parent some codecs raise
        defects.append(f"undecodable bytes in {where}")
        return data.decode("latin-1")


def html_to_text(text: str) -> str:
    """Crude HTML to text: drop scripts and styles, break at block ends, strip tags."""
    text = _HTML_DROP.sub("", text)
    text = _HTML_BREAK.sub("\n", text)
    return html.unescape(_HTML_TAG.sub("", text))


# --- MIME fallback ---------------------------------------------------------------------


def mime_text(raw: bytes, max_body: int, defects: list[str]) -> tuple[str, tuple[FileChange, ...]]:
    """Body of a MIME message: its inline text/plain parts, then patch attachments.

    HTML is used only when no text/plain part exists. Forwarded messages (message/*) are
    skipped: they are someone else's mail. The stdlib parser needs several times the
    message's size in memory, so a giant MIME message is cut before parsing.
    """
    limit = max(_MIME_LIMIT_FACTOR * max_body, 1 << 20)
    if len(raw) > limit:
        defects.append(f"MIME message truncated at {limit} bytes")
        raw = raw[:limit]
    root = email.message_from_bytes(raw, policy=compat32)
    texts: list[str] = []
    patches: list[str] = []
    htmls: list[str] = []
    parts = list(_leaves(root))
    for part in parts:
        _collect(part, texts, patches, htmls, defects)
    for part in [root, *parts]:
        defects.extend(_defect_name(d) for d in part.defects)
    body = "\n".join(texts) if texts else html_to_text("\n".join(htmls))
    if patches:
        body = "\n\n".join([body.rstrip("\n")] * bool(body.strip()) + patches)
    return _capped_str(body, max_body, defects)


def _capped_str(text: str, max_body: int, defects: list[str]) -> tuple[str, tuple[FileChange, ...]]:
    """A decoded body cut at `max_body` characters, and the files its cut part names."""
    if len(text) <= max_body:
        return text, ()
    cut = text.rfind("\n", 0, max_body) + 1 or max_body
    matches = itertools.islice(_DIFF_GIT_STR.finditer(text, cut - 1), MAX_EXTRA_FILES)
    extra = tuple(FileChange(path=m.group(2)) for m in matches)
    defects.append(f"body truncated at {cut} characters")
    return text[:cut], extra


def _leaves(part: EmailMessage) -> list[EmailMessage]:
    """Non-container parts in order, not descending into attached messages."""
    if part.get_content_maintype() == "message":
        return []
    payload = part.get_payload()
    if not isinstance(payload, list):
        return [part]
    return [leaf for sub in payload if isinstance(sub, EmailMessage) for leaf in _leaves(sub)]


def _collect(
    part: EmailMessage,
    texts: list[str],
    patches: list[str],
    htmls: list[str],
    defects: list[str],
) -> None:
    """Sort one leaf part into body text, patch attachment, HTML, or ignored."""
    kind = part.get_content_type()
    filename = (part.get_filename() or "").lower()
    attached = str(part.get("Content-Disposition", "")).lower().startswith("attachment")
    if kind in _PATCH_TYPES or filename.endswith((".patch", ".diff")):
        patches.append(_part_text(part, defects))
    elif (kind == "text/plain" or part.get_content_maintype() == "multipart") and not (
        attached and filename
    ):
        texts.append(_part_text(part, defects))
    elif kind == "text/html" and not attached:
        htmls.append(_part_text(part, defects))


def _part_text(part: EmailMessage, defects: list[str]) -> str:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    return decode_charset(data, part.get_content_charset() or "", "body", defects)


def _defect_name(defect: Exception) -> str:
    name = type(defect).__name__
    if name.startswith("InvalidBase64"):
        return "bad base64"
    if name in ("StartBoundaryNotFoundDefect", "CloseBoundaryNotFoundDefect"):
        return "truncated or malformed multipart"
    return "MIME: " + name.removesuffix("Defect")
