"""parse_address / normalise_name / is_login_like."""

from __future__ import annotations

import pytest

from loaders.identity.addresses import is_login_like, normalise_name, parse_address
from loaders.records import Address


@pytest.mark.parametrize(
    ("text", "name", "email"),
    [
        ("Lena Hartmann <lena.hartmann@example.com>", "Lena Hartmann", "lena.hartmann@example.com"),
        (
            '"Okafor, Chidi N" <chidi.n.okafor@example.com>',
            "Chidi N Okafor",
            "chidi.n.okafor@example.com",
        ),
        (
            "Okafor, Chidi N <chidi.n.okafor@example.com>",
            "Chidi N Okafor",
            "chidi.n.okafor@example.com",
        ),
        (
            '"Tomas J. Brandt" <tomas.brandt@linux.example.com>',
            "Tomas J. Brandt",
            "tomas.brandt@linux.example.com",
        ),
        ("Ines Varga <Ines.Varga@Example.COM>", "Ines Varga", "ines.varga@example.com"),
        (
            "José-María Núñez <josemaria.nunez@example.org>",
            "José-María Núñez",
            "josemaria.nunez@example.org",
        ),
        ("  stable@vger.kernel.org  ", "", "stable@vger.kernel.org"),
        ("<stable@vger.kernel.org>", "", "stable@vger.kernel.org"),
        ("jdoe@example.com (John Doe)", "John Doe", "jdoe@example.com"),
        (
            "=?utf-8?q?J=C3=B6rn_R=C3=B6=C3=9Fler?= <jr@example.org>",
            "Jörn Rößler",
            "jr@example.org",
        ),
        ("Ann   Example\t<ann@example.com>", "Ann Example", "ann@example.com"),
    ],
)
def test_parse_address(text: str, name: str, email: str) -> None:
    address = parse_address(text)
    assert address == Address(name=name, email=email, raw=text.strip())


@pytest.mark.parametrize("text", ["", "Nadia Petrova", "<>", "Name <nobody>", "@", "a@", "@b"])
def test_no_usable_address_gives_none(text: str) -> None:
    assert parse_address(text) is None


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ('"Okafor, Chidi N"', "Chidi N Okafor"),
        ("  'Jane Doe'  ", "Jane Doe"),
        ("Jane    Doe", "Jane Doe"),
        ("José-María Núñez", "José-María Núñez"),
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
        ("josemaria.nunez", "josemaria.nunez@example.org", True),
        ("kvmhacker", "kvmhacker@example.org", True),
        ("", "someone@example.com", True),
        ("  ", "someone@example.com", True),
        ("jdoe@example.com", "jdoe@example.com", True),
        ("jose-maria_nunez", "josemaria.nunez@example.org", True),
        ("José-María Núñez", "josemaria.nunez@example.org", False),
        ("Lena Hartmann", "lena.hartmann@example.com", False),
        ("Helga", "h.berg@example.org", False),
    ],
)
def test_is_login_like(name: str, email: str, login: bool) -> None:
    assert is_login_like(name, email) is login
