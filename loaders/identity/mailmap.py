"""A git `.mailmap`: one person's many names and addresses mapped to one canonical identity.

All four forms of gitmailmap(5) are read, with git's own parser rules (mailmap.c):

    Proper Name <commit@email>                              (name for an address)
    <proper@email> <commit@email>                           (address for an address)
    Proper Name <proper@email> <commit@email>               (both for an address)
    Proper Name <proper@email> Commit Name <commit@email>   (both for a name + address)

A line starting with `#` is a comment; text after the last `>` is ignored, so a trailing
`# comment` is harmless. Matching is case-insensitive for both the address and the name,
as in git.

Lookup (git's map_user): entries are filed by the commit address; an entry that also gives
a commit name matches only that name, and when no such entry matches the name, the
address-only entries for that address apply. Address-only lines for one address merge
field by field (a later `Proper Name <x>` keeps an earlier `<proper> <x>` address).

Two deliberate differences, both because names here come from mail rather than from git
objects: names are compared after `normalise_name` (so "Edgecombe, Rick P" in a mailmap
matches "Rick P Edgecombe" from a header) and with Unicode case folding rather than ASCII
only; and canonical addresses are returned lower-cased, the project's key form.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from loaders.identity.addresses import normalise_name
from loaders.mail.text import collapse_ws, read_text_file
from loaders.records import Address

__all__ = ["Mailmap", "MailmapEntry", "load_mailmap", "parse_mailmap"]


@dataclass(frozen=True, slots=True)
class MailmapEntry:
    """One usable mailmap line: what it maps from (commit_*) and to (proper_*); None = keep."""

    commit_email: str
    commit_name: str | None = None
    proper_name: str | None = None
    proper_email: str | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class _Target:
    """What an address (or an address + name) maps to; None fields leave the input alone."""

    name: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Mailmap:
    """A parsed mailmap; `resolve` gives the canonical (name, email) for a person."""

    entries: tuple[MailmapEntry, ...] = ()
    defects: tuple[str, ...] = ()
    _simple: dict[str, _Target] = field(init=False, repr=False, compare=False)
    _named: dict[tuple[str, str], _Target] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Fold the entries into git's lookup tables, in file order (later lines win)."""
        simple: dict[str, _Target] = {}
        named: dict[tuple[str, str], _Target] = {}
        for entry in self.entries:
            key = _email_key(entry.commit_email)
            if entry.commit_name is None:
                old = simple.get(key, _Target())
                simple[key] = _Target(
                    entry.proper_name or old.name, entry.proper_email or old.email
                )
            else:
                named[key, _name_key(entry.commit_name)] = _Target(
                    entry.proper_name, entry.proper_email
                )
        object.__setattr__(self, "_simple", simple)
        object.__setattr__(self, "_named", named)

    def resolve(self, name: str, email: str) -> tuple[str, str]:
        """The canonical (name, email) for a person; unchanged when the mailmap says nothing."""
        key = _email_key(email)
        target = self._named.get((key, _name_key(name))) or self._simple.get(key)
        if target is None:
            return name, email
        return (
            target.name if target.name is not None else name,
            target.email.lower() if target.email is not None else email,
        )

    def resolve_address(self, address: Address) -> Address:
        """`resolve` for a parsed Address, keeping its raw text."""
        name, email = self.resolve(address.name, address.email)
        if (name, email) == (address.name, address.email):
            return address
        return Address(name=name, email=email, raw=address.raw)

    def __len__(self) -> int:
        """Number of usable lines."""
        return len(self.entries)


def _email_key(email: str) -> str:
    """Addresses compare case-insensitively (git uses strcasecmp)."""
    return email.strip().lower()


def _name_key(name: str) -> str:
    """Names compare case-insensitively, after the project's display normalisation."""
    return normalise_name(name).casefold()


def parse_mailmap(text: str, origin: str = ".mailmap") -> Mailmap:
    """Parse mailmap text; unusable lines become defects, never errors."""
    entries: list[MailmapEntry] = []
    defects: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        entry = _parse_line(line, number)
        if entry is None:
            defects.append(f"{origin}:{number}: not a mailmap line: {line.strip()!r}")
        else:
            entries.append(entry)
    return Mailmap(tuple(entries), tuple(defects))


def load_mailmap(path: str | os.PathLike[str]) -> Mailmap:
    """Read and parse a mailmap file (UTF-8; undecodable bytes are replaced)."""
    return parse_mailmap(read_text_file(path, "mailmap"), str(path))


def _parse_line(line: str, number: int) -> MailmapEntry | None:
    """git's read_mailmap_line: one `Name <email>` pair, then optionally a second one.

    With one pair, its address is the commit address; with two, the second pair is what
    the commit says and the first what it should say.
    """
    first = _name_and_email(line, allow_empty_email=False)
    if first is None:
        return None
    name1, email1, rest = first
    second = _name_and_email(rest, allow_empty_email=True) if rest else None
    if second is None:
        return MailmapEntry(commit_email=email1, proper_name=name1, line=number)
    name2, email2, _ = second
    return MailmapEntry(
        commit_email=email2,
        commit_name=name2,
        proper_name=name1,
        proper_email=email1 or None,
        line=number,
    )


def _name_and_email(text: str, *, allow_empty_email: bool) -> tuple[str | None, str, str] | None:
    """git's parse_name_and_email: (name or None, email, text after `>`), None without `<...>`."""
    left = text.find("<")
    right = text.find(">", left + 1) if left != -1 else -1
    if right == -1 or (right == left + 1 and not allow_empty_email):
        return None
    name = collapse_ws(text[:left]) or None
    return name, text[left + 1 : right].strip(), text[right + 1 :]
