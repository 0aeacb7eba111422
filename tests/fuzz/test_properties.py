"""Property tests of the parsing helpers: no input makes them raise, and what they return
keeps the invariants their code guarantees (read from the code, not hoped for)."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from loaders.errors import SourceError
from loaders.identity.addresses import normalise_name, parse_address
from loaders.mail.body import parse_body
from loaders.mail.diffstat import parse_diff_files, parse_diffstat
from loaders.mail.footnotes import find_footnotes, message_id_from_url
from loaders.mail.message import parse_mail
from loaders.mail.subject import parse_subject
from loaders.mail.trailers import PERSON_KINDS, classify_trailer_name, parse_trailers
from loaders.records import TrailerKind
from loaders.sources.digest import read_digest
from loaders.sources.mbox import split_mbox
from tests.fuzz.strategies import (
    ADDRESS,
    BYTES,
    DOMAIN,
    NAME,
    OTHER_HEADER,
    PATH,
    SOUP,
    SOUP_LINES,
    TEXT,
    TITLE_WORD,
    WORD,
)
from tests.fuzz.support import (
    FUZZ_SETTINGS,
    call_or_reject,
    check_message,
    mbox_form,
    mboxrd_chunks,
    visible_to_splitter,
)

_MSGID_LEFT = st.text(
    alphabet="".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "<>"),
    min_size=1,
    max_size=30,
)
_REPLY_START = re.compile(r"(?:re|aw|fwd?)\s*(?:\[\d+\]\s*)?:", re.IGNORECASE)
_TRAILER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,62}")


def _single_spaced(text: str) -> bool:
    """No leading, trailing or repeated whitespace; the only whitespace is a plain space."""
    return text == " ".join(text.split())


# --- subject ---------------------------------------------------------------------------


@FUZZ_SETTINGS
@given(TEXT)
def test_parse_subject_title_is_clean(subject: str) -> None:
    parts = call_or_reject(parse_subject, subject)
    assert parts.raw == subject
    assert _single_spaced(parts.title)
    assert parts.version >= 0
    assert (parts.number is None) == (parts.total is None)
    assert parts.number is None or parts.number >= 0
    assert parts.total is None or parts.total >= 0
    assert all(tag and not any(ch.isspace() for ch in tag) for tag in parts.tags)


@FUZZ_SETTINGS
@given(
    version=st.integers(min_value=0, max_value=999),
    number=st.integers(min_value=0, max_value=999),
    total=st.integers(min_value=0, max_value=999),
    rfc=st.booleans(),
    resend=st.booleans(),
    reply=st.booleans(),
    words=st.lists(TITLE_WORD, min_size=1, max_size=8),
    spaces=st.sampled_from([" ", "  ", "\t", "\n "]),
)
def test_parse_subject_reads_a_patch_prefix(
    version: int,
    number: int,
    total: int,
    rfc: bool,
    resend: bool,
    reply: bool,
    words: list[str],
    spaces: str,
) -> None:
    title = spaces.join(words)
    assume(not _REPLY_START.match(title))
    prefix = " ".join(["RFC"] * rfc + ["PATCH"] + ["RESEND"] * resend)
    subject = f"{'Re: ' * reply}[{prefix} v{version} {number:02d}/{total}]{spaces}{title}"
    parts = parse_subject(subject)
    assert parts.title == " ".join(words)
    assert (parts.version, parts.number, parts.total) == (version, number, total)
    assert (parts.is_rfc, parts.is_resend, parts.is_reply) == (rfc, resend, reply)
    assert parts.is_patch
    assert parts.tags == ()


# --- addresses -------------------------------------------------------------------------


@FUZZ_SETTINGS
@given(TEXT)
def test_parse_address_returns_a_clean_email(text: str) -> None:
    address = call_or_reject(parse_address, text)
    if "@" not in text:
        assert address is None
    if address is None:
        return
    local, at, domain = address.email.partition("@")
    assert at and local and domain
    assert address.email == address.email.lower()
    assert not any(ch.isspace() for ch in address.email)
    assert address.raw == text.strip()
    assert _single_spaced(address.name)


@FUZZ_SETTINGS
@given(name=NAME, email=ADDRESS, quoted=st.booleans(), pad=st.sampled_from(["", " ", "\t"]))
def test_parse_address_round_trips_name_and_email(
    name: str, email: str, quoted: bool, pad: str
) -> None:
    shown = f'"{name}"' if quoted else name
    address = parse_address(f"{pad}{shown} <{email}>{pad}")
    assert address is not None
    assert address.email == email.lower()
    assert address.name == normalise_name(name) == name


@FUZZ_SETTINGS
@given(email=ADDRESS, name=NAME)
def test_parse_address_reads_the_old_paren_form(email: str, name: str) -> None:
    address = parse_address(f"{email} ({name})")
    assert address is not None
    assert (address.email, address.name) == (email.lower(), name)


@FUZZ_SETTINGS
@given(TEXT)
def test_normalise_name_is_single_spaced(text: str) -> None:
    assert _single_spaced(call_or_reject(normalise_name, text))


@FUZZ_SETTINGS
@given(last=st.lists(WORD, min_size=1, max_size=4), first=st.lists(WORD, min_size=1, max_size=4))
def test_normalise_name_flips_last_comma_first(last: list[str], first: list[str]) -> None:
    assume(" ".join(first).lower() not in {"jr", "sr", "ii", "iii", "iv", "phd"})
    flipped = normalise_name(f"{' '.join(last)}, {' '.join(first)}")
    assert flipped == f"{' '.join(first)} {' '.join(last)}"


# --- trailers --------------------------------------------------------------------------


@FUZZ_SETTINGS
@given(SOUP_LINES)
def test_parse_trailers_invariants(text: str) -> None:
    for trailer in call_or_reject(parse_trailers, text):
        assert _TRAILER_NAME.fullmatch(trailer.name)
        assert trailer.kind is classify_trailer_name(trailer.name)
        assert trailer.value and trailer.value == trailer.value.strip()
        if trailer.kind in PERSON_KINDS:
            assert trailer.person is None or "@" in trailer.person.email
        else:
            assert trailer.person is None and trailer.comment == ""


_PERSON_KINDS = [kind for kind in TrailerKind if kind in PERSON_KINDS]


@FUZZ_SETTINGS
@given(
    prose=st.lists(st.lists(WORD, min_size=1, max_size=8).map(" ".join), max_size=4),
    people=st.lists(
        st.tuples(st.sampled_from(_PERSON_KINDS), NAME, ADDRESS), min_size=1, max_size=6
    ),
    quote=st.booleans(),
)
def test_parse_trailers_takes_a_final_block_whole(
    prose: list[str], people: list[tuple[TrailerKind, str, str]], quote: bool
) -> None:
    block = [f"{kind.value}: {name} <{email}>" for kind, name, email in people]
    lines = [*prose, "", *block] if prose else block
    if quote:  # quoted lines are never trailers
        assert parse_trailers("\n".join("> " + line for line in lines)) == ()
        return
    trailers = parse_trailers("\n".join(lines))
    assert [(t.kind, t.person and t.person.email) for t in trailers] == [
        (kind, email.lower()) for kind, _, email in people
    ]
    assert [t.person and t.person.name for t in trailers] == [name for _, name, _ in people]
    # nothing after a signature delimiter is a trailer
    assert parse_trailers("\n".join([*prose, "-- ", *block])) == ()


# --- diffstat and diff -----------------------------------------------------------------


@FUZZ_SETTINGS
@given(SOUP_LINES)
def test_parse_diffstat_invariants(text: str) -> None:
    diffstat = call_or_reject(parse_diffstat, text)
    if diffstat is None:
        return
    assert diffstat.files or diffstat.files_changed is not None
    for change in diffstat.files:
        assert change.path
        assert (change.insertions is None) == (change.deletions is None)
        assert change.insertions is None or change.insertions >= 0
        assert change.deletions is None or change.deletions >= 0
        assert not change.binary or change.insertions is None


@FUZZ_SETTINGS
@given(
    files=st.lists(
        st.tuples(PATH, st.integers(0, 40), st.integers(0, 40)),
        min_size=1,
        max_size=12,
        unique_by=lambda item: item[0],
    )
)
def test_parse_diffstat_reads_an_unscaled_block(files: list[tuple[str, int, int]]) -> None:
    width = max(len(path) for path, _, _ in files)
    lines = [
        f" {path.ljust(width)} | {added + removed} {'+' * added}{'-' * removed}".rstrip()
        for path, added, removed in files
    ]
    added_total = sum(item[1] for item in files)
    removed_total = sum(item[2] for item in files)
    summary = (
        f" {len(files)} files changed, {added_total} insertions(+), {removed_total} deletions(-)"
    )
    diffstat = parse_diffstat("\n".join(["Changes in v2:", "", *lines, summary, ""]))
    assert diffstat is not None
    assert [(c.path, c.insertions, c.deletions) for c in diffstat.files] == files
    assert (diffstat.files_changed, diffstat.insertions, diffstat.deletions) == (
        len(files),
        added_total,
        removed_total,
    )


@FUZZ_SETTINGS
@given(SOUP_LINES)
def test_parse_diff_files_invariants(text: str) -> None:
    for change in call_or_reject(parse_diff_files, text):
        assert change.path
        if change.binary:
            assert change.insertions is None and change.deletions is None
        else:
            assert change.insertions is not None and change.deletions is not None
            assert change.insertions >= 0 and change.deletions >= 0
            assert change.changes == change.insertions + change.deletions


_HUNK_LINE = st.tuples(
    st.sampled_from("+- "),
    st.sampled_from(
        ["", "-", "--", "-- ", "++ b/x", "-- a/x", "@@ -1 +1 @@", "\\ No newline", "x"]
    ),
)


@FUZZ_SETTINGS
@given(
    files=st.lists(
        st.tuples(PATH, st.lists(st.lists(_HUNK_LINE, min_size=1, max_size=8), max_size=3)),
        min_size=1,
        max_size=6,
        unique_by=lambda item: item[0],
    )
)
def test_parse_diff_files_counts_hunk_lines(
    files: list[tuple[str, list[list[tuple[str, str]]]]],
) -> None:
    """Hunk headers give the lengths, so hunk lines reading `---`, `-- ` or `+++` count."""
    out: list[str] = []
    for path, hunks in files:
        out += [f"diff --git a/{path} b/{path}", f"--- a/{path}", f"+++ b/{path}"]
        for hunk in hunks:
            old = sum(1 for marker, _ in hunk if marker != "+")
            new = sum(1 for marker, _ in hunk if marker != "-")
            out.append(f"@@ -1,{old} +1,{new} @@ context")
            out += [marker + content for marker, content in hunk]
    found = parse_diff_files("\n".join(out) + "\n")
    expected = [
        (
            path,
            sum(1 for hunk in hunks for marker, _ in hunk if marker == "+"),
            sum(1 for hunk in hunks for marker, _ in hunk if marker == "-"),
        )
        for path, hunks in files
    ]
    assert [(c.path, c.insertions, c.deletions) for c in found] == expected


# --- footnotes and message-id URLs ------------------------------------------------------


@FUZZ_SETTINGS
@given(SOUP_LINES)
def test_find_footnotes_invariants(text: str) -> None:
    footnotes = call_or_reject(find_footnotes, text)
    numbers = [note.number for note in footnotes]
    assert len(numbers) == len(set(numbers))
    for note in footnotes:
        assert 1 <= len(note.number) <= 3 and note.number.isdecimal()
        assert note.url.startswith("http")


@FUZZ_SETTINGS
@given(
    notes=st.lists(
        st.tuples(st.integers(0, 999), st.lists(WORD, max_size=3).map(" ".join), DOMAIN),
        min_size=1,
        max_size=6,
        unique_by=lambda item: item[0],
    )
)
def test_find_footnotes_reads_definitions(notes: list[tuple[int, str, str]]) -> None:
    lines = ["Cover letter text.", ""]
    for number, label, host in notes:
        lines.append(f"[{number}] {label + ': ' if label else ''}https://{host}/x")
    found = find_footnotes("\n".join(lines))
    assert [(n.number, n.label, n.url) for n in found] == [
        (str(number), label, f"https://{host}/x") for number, label, host in notes
    ]


@FUZZ_SETTINGS
@given(TEXT)
def test_message_id_from_url_never_raises(url: str) -> None:
    message_id = message_id_from_url(url)
    assert message_id is None or ("@" in message_id and message_id == message_id.strip("<>"))


_MSGID_TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), exclude_characters="<>@"),
    min_size=1,
    max_size=30,
)


@FUZZ_SETTINGS
@given(
    local=_MSGID_TEXT,
    domain=_MSGID_TEXT,
    host=st.sampled_from(
        [
            "https://lore.kernel.org/all/",
            "https://lore.kernel.org/kvm/",
            "https://lkml.kernel.org/r/",
            "https://patch.msgid.link/",
            "https://msgid.link/",
            "https://patchwork.kernel.org/project/kvm/patch/",
        ]
    ),
    tail=st.sampled_from(["", "/", "/#t", "/T/#u", "?x=1"]),
)
def test_message_id_from_url_round_trips(local: str, domain: str, host: str, tail: str) -> None:
    message_id = f"{local}@{domain}"
    assume(message_id == message_id.strip())
    url = host + quote(message_id, safe="@") + tail
    assert message_id_from_url(url) == message_id


# --- bodies ----------------------------------------------------------------------------


@FUZZ_SETTINGS
@given(st.one_of(SOUP_LINES, st.text()))
def test_parse_body_invariants(body: str) -> None:
    info = call_or_reject(parse_body, body)
    lines = info.commit_message.split("\n")
    assert lines[0].strip() != "" or info.commit_message == ""
    assert lines[-1] == lines[-1].rstrip()
    assert info.trailers == parse_trailers(info.commit_message)
    if info.diff_files:
        assert info.has_diff
    if info.from_override is not None:
        assert "@" in info.from_override.email


@FUZZ_SETTINGS
@given(
    message=st.lists(st.lists(WORD, min_size=1, max_size=8).map(" ".join), min_size=1, max_size=5),
    people=st.lists(st.tuples(NAME, ADDRESS), min_size=1, max_size=4),
    path=PATH,
)
def test_parse_body_splits_a_patch(
    message: list[str], people: list[tuple[str, str]], path: str
) -> None:
    sign_offs = [f"Signed-off-by: {name} <{email}>" for name, email in people]
    body = "\n".join(
        [
            *message,
            "",
            *sign_offs,
            "---",
            f" {path} | 2 +-",
            " 1 file changed, 1 insertion(+), 1 deletion(-)",
            "",
            f"diff --git a/{path} b/{path}",
            f"--- a/{path}",
            f"+++ b/{path}",
            "@@ -1 +1 @@",
            "-old",
            "+new",
            "-- ",
            "2.43.0",
            "",
        ]
    )
    info = parse_body(body)
    assert info.commit_message == "\n".join([*message, "", *sign_offs])
    assert [t.person and t.person.email for t in info.trailers] == [e.lower() for _, e in people]
    assert info.has_diff
    assert [(c.path, c.insertions, c.deletions) for c in info.diff_files] == [(path, 1, 1)]
    assert info.diffstat is not None and info.diffstat.files_changed == 1


# --- whole messages --------------------------------------------------------------------


@FUZZ_SETTINGS
@given(BYTES)
def test_parse_mail_never_raises(raw: bytes) -> None:
    check_message(call_or_reject(parse_mail, raw, "fuzz"), "fuzz")


_HEADER_VALUE = st.one_of(SOUP.map(lambda s: " ".join(s.split())), st.text(max_size=40)).map(
    lambda s: s.replace("\n", " ").replace("\r", " ")
)


@FUZZ_SETTINGS
@given(
    before=st.lists(st.tuples(OTHER_HEADER, _HEADER_VALUE), max_size=5),
    after=st.lists(
        st.tuples(
            st.sampled_from(["Message-ID", "Subject", "From", "Date", "Content-Type"]),
            _HEADER_VALUE,
        ),
        max_size=5,
    ),
    message_id=st.builds("{}@{}".format, _MSGID_LEFT, DOMAIN),
    folded=st.booleans(),
    name=st.sampled_from(["Message-ID", "Message-Id", "message-id", "MESSAGE-ID"]),
    crlf=st.booleans(),
    body=st.binary(max_size=300),
)
def test_parse_mail_keeps_a_well_formed_message_id(
    before: list[tuple[str, str]],
    after: list[tuple[str, str]],
    message_id: str,
    folded: bool,
    name: str,
    crlf: bool,
    body: bytes,
) -> None:
    """The first Message-ID header wins; its `<id>` comes back as key and message_id."""
    fold = "\n " if folded else " "
    headers = [f"{field}: {value}" for field, value in before]
    headers.append(f"{name}:{fold}<{message_id}>")
    headers += [f"{field}: {value}" for field, value in after]
    eol = "\r\n" if crlf else "\n"
    raw = eol.join([*headers, "", ""]).encode("utf-8") + body
    message = call_or_reject(parse_mail, raw, "fuzz")
    check_message(message, "fuzz")
    assert message.message_id == message_id
    assert message.key == message_id


@FUZZ_SETTINGS
@given(raw=BYTES, max_body=st.integers(min_value=1, max_value=300))
def test_parse_mail_caps_the_body(raw: bytes, max_body: int) -> None:
    message = call_or_reject(parse_mail, raw, "fuzz", max_body=max_body)
    assert len(message.body) <= max_body


# --- the mbox writer the fuzzers rely on ------------------------------------------------


@FUZZ_SETTINGS
@given(st.lists(st.one_of(st.binary(max_size=100), SOUP.map(str.encode)), max_size=6))
def test_mboxrd_writer_round_trips(messages: list[bytes]) -> None:
    """Each message written comes back alone and unchanged (but for a final newline)."""
    visible = [raw for raw in messages if visible_to_splitter(raw)]
    stream = io.BytesIO(b"".join(mboxrd_chunks(visible)))
    assert list(split_mbox(stream)) == [mbox_form(raw) for raw in visible]


_DIGEST_HEAD = "KVM mailing list update from a to b\n\n===== Patch Commit Messages ====\n"


@FUZZ_SETTINGS
@given(st.lists(SOUP_LINES, max_size=4))
def test_read_digest_reads_every_entry(entries: list[str]) -> None:
    """Every line starting `New:` after the header starts one entry, whatever follows."""
    text = _DIGEST_HEAD + ("\n" + "-" * 70 + "\n").join(f"New: {entry}" for entry in entries)
    data = text.encode("utf-8")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "digest.txt"
        path.write_bytes(data)
        if b"\x00" in data[:8192]:  # a binary file is an unusable source: SourceError
            with pytest.raises(SourceError):
                read_digest(path)
            return
        digest = call_or_reject(read_digest, path)
    body = text.replace("\r\n", "\n").partition("===== Patch Commit Messages")[2]
    starts = sum(1 for line in body.split("\n") if line.startswith("New:"))
    assert len(digest.messages) == starts
    for message in digest.messages:
        assert message.key.startswith("digest:") and message.source_kind == "digest"
        assert all(isinstance(reason, str) and reason for reason in message.defects)
