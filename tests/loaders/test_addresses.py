"""parse_address / normalise_name / is_login_like."""

from __future__ import annotations

import pytest

from loaders.addresses import is_login_like, normalise_name, parse_address
from loaders.records import Address


@pytest.mark.parametrize(
    ("text", "name", "email"),
    [
        ("Yan Zhao <yan.y.zhao@intel.com>", "Yan Zhao", "yan.y.zhao@intel.com"),
        (
            '"Edgecombe, Rick P" <rick.p.edgecombe@intel.com>',
            "Rick P Edgecombe",
            "rick.p.edgecombe@intel.com",
        ),
        (
            "Edgecombe, Rick P <rick.p.edgecombe@intel.com>",
            "Rick P Edgecombe",
            "rick.p.edgecombe@intel.com",
        ),
        (
            '"Kirill A. Shutemov" <kirill.shutemov@linux.intel.com>',
            "Kirill A. Shutemov",
            "kirill.shutemov@linux.intel.com",
        ),
        ("Sascha Bischoff <Sascha.Bischoff@arm.com>", "Sascha Bischoff", "sascha.bischoff@arm.com"),
        (
            "Marc-André Lureau <marcandre.lureau@redhat.com>",
            "Marc-André Lureau",
            "marcandre.lureau@redhat.com",
        ),
        ("  stable@vger.kernel.org  ", "", "stable@vger.kernel.org"),
        ("<stable@vger.kernel.org>", "", "stable@vger.kernel.org"),
        ("jdoe@example.com (John Doe)", "John Doe", "jdoe@example.com"),
        ("=?utf-8?q?J=C3=B6rg_R=C3=B6del?= <joro@example.org>", "Jörg Rödel", "joro@example.org"),
        ("Ann   Example\t<ann@example.com>", "Ann Example", "ann@example.com"),
    ],
)
def test_parse_address(text: str, name: str, email: str) -> None:
    address = parse_address(text)
    assert address == Address(name=name, email=email, raw=text.strip())


@pytest.mark.parametrize(
    "text", ["", "Sean Christopherson", "<>", "Name <nobody>", "@", "a@", "@b"]
)
def test_no_usable_address_gives_none(text: str) -> None:
    assert parse_address(text) is None


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ('"Edgecombe, Rick P"', "Rick P Edgecombe"),
        ("  'Jane Doe'  ", "Jane Doe"),
        ("Jane    Doe", "Jane Doe"),
        ("Marc-André Lureau", "Marc-André Lureau"),
        ("van der Berg, Jan", "Jan van der Berg"),
        ("Smith, Jr.", "Smith, Jr."),
        ("Intel, Corp, Inc", "Intel, Corp, Inc"),
        ("Bot, 2000", "Bot, 2000"),
        ("", ""),
    ],
)
def test_normalise_name(raw: str, normalised: str) -> None:
    assert normalise_name(raw) == normalised


@pytest.mark.parametrize(
    ("name", "email", "login"),
    [
        ("marcandre.lureau", "marcandre.lureau@redhat.com", True),
        ("broonie", "broonie@kernel.org", True),
        ("", "someone@example.com", True),
        ("  ", "someone@example.com", True),
        ("jdoe@example.com", "jdoe@example.com", True),
        ("marc-andre_lureau", "marcandre.lureau@redhat.com", True),
        ("Marc-André Lureau", "marcandre.lureau@redhat.com", False),
        ("Yan Zhao", "yan.y.zhao@intel.com", False),
        ("Linus", "torvalds@linux-foundation.org", False),
    ],
)
def test_is_login_like(name: str, email: str, login: bool) -> None:
    assert is_login_like(name, email) is login
