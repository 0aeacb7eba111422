"""Address aliases: one person's several addresses folded into one canonical address.

Two things live here. `canonical_email` is the normal form every address gets before it is
used as a key: lower-cased, surrounding `<>` and spaces dropped, and a `+tag` removed from
the local part (`Jane+kvm@Example.com` -> `jane@example.com`), since sub-addressing only
routes mail and never names another person.

The aliases file says which addresses belong to one person. Its format, one person a line:

    # comment (a `#` starts a comment anywhere on a line)
    canonical@example.com: old.address@example.org, jane@oldjob.example.net
    canonical@example.com: another@example.org          # more lines for one person add up

The canonical address comes first, then a colon, then its aliases separated by commas or
spaces. An alias may not belong to two people, and an alias list may not loop back; a
canonical address that is itself listed as someone's alias is followed to the end, so
`a: b` plus `c: a` maps both `a` and `b` to `c`.

The file is written by the user, so a malformed line is an error naming file:line
(SourceError), like the company map: silently dropping an alias would merge nobody and
leave the user guessing.
"""

from __future__ import annotations

import os

from loaders.errors import SourceError

__all__ = ["canonical_email", "load_aliases", "parse_aliases", "resolve_email"]

_STRIP = " \t<>\"'"


def canonical_email(email: str) -> str:
    """The key form of an address: lower-case, no `<>`, no `+tag` in the local part.

    >>> canonical_email("<Jane+kvm@Example.COM>")
    'jane@example.com'
    """
    address = email.strip().strip(_STRIP).lower()
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    base = local.split("+", 1)[0]
    return f"{base or local}@{domain}"


def resolve_email(email: str, aliases: dict[str, str]) -> str:
    """The canonical address of `email`: its alias target, else its own canonical form.

    The address is looked up as written (lower-cased) and then without its `+tag`, so an
    alias file may name a tagged address on purpose.
    """
    address = email.strip().strip(_STRIP).lower()
    if address in aliases:
        return aliases[address]
    canonical = canonical_email(address)
    return aliases.get(canonical, canonical)


def parse_aliases(text: str, origin: str = "aliases") -> dict[str, str]:
    """Alias address -> canonical address, chains followed; SourceError on a bad line."""
    direct: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        content = line.split("#", 1)[0].strip()
        if content:
            canonical, aliases = _parse_line(content, f"{origin}:{number}")
            for alias in aliases:
                _add(direct, alias, canonical, f"{origin}:{number}")
    return {alias: _follow(direct, alias, origin) for alias in direct}


def load_aliases(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read and parse an aliases file."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read aliases file {path}: {exc}") from exc
    return parse_aliases(text, str(path))


def _parse_line(content: str, where: str) -> tuple[str, list[str]]:
    """`canonical: alias, alias` -> (canonical, [aliases]), all lower-cased."""
    head, colon, tail = content.partition(":")
    items = tail.replace(",", " ").split()
    if not colon or not items:
        raise SourceError(f"{where}: expected 'canonical@address: alias@address, ...'")
    return _address(head, where), [_address(item, where) for item in items]


def _address(text: str, where: str) -> str:
    """One address of the file, lower-cased; SourceError when it is not an address."""
    address = text.strip().strip(_STRIP).lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(ch.isspace() for ch in address):
        raise SourceError(f"{where}: {text.strip()!r} is not an e-mail address")
    return address


def _add(direct: dict[str, str], alias: str, canonical: str, where: str) -> None:
    """Record alias -> canonical, refusing to give one alias two owners."""
    if alias == canonical:
        return
    owner = direct.get(alias)
    if owner is not None and owner != canonical:
        raise SourceError(f"{where}: {alias} is already an alias of {owner}")
    direct[alias] = canonical


def _follow(direct: dict[str, str], alias: str, origin: str) -> str:
    """Follow alias -> canonical -> ... to the end; a loop is an error."""
    seen = {alias}
    target = direct[alias]
    while target in direct:
        if target in seen:
            raise SourceError(f"{origin}: aliases loop through {target}")
        seen.add(target)
        target = direct[target]
    return target
