"""Parse people as written in headers and trailers: `Name <addr>`, `addr (Name)`, bare `addr`.

email.utils.parseaddr is not used: it mangles commas and quotes in display names
("Edgecombe, Rick P"). Names are normalised for display ("Rick P Edgecombe", and "Xin Li" for
"Xin Li (Intel)"); addresses are lower-cased so that `Sascha.Bischoff@arm.com` and
`sascha.bischoff@arm.com` are one person.
"""

from __future__ import annotations

import re
from email.errors import MessageError
from email.header import decode_header, make_header

from loaders.mail.text import collapse_ws
from loaders.records import Address

__all__ = ["is_login_like", "normalise_name", "parse_address", "strip_affiliation"]

_ADDR_STRIP = "<>()[]{},;:'\"`"
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "ph.d."})
_NAME_PART_RE = re.compile(r"[^\W\d_][\w.'\-]*(?: [^\W\d_][\w.'\-]*){0,3}")
_LOGIN_RE = re.compile(r"[a-z0-9][a-z0-9._+\-]*")
# A trailing `(Oracle)`, `(Arm)`, `(he/him)`: a note after the name, not part of it.
_AFFILIATION_RE = re.compile(r"\s*\([^()@<>]{1,40}\)\s*$")


def parse_address(text: str) -> Address | None:
    """Parse one person; None when the text holds no `@` address at all."""
    raw = text.strip()
    if "@" not in raw:
        return None
    found = _angle_form(raw) or _paren_form(raw) or _bare_form(raw)
    if found is None:
        return None
    name, email = found
    return Address(name=normalise_name(name), email=email, raw=raw)


def _angle_form(raw: str) -> tuple[str, str] | None:
    """`Name <addr>` and `"Last, First" <addr>`: the first `<...>` holding an `@`."""
    start = raw.find("<")
    while start != -1:
        end = raw.find(">", start + 1)
        if end == -1:
            return None
        inner = _unmangled(raw[start + 1 : end])
        if "@" in inner:
            email = _clean_email(inner)
            return (raw[:start], email) if email else None
        start = raw.find("<", end + 1)
    return None


def _unmangled(inner: str) -> str:
    """`a@b.c<mailto:a@b.c` (HTML-to-text turned a link into text) -> `a@b.c`."""
    if "<" not in inner:
        return inner
    head, _, tail = inner.partition("<")
    return head if "@" in head else tail


def _paren_form(raw: str) -> tuple[str, str] | None:
    """The old `addr (Name)` form."""
    address, paren, rest = raw.partition("(")
    address = address.strip()
    if not paren or not rest.endswith(")") or "@" not in address or " " in address:
        return None
    email = _clean_email(address)
    return (rest[:-1], email) if email else None


def _bare_form(raw: str) -> tuple[str, str] | None:
    """A bare address, possibly with words around it: the first token holding an `@`."""
    for token in raw.split():
        if "@" in token:
            email = _clean_email(token)
            return ("", email) if email else None
    return None


def _clean_email(text: str) -> str:
    """Lower-case and strip an address; '' when it has no local part or no domain."""
    email = text.strip().strip(_ADDR_STRIP).lower()
    if email.startswith("mailto:"):
        email = email[len("mailto:") :]
    local, _, domain = email.partition("@")
    if not local or not domain or email.split(None, 1)[0] != email:  # holds whitespace
        return ""
    return email


def normalise_name(name: str) -> str:
    """Display form of a name: RFC 2047 decoded, unquoted, single-spaced, "First Last".

    "Last, First M" is flipped only when it clearly is one: exactly one comma, plain words on
    both sides and no suffix such as "Jr." after the comma.
    """
    text = _decode_rfc2047(name)
    text = collapse_ws(text.replace('\\"', '"').replace('"', ""))
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1].strip()
    return _flip_last_first(strip_affiliation(text))


def strip_affiliation(name: str) -> str:
    """ "Lorenzo Stoakes (Oracle)" -> "Lorenzo Stoakes": a parenthetical after a name is an
    employer or a note, and keeping it would show one person under two names. A name that is
    only a parenthetical stays as it is."""
    if not name.endswith(")"):
        return name
    stripped = _AFFILIATION_RE.sub("", name)
    return stripped if stripped.strip() else name


def _decode_rfc2047(name: str) -> str:
    """Decode `=?utf-8?q?...?=` words; leave the text alone when it is not valid RFC 2047."""
    if "=?" not in name:
        return name
    try:
        return str(make_header(decode_header(name)))
    except (ValueError, LookupError, UnicodeError, MessageError):
        return name


def _flip_last_first(text: str) -> str:
    """ "Edgecombe, Rick P" -> "Rick P Edgecombe" when nothing else looks suspicious."""
    if text.count(",") != 1:
        return text
    last, first = (part.strip() for part in text.split(","))
    if not last or not first or first.lower() in _SUFFIXES:
        return text
    if _NAME_PART_RE.fullmatch(last) and _NAME_PART_RE.fullmatch(first):
        return f"{first} {last}"
    return text


def is_login_like(name: str, email: str) -> bool:
    """True when a "name" is really a login (`marcandre.lureau`) or empty.

    Digests and some mailers put the address's local part where a display name belongs;
    such names must not win over a real one from a Signed-off-by.
    """
    candidate = name.strip()
    if not candidate:
        return True
    if any(ch.isspace() for ch in candidate):
        return False
    if "@" in candidate:
        return True
    local = email.strip().lower().partition("@")[0]
    lowered = candidate.lower()
    squashed = _squash(lowered)
    if lowered == local or (squashed and squashed == _squash(local)):
        return True
    return bool(_LOGIN_RE.fullmatch(candidate)) and any(ch in candidate for ch in "._+")


def _squash(text: str) -> str:
    """Letters and digits only, so `marc-andre.lureau` matches `marcandre_lureau`."""
    return "".join(ch for ch in text if ch.isalnum())
