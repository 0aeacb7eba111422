"""parse_mailmap / Mailmap.resolve: golden fixture, git's rules, and `git check-mailmap`."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from loaders.errors import SourceError
from loaders.identity.mailmap import Mailmap, MailmapEntry, load_mailmap, parse_mailmap
from loaders.records import Address
from tests.conftest import FIXTURES

MAILMAPS = FIXTURES / "mailmap"
QUERIES = (
    ("Lena H", "Lena.Hartmann@example.com"),
    ("ines", "ivarga@old-employer.example"),
    ("Tomas", "tbrandt@corp.example.com"),
    ("Ada", "shared@lists.example.org"),
    ("ADA", "Shared@Lists.Example.Org"),
    ("Bob S", "shared@lists.example.org"),
    ("Someone Else", "shared@lists.example.org"),
    ("Kiril Oldname", "kiril@linux.example.com"),
    ("Kiril Newname", "kiril@linux.example.com"),
    ("Rick P Edgecombe", "rick.p.edgecombe@example.com"),
    ("Edgecombe, Rick P", "rick.p.edgecombe@example.com"),
    ("chidi", "chidi.okafor@old.example"),
    ("José Núñez", "jnunez@example.org"),
    ("JOSÉ NÚÑEZ", "jnunez@example.org"),
    ("Nadia P", "nadia.p@example.com"),
    ("Nobody", "nobody@example.com"),
)

# Matched only because names are normalised ("Edgecombe, Rick P" = "Rick P Edgecombe"),
# which git does not do: the one intended difference for ASCII names.
NORMALISED_ONLY = {("Rick P Edgecombe", "rick.p.edgecombe@example.com")}


def snapshot(mailmap: Mailmap, queries: list[list[str]]) -> dict[str, Any]:
    """What a golden *.expected.json holds: entries, defects and resolved sample queries."""
    return {
        "entries": [dataclasses.asdict(entry) for entry in mailmap.entries],
        "defects": list(mailmap.defects),
        "resolve": [[name, email, *mailmap.resolve(name, email)] for name, email, *_ in queries],
    }


@pytest.mark.parametrize("name", sorted(p.stem for p in MAILMAPS.glob("*.mailmap")))
def test_golden(name: str) -> None:
    source = MAILMAPS / f"{name}.mailmap"
    expected = json.loads((MAILMAPS / f"{name}.expected.json").read_text(encoding="utf-8"))
    parsed = parse_mailmap(source.read_text(encoding="utf-8"), source.name)
    assert snapshot(parsed, expected["resolve"]) == expected


@pytest.mark.parametrize(
    ("line", "entry"),
    [
        (
            "Proper Name <commit@example.com>",
            MailmapEntry("commit@example.com", None, "Proper Name"),
        ),
        (
            "<proper@example.com> <commit@example.com>",
            MailmapEntry("commit@example.com", None, None, "proper@example.com"),
        ),
        (
            "Proper Name <proper@example.com> <commit@example.com>",
            MailmapEntry("commit@example.com", None, "Proper Name", "proper@example.com"),
        ),
        (
            "Proper Name <proper@example.com> Commit Name <commit@example.com>",
            MailmapEntry("commit@example.com", "Commit Name", "Proper Name", "proper@example.com"),
        ),
        (
            "  Spaced   Name  <proper@example.com>\t# comment",
            MailmapEntry("proper@example.com", None, "Spaced Name"),
        ),
    ],
)
def test_the_four_forms(line: str, entry: MailmapEntry) -> None:
    parsed = parse_mailmap(line + "\n")
    assert parsed.entries == (dataclasses.replace(entry, line=1),)
    assert parsed.defects == ()


def test_named_entry_falls_back_to_the_address_entry() -> None:
    mailmap = parse_mailmap(
        "Right Name <right@example.com> Wrong Name <x@example.com>\nPlain Name <x@example.com>\n"
    )
    assert mailmap.resolve("wrong name", "X@example.com") == ("Right Name", "right@example.com")
    assert mailmap.resolve("Other", "x@example.com") == ("Plain Name", "x@example.com")


def test_named_entry_alone_leaves_other_names_alone() -> None:
    mailmap = parse_mailmap("Right Name <right@example.com> Wrong Name <x@example.com>\n")
    assert mailmap.resolve("Other", "x@example.com") == ("Other", "x@example.com")


def test_resolve_address_keeps_raw() -> None:
    mailmap = parse_mailmap("Lena Hartmann <lena@example.com> <lh@old.example>\n")
    address = Address("lh", "lh@old.example", "lh <LH@old.example>")
    assert mailmap.resolve_address(address) == Address(
        "Lena Hartmann", "lena@example.com", "lh <LH@old.example>"
    )
    unchanged = Address("Ann", "ann@example.com", "Ann <ann@example.com>")
    assert mailmap.resolve_address(unchanged) is unchanged


def test_load_mailmap(tmp_path: Path) -> None:
    path = tmp_path / ".mailmap"
    path.write_bytes(b"J\xf6rn Name <jorn@example.org>\n")  # Latin-1: replaced, not fatal
    assert len(load_mailmap(path)) == 1
    with pytest.raises(SourceError, match="cannot read mailmap"):
        load_mailmap(tmp_path / "missing")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_agrees_with_git_check_mailmap(tmp_path: Path) -> None:
    """Apart from the deliberate differences (name normalisation, Unicode case folding), git
    and we give the same identity."""
    source = MAILMAPS / "people.mailmap"
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, env=env, check=True)
    shutil.copy(source, tmp_path / ".mailmap")
    mailmap = parse_mailmap(source.read_text(encoding="utf-8"))
    for name, email in QUERIES:
        if not name.isascii() or (name, email) in NORMALISED_ONLY:
            continue
        result = subprocess.run(
            ["git", "check-mailmap", f"{name} <{email}>"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        git_name, _, git_email = result.stdout.strip().rstrip(">").partition(" <")
        ours = mailmap.resolve(name, email)
        assert (ours[0], ours[1].lower()) == (git_name, git_email.lower()), (name, email)
