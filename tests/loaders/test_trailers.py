"""parse_trailers / classify_trailer_name: kinds, typos, comments, blocks versus prose."""

from __future__ import annotations

import pytest

from loaders.mail.trailers import classify_trailer_name, parse_trailers, split_comment
from loaders.records import Address, Trailer, TrailerKind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Signed-off-by", TrailerKind.SIGNED_OFF_BY),
        ("signed-off-by", TrailerKind.SIGNED_OFF_BY),
        ("Singed-off-by", TrailerKind.SIGNED_OFF_BY),
        ("Signed-of-by", TrailerKind.SIGNED_OFF_BY),
        ("Sign-off-by", TrailerKind.SIGNED_OFF_BY),
        ("Reviwed-by", TrailerKind.REVIEWED_BY),
        ("Reveiwed-by", TrailerKind.REVIEWED_BY),
        ("Reviewed-and-tested-by", TrailerKind.REVIEWED_BY),
        ("Acked-By", TrailerKind.ACKED_BY),
        ("Tested-By", TrailerKind.TESTED_BY),
        ("Co-Developed-by", TrailerKind.CO_DEVELOPED_BY),
        ("Suggested-By", TrailerKind.SUGGESTED_BY),
        ("Reported-by", TrailerKind.REPORTED_BY),
        ("CC", TrailerKind.CC),
        ("Fixes", TrailerKind.FIXES),
        ("Link", TrailerKind.LINK),
        ("Closes", TrailerKind.CLOSES),
        ("Nacked-by", TrailerKind.OTHER),
        ("Not-signed-off-by", TrailerKind.OTHER),
        ("Message-ID", TrailerKind.OTHER),
        ("Change-Id", TrailerKind.OTHER),
        ("Assisted-by", TrailerKind.OTHER),
        ("Requested-by", TrailerKind.OTHER),
        ("Fix", TrailerKind.OTHER),
    ],
)
def test_classify_trailer_name(name: str, kind: TrailerKind) -> None:
    assert classify_trailer_name(name) is kind


def test_commit_message_trailer_block() -> None:
    text = (
        "KVM: do the thing.\n\nMore prose here.\n\n"
        "Co-Developed-by: Ann Example <ann@example.com>\n"
        "Signed-off-by: Ann Example <ann@example.com>\n"
        "Message-ID: <20260101-foo-v1-1-abc@example.com>\n"
        "Change-Id: I0123456789abcdef0123456789abcdef01234567\n"
        "Signed-off-by: Bo Sender <bo@example.com>\n"
    )
    trailers = parse_trailers(text)
    assert [(t.kind, t.name) for t in trailers] == [
        (TrailerKind.CO_DEVELOPED_BY, "Co-Developed-by"),
        (TrailerKind.SIGNED_OFF_BY, "Signed-off-by"),
        (TrailerKind.OTHER, "Message-ID"),
        (TrailerKind.OTHER, "Change-Id"),
        (TrailerKind.SIGNED_OFF_BY, "Signed-off-by"),
    ]
    assert trailers[2].value == "<20260101-foo-v1-1-abc@example.com>"
    assert trailers[2].person is None


def test_last_first_name_and_hash_comment() -> None:
    (trailer,) = parse_trailers(
        'Reviewed-by: "Okafor, Chidi N" <chidi.n.okafor@example.com> # VMX part\n'
    )
    assert trailer.person == Address(
        "Chidi N Okafor",
        "chidi.n.okafor@example.com",
        '"Okafor, Chidi N" <chidi.n.okafor@example.com>',
    )
    assert trailer.comment == "VMX part"
    assert trailer.value == '"Okafor, Chidi N" <chidi.n.okafor@example.com> # VMX part'


def test_bracketed_note_and_cc_stable_comment() -> None:
    trailers = parse_trailers(
        "Acked-by: Mira Castell <mira@kernel.org> [arm64 only]\nCc: stable@vger.kernel.org # 6.1+\n"
    )
    assert [(t.kind, t.comment) for t in trailers] == [
        (TrailerKind.ACKED_BY, "arm64 only"),
        (TrailerKind.CC, "6.1+"),
    ]
    assert trailers[1].person == Address("", "stable@vger.kernel.org", "stable@vger.kernel.org")


def test_fixes_forms_are_kept() -> None:
    text = (
        'Fixes: 0123456789ab ("KVM: x86: Do the thing")\n'
        "Fixes: https://issues.example.com/browse/BUG-1234\n"
        "Signed-off-by: A <a@example.com>\n"
    )
    trailers = parse_trailers(text)
    assert [(t.kind, t.value) for t in trailers[:2]] == [
        (TrailerKind.FIXES, '0123456789ab ("KVM: x86: Do the thing")'),
        (TrailerKind.FIXES, "https://issues.example.com/browse/BUG-1234"),
    ]


def test_continuation_lines_are_joined() -> None:
    text = (
        'Fixes: 0123456789ab ("KVM: x86: A rather long subject that\n  wraps here")\n'
        "Signed-off-by: A <a@example.com>\n"
    )
    trailers = parse_trailers(text)
    assert trailers[0].value == '0123456789ab ("KVM: x86: A rather long subject that wraps here")'
    assert len(trailers) == 2


def test_maintainer_note_keeps_block_intact() -> None:
    text = (
        "Prose.\n\nSigned-off-by: A <a@example.com>\n[maz: fixed typo]\n"
        "Signed-off-by: M <m@kernel.org>\n"
    )
    assert [t.person.email for t in parse_trailers(text) if t.person] == [
        "a@example.com",
        "m@kernel.org",
    ]


def test_unknown_trailer_in_block_is_kept_as_other() -> None:
    trailers = parse_trailers(
        "Prose.\n\nBisected-by: Jo <jo@example.com>\nSigned-off-by: A <a@example.com>\n"
    )
    assert trailers[0] == Trailer(TrailerKind.OTHER, "Bisected-by", "Jo <jo@example.com>")


def test_prose_lines_are_not_trailers() -> None:
    text = (
        "This fixes a bug.\nNote: this is only reachable with nested virt\n"
        "enabled, and is harmless otherwise.\n\n"
        "Note: the selftest is in a separate series.\n\n"
        "WARNING: CPU: 3 PID: 1234 at arch/x86/kvm/x86.c:100 kvm_arch_vcpu_ioctl+0x12/0x34\n\n"
        "Signed-off-by: A <a@example.com>\n"
    )
    trailers = parse_trailers(text)
    assert [t.kind for t in trailers] == [TrailerKind.SIGNED_OFF_BY]


def test_quoted_trailers_are_not_trailers() -> None:
    text = "> Reviewed-by: Old <old@example.com>\n> Signed-off-by: A <a@example.com>\n\nThanks!\n"
    assert parse_trailers(text) == ()


def test_reply_trailer_after_a_line_of_prose() -> None:
    text = "> +}\n\nWith that fixed:\nReviewed-by: Ken <ken@example.com>\n\nThanks,\nKen\n"
    (trailer,) = parse_trailers(text)
    assert trailer.kind is TrailerKind.REVIEWED_BY
    assert trailer.person is not None and trailer.person.email == "ken@example.com"


def test_reply_trailer_block_in_the_middle() -> None:
    text = "Looks good.\n\nReviewed-by: X Y <x@y.example>\n\nCheers,\nX\n"
    (trailer,) = parse_trailers(text)
    assert trailer.value == "X Y <x@y.example>"


def test_mid_text_block_without_known_kind_is_ignored() -> None:
    text = "The splat:\n\nRIP: 0010:kvm_mmu_page_fault\n\nmore prose follows here.\n"
    assert parse_trailers(text) == ()


def test_trailing_prose_paragraph_run_of_trailers_is_taken() -> None:
    text = "Fix the leak in the error path.\nSigned-off-by: A <a@example.com>\n"
    assert [t.kind for t in parse_trailers(text)] == [TrailerKind.SIGNED_OFF_BY]


def test_signature_stops_trailers() -> None:
    text = "Reviewed-by: A <a@example.com>\n-- \nAcked-by: Sig <sig@example.com>\n"
    assert [t.kind for t in parse_trailers(text)] == [TrailerKind.REVIEWED_BY]


def test_person_without_address_is_kept_without_person() -> None:
    (trailer,) = parse_trailers("Prose.\n\nSuggested-by: Nadia Petrova\n")
    assert trailer.kind is TrailerKind.SUGGESTED_BY
    assert trailer.person is None


def test_urls_are_not_trailers() -> None:
    assert parse_trailers("https://lore.kernel.org/r/abc@example.com\n") == ()


@pytest.mark.parametrize(
    ("value", "person", "comment"),
    [
        ("A <a@b.c> # x86 [note]", "A <a@b.c>", "x86 [note]"),
        ("A <a@b.c> [note] # v6.1+", "A <a@b.c>", "note v6.1+"),
        ("a@b.c#nocomment", "a@b.c#nocomment", ""),
        ("A [team] <a@b.c>", "A [team] <a@b.c>", ""),
    ],
)
def test_split_comment(value: str, person: str, comment: str) -> None:
    assert split_comment(value) == (person, comment)


@pytest.mark.parametrize(
    "text", ["", ":", "-:", "Reviewed-by:", "Reviewed-by: \n", " x: y", "\n\n\n"]
)
def test_malformed_input_does_not_raise(text: str) -> None:
    assert parse_trailers(text) == ()
