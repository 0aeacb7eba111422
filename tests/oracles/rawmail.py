"""Raw mail read with the standard library only: the independent side of the oracles.

Nothing here imports the project: reading an archive, splitting it into messages, finding
threads and decoding bodies is done again, differently, so that a bug in `loaders` cannot
hide itself by agreeing with itself.
"""

from __future__ import annotations

import email
import email.parser
import email.policy
import gzip
import itertools
import re
import subprocess
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

_MSGID = re.compile(r"<([^<>\s]+)>")
_FROM_LINE = re.compile(rb"^From mboxrd@z ", re.MULTILINE)
_HEADERS = email.parser.BytesHeaderParser(policy=email.policy.compat32)
_ESCAPED = re.compile(rb"^>(>*From )", re.MULTILINE)


@dataclass
class RawMail:
    """One message: its id, parent ids, sender, date, subject and raw bytes."""

    message_id: str
    in_reply_to: str | None
    references: list[str]
    sender: str
    date: datetime | None
    subject: str
    raw: bytes

    @property
    def parsed(self) -> Message:
        """The whole message (parsed on demand: most messages are only ever threaded)."""
        return email.message_from_bytes(self.raw, policy=email.policy.compat32)


def mboxrd_messages(path: Path) -> Iterator[bytes]:
    """The messages of a (gzipped) mboxrd file, `>From ` unescaped."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    starts = [m.start() for m in _FROM_LINE.finditer(data)] + [len(data)]
    for begin, end in itertools.pairwise(starts):
        chunk = data[begin:end]
        chunk = chunk[chunk.index(b"\n") + 1 :] if b"\n" in chunk else b""
        yield _ESCAPED.sub(rb"\1", chunk)


def inbox_messages(git_dir: Path, since: str | None = None) -> Iterator[bytes]:
    """The `m` blob of every commit of a public-inbox epoch (deletions have no `m`), or of
    the commits after `since`."""
    commits = subprocess.run(
        ["git", "--git-dir", str(git_dir), "rev-list", "--reverse"]
        + ([f"{since}..HEAD"] if since else ["--all"]),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    request = "".join(f"{c}:m\n" for c in commits).encode()
    out = subprocess.run(
        ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
        input=request,
        check=True,
        capture_output=True,
    ).stdout
    position = 0
    while position < len(out):
        header_end = out.index(b"\n", position)
        header = out[position:header_end].split()
        position = header_end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        yield out[position : position + size]
        position += size + 1


def _ids(value: object) -> list[str]:
    return _MSGID.findall(str(value or ""))


def _date(value: object) -> datetime | None:
    try:
        return parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError, IndexError):
        return None


def parse(raw: bytes) -> RawMail | None:
    """Headers of one message; None without a Message-ID."""
    end = raw.find(b"\n\n")
    parsed = _HEADERS.parsebytes(raw if end < 0 else raw[: end + 1])
    ids = _ids(parsed.get("Message-ID"))
    if not ids:
        return None
    replying = _ids(parsed.get("In-Reply-To"))
    addresses = getaddresses([str(parsed.get("From") or "")])
    return RawMail(
        message_id=ids[0],
        in_reply_to=replying[0] if replying else None,
        references=_ids(parsed.get("References")),
        sender=addresses[0][1].lower() if addresses else "",
        date=_date(parsed.get("Date")),
        subject=" ".join(str(parsed.get("Subject") or "").split()),
        raw=raw,
    )


def read_archive(path: Path, since: str | None = None) -> dict[str, RawMail]:
    """Every message of an mboxrd file or a cloned public-inbox epoch (after commit `since`),
    first copy kept."""
    raws = inbox_messages(path, since) if path.is_dir() else mboxrd_messages(path)
    mails: dict[str, RawMail] = {}
    for raw in raws:
        mail = parse(raw)
        if mail is not None and mail.message_id not in mails:
            mails[mail.message_id] = mail
    return mails


def children_of(mails: dict[str, RawMail]) -> dict[str, set[str]]:
    """Each message's direct and indirect answers, by In-Reply-To and References."""
    children: dict[str, set[str]] = defaultdict(set)
    for mail in mails.values():
        for parent in {mail.in_reply_to, *mail.references} - {None, mail.message_id}:
            children[str(parent)].add(mail.message_id)
    return children


def thread_below(roots: Iterable[str], children: dict[str, set[str]]) -> set[str]:
    """The roots and everything that answers them, at any depth."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        stack.extend(children.get(current, ()))
    return seen


def body_text(parsed: Message) -> str:
    """The text/plain parts, decoded (base64, quoted-printable, charset), joined."""
    texts: list[str] = []
    for part in parsed.walk():
        if part.is_multipart() or part.get_content_type() not in ("text/plain", "text/x-patch"):
            continue
        if part.get_content_disposition() == "attachment" and texts:
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            texts.append(payload.decode(charset, errors="replace"))
        except LookupError:
            texts.append(payload.decode("utf-8", errors="replace"))
    return "\n".join(texts)
