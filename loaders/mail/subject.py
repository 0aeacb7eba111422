"""Parse a patch-mail subject line into its bracket prefixes and title.

`[RFC PATCH v3 07/24] KVM: x86/mmu: Foo` says: an RFC, version 3, patch 7 of 24. Series
assembly and version linking depend on these parts, and on a title freed of prefixes and of
the double spaces that header folding leaves behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from loaders.mail.text import collapse_ws
from loaders.records import SubjectParts

__all__ = ["parse_subject"]

# `Re:`, `RE[2]:`, `Aw:`, `Fwd:`, `Fw:` at the very start (any case).
_REPLY_RE = re.compile(r"(?:re|aw|fwd?)\s*+(?:\[\d+\]\s*+)?:\s*+", re.IGNORECASE)
# One bracket group at the start; no nesting, so no backtracking.
_GROUP_RE = re.compile(r"\[([^\[\]]*)\]\s*")
_OF_RE = re.compile(r"(?<!\d)(\d++)\s++of\s++(\d++)", re.IGNORECASE)
_TOKEN_SEPARATORS = re.compile(r"[\s,]+")  # between the words of a `[...]` group
# At most six ASCII digits: anything longer is no real version or patch number (and int() of
# thousands of digits raises), so such a token stays a tag.
_NUMBER_RE = re.compile(r"([0-9]{1,6})/([0-9]{1,6})")
_VERSION_RE = re.compile(r"v([0-9]{1,6})", re.IGNORECASE)
_GLUED_RE = re.compile(r"(patch|rfc)[-_]?v([0-9]{1,6})", re.IGNORECASE)


@dataclass(slots=True)
class _Flags:
    """Mutable accumulator while reading the bracket groups; frozen into SubjectParts."""

    version: int | None = None
    number: int | None = None
    total: int | None = None
    is_rfc: bool = False
    is_resend: bool = False
    is_reply: bool = False
    is_patch: bool = False
    tags: list[str] = field(default_factory=list)


def parse_subject(subject: str) -> SubjectParts:
    """Split `subject` into reply marker, bracket prefixes and a whitespace-normalised title.

    Only bracket groups before the title count; brackets later on belong to the title.
    """
    text = collapse_ws(subject)
    flags = _Flags()
    position = 0
    while True:
        reply = _REPLY_RE.match(text, position)
        if reply:
            flags.is_reply = True
            position = reply.end()
            continue
        group = _GROUP_RE.match(text, position)
        if group is None:
            break
        _read_group(group.group(1), flags)
        position = group.end()
    return SubjectParts(
        raw=subject,
        title=text[position:].strip(),
        version=flags.version if flags.version is not None else 1,
        number=flags.number,
        total=flags.total,
        is_rfc=flags.is_rfc,
        is_resend=flags.is_resend,
        is_reply=flags.is_reply,
        is_patch=flags.is_patch,
        tags=tuple(flags.tags),
    )


def _read_group(content: str, flags: _Flags) -> None:
    """Read one bracket group's tokens (`RFC PATCH v3 07/24`, `PATCH 1 of 3`, `net-next`)."""
    if "of" in content.lower():  # every `N of M` holds it (no case trap folds to o or f)
        content = _OF_RE.sub(r"\1/\2", content)
    for token in _TOKEN_SEPARATORS.split(content):
        if token:
            _read_token(token, flags)


def _read_token(token: str, flags: _Flags) -> None:
    """Classify one prefix token; anything unrecognised is kept as a tag."""
    upper = token.upper()
    if upper == "PATCH":
        flags.is_patch = True
    elif upper == "RFC":
        flags.is_rfc = True
    elif upper == "RESEND":
        flags.is_resend = True
    elif glued := _GLUED_RE.fullmatch(token):  # each pattern tried only when the last failed
        flags.is_patch = flags.is_patch or glued.group(1).upper() == "PATCH"
        flags.is_rfc = flags.is_rfc or glued.group(1).upper() == "RFC"
        flags.version = int(glued.group(2))
    elif version := _VERSION_RE.fullmatch(token):
        flags.version = int(version.group(1))
    elif number := _NUMBER_RE.fullmatch(token):
        flags.number, flags.total = int(number.group(1)), int(number.group(2))
    else:
        flags.tags.append(token)
