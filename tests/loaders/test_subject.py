"""parse_subject: bracket prefixes, reply markers and title normalisation."""

from __future__ import annotations

import pytest

from loaders.mail.subject import parse_subject
from loaders.records import SubjectParts


@pytest.mark.parametrize(
    ("subject", "version", "number", "total", "rfc", "resend", "tags"),
    [
        ("[PATCH] KVM: x86: Fix", 1, None, None, False, False, ()),
        ("[PATCH v3 07/24] KVM: x86: Fix", 3, 7, 24, False, False, ()),
        ("[PATCH V3 07/24] KVM: x86: Fix", 3, 7, 24, False, False, ()),
        ("[PATCH v3 00/24] KVM: x86: Fix", 3, 0, 24, False, False, ()),
        ("[PATCHv2] KVM: x86: Fix", 2, None, None, False, False, ()),
        ("[PATCH 1 of 3] KVM: x86: Fix", 1, 1, 3, False, False, ()),
        ("[RFC][PATCH 1/2] KVM: x86: Fix", 1, 1, 2, True, False, ()),
        ("[PATCH RFC v2 3/7] KVM: x86: Fix", 2, 3, 7, True, False, ()),
        ("[RFC PATCH v3 07/24] KVM: x86: Fix", 3, 7, 24, True, False, ()),
        ("[PATCH RESEND v2] KVM: x86: Fix", 2, None, None, False, True, ()),
        ("[PATCH net-next v2 1/3] vsock: Fix", 2, 1, 3, False, False, ("net-next",)),
        ("[kvm-unit-tests PATCH] x86: Fix", 1, None, None, False, False, ("kvm-unit-tests",)),
        ("[RFCv2 PATCH 2/5] KVM: x86: Fix", 2, 2, 5, True, False, ()),
        ("[PATCH 6.12.y] KVM: x86: Fix", 1, None, None, False, False, ("6.12.y",)),
    ],
)
def test_bracket_prefixes(
    subject: str,
    version: int,
    number: int | None,
    total: int | None,
    rfc: bool,
    resend: bool,
    tags: tuple[str, ...],
) -> None:
    parts = parse_subject(subject)
    assert parts.is_patch
    assert (parts.version, parts.number, parts.total) == (version, number, total)
    assert (parts.is_rfc, parts.is_resend, parts.tags) == (rfc, resend, tags)
    assert parts.title == subject.split("] ")[-1]
    assert parts.raw == subject
    assert not parts.is_reply


@pytest.mark.parametrize(
    "subject",
    [
        "Re: [PATCH v2 1/3] KVM: x86: Fix",
        "RE: [PATCH v2 1/3] KVM: x86: Fix",
        "Aw: [PATCH v2 1/3] KVM: x86: Fix",
        "AW: [PATCH v2 1/3] KVM: x86: Fix",
        "Fwd: [PATCH v2 1/3] KVM: x86: Fix",
        "Fw: [PATCH v2 1/3] KVM: x86: Fix",
        "Re: Re: re: [PATCH v2 1/3] KVM: x86: Fix",
        "Re[2]: [PATCH v2 1/3] KVM: x86: Fix",
        "Fwd: Re: [PATCH v2 1/3] KVM: x86: Fix",
    ],
)
def test_reply_prefixes_are_stripped(subject: str) -> None:
    parts = parse_subject(subject)
    assert parts.is_reply
    assert parts.is_patch
    assert (parts.version, parts.number, parts.total) == (2, 1, 3)
    assert parts.title == "KVM: x86: Fix"


def test_folded_whitespace_is_normalised() -> None:
    parts = parse_subject(
        "[PATCH v2 3/6] KVM: selftests: x86: Check the PMU counters of\n\tevery  vCPU"
    )
    assert parts.title == "KVM: selftests: x86: Check the PMU counters of every vCPU"


def test_brackets_later_in_the_title_belong_to_it() -> None:
    parts = parse_subject("[PATCH] KVM: x86: [FIXUP] foo [v2]")
    assert parts.title == "KVM: x86: [FIXUP] foo [v2]"
    assert parts.tags == ()
    assert parts.version == 1


def test_leading_fixup_bracket_is_a_tag() -> None:
    parts = parse_subject("[FIXUP] KVM: guest_memfd: Allow merging folios")
    assert parts.tags == ("FIXUP",)
    assert parts.title == "KVM: guest_memfd: Allow merging folios"
    assert not parts.is_patch


def test_plain_subject_is_not_a_patch() -> None:
    assert parse_subject("KVM: x86: Question about  EPT") == SubjectParts(
        raw="KVM: x86: Question about  EPT", title="KVM: x86: Question about EPT"
    )


def test_words_starting_with_re_are_not_reply_markers() -> None:
    parts = parse_subject("Revert: remove the thing")
    assert not parts.is_reply
    assert parts.title == "Revert: remove the thing"


@pytest.mark.parametrize("subject", ["", "[", "]", "[PATCH", "[]", "[ ] x", "Re:", "[PATCH 1/]"])
def test_malformed_subjects_do_not_raise(subject: str) -> None:
    parts = parse_subject(subject)
    assert parts.raw == subject


def test_unclosed_bracket_stays_in_the_title() -> None:
    assert parse_subject("[PATCH v2 foo").title == "[PATCH v2 foo"
