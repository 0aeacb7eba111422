"""Why the graph and an oracle disagree, guessed from the raw mail's shape (never from names).

The class says where the trailer line stands in the message that gives it: below a footer
rule, below a `---` line, indented, quoted, in an encoded body, in a reply without `Re:`...
It is a label for humans reading the fixture; the test's verdict does not depend on it.
"""

from __future__ import annotations

import re
from typing import Any

from loaders.identity.aliases import canonical_email
from tests.oracles.b4run import address
from tests.oracles.conftest import OracleCorpus
from tests.oracles.rawmail import RawMail, body_text

__all__ = ["classify_b4", "shape_of_review"]

_FOOTER_RULE = re.compile(r"^_{10,}\s*$")
_ANY_TAG = re.compile(r"^(\s*)((?:>\s*)*)(Reviewed|Acked|Tested)-by:\s*(.*)$", re.IGNORECASE)


def _lines_naming(mail: RawMail, person: str) -> list[tuple[int, list[str]]]:
    lines = body_text(mail.parsed).splitlines()
    return [
        (index, lines)
        for index, line in enumerate(lines)
        if (m := _ANY_TAG.match(line)) and canonical_email(address(m.group(4))) == person
    ]


def _shape(mail: RawMail, index: int, lines: list[str]) -> str:
    """The class of one trailer line in one reply."""
    match = _ANY_TAG.match(lines[index])
    assert match is not None
    if match.group(2):
        return "QUOTED"
    following = next((line for line in lines[index + 1 :] if line.strip()), "")
    if _FOOTER_RULE.match(following) and index + 1 < len(lines) and lines[index + 1].strip():
        return "FOOTER_HIDDEN"
    if any(line.strip() == "---" for line in lines[:index]):
        return "BELOW_DASHES"
    if match.group(1):
        return "INDENTED"
    if "<mailto:" in lines[index]:
        return "MANGLED_ADDRESS"
    encoding = str(mail.parsed.get("Content-Transfer-Encoding") or "").lower()
    if encoding in ("base64", "quoted-printable"):
        return f"ENCODED_{encoding.upper().replace('-', '_')}"
    if not re.match(r"^\s*(re|aw|sv)\s*:", mail.subject, re.IGNORECASE):
        return "NO_RE_SUBJECT"
    if _FOOTER_RULE.match(following):
        return "FOOTER_AFTER_BLANK"
    return "PLAIN_UNQUOTED"


def _replies_first(corpus: OracleCorpus, thread: set[str], patch: str) -> list[RawMail]:
    """The thread's messages but the patch, direct answers to the patch first."""
    mails = [corpus.mails[m] for m in sorted(thread - {patch}) if m in corpus.mails]
    return sorted(mails, key=lambda m: (m.in_reply_to != patch, patch not in m.references))


def classify_b4(corpus: OracleCorpus, thread: set[str], entry: dict[str, Any]) -> str:
    """A class for one b4-vs-graph disagreement on (patch, person)."""
    person, patch = str(entry["person"]), str(entry["patch"])
    side = "B4_ONLY" if entry["side"] == "b4-only" else "OURS_ONLY"
    if patch in corpus.mails and _lines_naming(corpus.mails[patch], person):
        return f"{side}_PATCH_BODY"
    for mail in _replies_first(corpus, thread, patch):
        if canonical_email(mail.sender) != person:
            continue
        for index, lines in _lines_naming(mail, person):
            if mail.in_reply_to and mail.in_reply_to not in corpus.mails:
                return f"{side}_PARENT_NOT_IN_ARCHIVE"
            return f"{side}_{_shape(mail, index, lines)}"
    for other in _replies_first(corpus, thread, patch):
        if _lines_naming(other, person):
            return f"{side}_GIVEN_BY_ANOTHER_SENDER"
    return f"{side}_NOT_IN_THREAD"


def shape_of_review(corpus: OracleCorpus, message: str, person: str) -> str:
    """The class of the review line naming `person` in one reply (UNKNOWN when not found)."""
    mail = corpus.mails.get(message)
    if mail is None:
        return "NOT_IN_ARCHIVE"
    for index, lines in _lines_naming(mail, canonical_email(person)):
        return _shape(mail, index, lines)
    return "LINE_NOT_FOUND"
