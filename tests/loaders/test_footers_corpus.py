"""Reply trailers glued to a list footer, counted on the real archives (issue 11, item 1).

An independent oracle, stdlib only: the `email` package decodes each message (base64 and
quoted-printable parts included), and a reply counts when one of its unquoted
`Reviewed-by:`/`Acked-by:`/`Tested-by:` lines is followed, after blank lines at most, by a
mailman footer (a rule of underscores over a `... mailing list` line). The project must give
each such reply that trailer (same kind, same address) through the reply path
(`loaders.assembly.replies.review_trailers`). Target: 100 % on linux-riscv and virtualization.

Run as a script to print the counts (`python -m tests.loaders.test_footers_corpus`); with
`PYTHONPATH` pointing at an older checkout it measures that one (its `_review_trailers`).
"""

from __future__ import annotations

import email
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message as EmailMessage
from email.policy import compat32
from pathlib import Path

import pytest

from loaders.assembly import replies
from loaders.mail.message import parse_mail
from loaders.records import Message, Trailer
from loaders.sources import publicinbox
from tests.conftest import corpus_file

ARCHIVES = (
    "linux-riscv.lists.infradead.org.0.bundle",
    "virtualization.lists.linux-foundation.org.0.bundle",
)
_TRAILER = re.compile(r"[ \t]*(Reviewed|Acked|Tested)-by:[^\n]*?<?([^\s<>]+@[^\s<>]+?)>?\s*$")
_RULE = re.compile(r"_{5,}\s*")


@dataclass(slots=True)
class Count:
    """Replies seen with a trailer glued to a footer, and those the project got right."""

    archive: str
    cases: int = 0
    found: int = 0
    missed: list[str] = field(default_factory=list)
    loose_cases: int = 0  # a footer anywhere after the trailer, text between allowed
    loose_found: int = 0
    loose_missed: list[str] = field(default_factory=list)

    def line(self) -> str:
        share = 100.0 * self.found / self.cases if self.cases else 100.0
        loose = 100.0 * self.loose_found / self.loose_cases if self.loose_cases else 100.0
        return (
            f"{self.archive}: glued {self.found} / {self.cases} found ({share:.1f} %); "
            f"anywhere before a footer {self.loose_found} / {self.loose_cases} ({loose:.1f} %)"
        )


def oracle_text(raw: bytes) -> tuple[bool, str]:
    """(is a reply, decoded text of the inline text/plain parts), with the stdlib only."""
    root = email.message_from_bytes(raw, policy=compat32)
    subject = str(root.get("Subject", ""))
    reply = bool(root.get("In-Reply-To")) or subject.lower().lstrip().startswith("re:")
    texts = []
    for part in root.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            texts.append(_decoded(part))
    return reply, "\n".join(texts)


def _decoded(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def glued_trailers(text: str, *, anywhere: bool = False) -> list[tuple[str, str]]:
    """(kind, address) of the unquoted trailer lines followed by a footer, blank lines aside
    (`anywhere`: with any text between them)."""
    lines = text.replace("\r\n", "\n").split("\n")
    footers = [i for i in range(len(lines) - 1) if _is_footer(lines, i)]
    found = []
    for index, line in enumerate(lines):
        match = _TRAILER.match(line)
        if match is None:
            continue
        after = index + 1
        while after < len(lines) and (not lines[after].strip() or _TRAILER.match(lines[after])):
            after += 1
        if after in footers or (anywhere and footers and footers[-1] > index):
            kind = match.group(1).lower() + "-by"
            found.append((kind, match.group(2).lower().strip(".,;")))
    return found


def _is_footer(lines: list[str], index: int) -> bool:
    """A rule of underscores over a `... mailing list` line."""
    return bool(_RULE.fullmatch(lines[index])) and (
        lines[index + 1].rstrip().lower().endswith("mailing list")
    )


def _project_trailers() -> Callable[[Message], list[Trailer]]:
    """The reply-trailer reader of the checkout on `sys.path` (old ones named it privately)."""
    reader = getattr(replies, "review_trailers", None) or replies._review_trailers  # type: ignore[attr-defined]
    return lambda message: list(reader(message))


def count_archive(mirror: Path, name: str) -> Count:
    """Oracle cases of one public-inbox mirror and how many the project gets."""
    reader = _project_trailers()
    count = Count(name)
    for origin, raw in publicinbox.iter_messages(mirror):
        reply, text = oracle_text(raw)
        loose = glued_trailers(text, anywhere=True) if reply else []
        if not loose:
            continue
        message = parse_mail(raw, origin)
        got = {(t.kind.value.lower(), t.person.email) for t in reader(message) if t.person}
        for case in glued_trailers(text):
            count.cases += 1
            if case in got:
                count.found += 1
            else:
                count.missed.append(f"{message.key} {case}")
        for case in loose:
            count.loose_cases += 1
            if case in got:
                count.loose_found += 1
            else:
                count.loose_missed.append(f"{message.key} {case}")
    return count


def _mirror(bundle: Path, into: Path) -> Path:
    target = into / bundle.name.removesuffix(".bundle")
    subprocess.run(["git", "clone", "-q", "--mirror", str(bundle), str(target)], check=True)
    return target


@pytest.fixture(scope="module")
def counts(tmp_path_factory: pytest.TempPathFactory) -> list[Count]:
    """Each archive counted once per session."""
    into = tmp_path_factory.mktemp("footer-mirrors")
    return [count_archive(_mirror(corpus_file(name), into), name) for name in ARCHIVES]


def test_every_glued_reply_trailer_is_found(counts: list[Count]) -> None:
    for count in counts:
        print(count.line())
        assert count.cases > 100, count.archive  # the shape is common on both lists
        assert count.missed == [], count.missed[:10]


def test_oracle_sees_a_trailer_glued_to_a_footer() -> None:
    text = "Looks good.\n\nAcked-by: Ann Example <ann@example.org>\n" + "_" * 47 + "\n"
    text += "Foo mailing list\nfoo@lists.example.org\n"
    assert glued_trailers(text) == [("acked-by", "ann@example.org")]
    assert (
        glued_trailers("> Acked-by: Ann <ann@example.org>\n" + "_" * 47 + "\nFoo mailing list")
        == []
    )


def main(argv: list[str]) -> Iterator[str]:
    """Print the counts for the archives under `argv` (bundles) or the shared corpora."""
    bundles = [Path(a) for a in argv] or [
        Path(__file__).parents[3] / "shared/corpora" / n for n in ARCHIVES
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for bundle in bundles:
            count = count_archive(_mirror(bundle, Path(tmp)), bundle.name)
            yield count.line()
            yield from (f"  missed {m}" for m in count.missed[:5])
            yield from (f"  missed (anywhere) {m}" for m in count.loose_missed[:20])


if __name__ == "__main__":
    for output in main(sys.argv[1:]):
        print(output, flush=True)
