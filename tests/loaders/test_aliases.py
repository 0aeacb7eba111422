"""canonical_email, parse_aliases and resolve_email."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders.errors import SourceError
from loaders.identity.aliases import canonical_email, load_aliases, parse_aliases, resolve_email


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("jane+kvm@example.com", "jane@example.com"),
        ("Jane.Doe+linux-mm+extra@Example.COM", "jane.doe@example.com"),
        ("  <Sascha.Bischoff@arm.com> ", "sascha.bischoff@arm.com"),
        ("+only-a-tag@example.com", "+only-a-tag@example.com"),
        ("plain@example.com", "plain@example.com"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_canonical_email(raw: str, canonical: str) -> None:
    assert canonical_email(raw) == canonical


ALIASES = """\
# one person a line: canonical first, then the aliases
kiryl@linux.example.com: kirill@linux.example.com, k.old@example.org
kiryl@linux.example.com: kiryl@home.example.net   # more aliases for the same person
Lena@Example.com: <lena.h@old.example> lena+lists@example.com

newer@example.com: kiryl@linux.example.com
"""


def test_parse_aliases_follows_chains_and_lowercases() -> None:
    assert parse_aliases(ALIASES) == {
        "kirill@linux.example.com": "newer@example.com",
        "k.old@example.org": "newer@example.com",
        "kiryl@home.example.net": "newer@example.com",
        "kiryl@linux.example.com": "newer@example.com",
        "lena.h@old.example": "lena@example.com",
        "lena+lists@example.com": "lena@example.com",
    }


def test_resolve_email() -> None:
    aliases = parse_aliases(ALIASES)
    assert resolve_email("K.Old@Example.org", aliases) == "newer@example.com"
    assert resolve_email("lena+lists@example.com", aliases) == "lena@example.com"
    assert resolve_email("k.old+kvm@example.org", aliases) == "newer@example.com"
    assert resolve_email("Someone+tag@Example.com", aliases) == "someone@example.com"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("just words\n", "expected 'canonical@address"),
        ("a@example.com:\n", "expected 'canonical@address"),
        ("a@example.com: not-an-address\n", "'not-an-address' is not an e-mail address"),
        ("a@example.com: x@example.com\nb@example.com: x@example.com\n", "already an alias"),
        ("a@example.com: b@example.com\nb@example.com: a@example.com\n", "loop"),
    ],
)
def test_bad_lines_are_errors_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as error:
        parse_aliases(text, "my-aliases")
    assert str(error.value).startswith("my-aliases")


def test_self_alias_is_harmless() -> None:
    assert parse_aliases("a@example.com: a@example.com, b@example.com\n") == {
        "b@example.com": "a@example.com"
    }


def test_load_aliases(tmp_path: Path) -> None:
    path = tmp_path / "aliases"
    path.write_text(ALIASES, encoding="utf-8")
    assert load_aliases(path) == parse_aliases(ALIASES)
    with pytest.raises(SourceError, match="cannot read aliases"):
        load_aliases(tmp_path / "missing")
