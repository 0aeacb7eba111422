"""Choosing how to show a person: the most used full name, never a login when a name is known.

The digest's `Author: marcandre.lureau <...>` and the same person's
`Signed-off-by: Marc-André Lureau <...>` are one person shown as "Marc-André Lureau".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from loaders.identity.addresses import is_login_like, strip_affiliation
from loaders.identity.aliases import canonical_email, resolve_email
from loaders.identity.mailmap import Mailmap
from loaders.records import Address

__all__ = ["Identities", "display_name", "name_key"]

_PARENTHETICAL = re.compile(r"\s*\([^()]*\)\s*$")
_NOT_NAME = re.compile(r"[\"'.,]+")


def display_name(names: Mapping[str, int], emails: Sequence[str]) -> str:
    """The best display name from name sightings; the address when there is no name.

    >>> names = {"marcandre.lureau": 3, "Marc-André Lureau": 1}
    >>> display_name(names, ["marcandre.lureau@redhat.com"])
    'Marc-André Lureau'
    """
    email = emails[0] if emails else ""
    names = _without_affiliations(names)
    real = {n: c for n, c in names.items() if n and not is_login_like(n, email)}
    pool = real or {n: c for n, c in names.items() if n}
    if not pool:
        return email
    return max(pool, key=lambda n: (pool[n], " " in n, len(n), n))


def _without_affiliations(names: Mapping[str, int]) -> dict[str, int]:
    """Sightings with `(Oracle)`-style notes cut (as `normalise_name` now does), counts of the
    spellings that become one added up: records parsed before that rule still show plainly."""
    merged: dict[str, int] = {}
    for name, count in names.items():
        plain = strip_affiliation(name)
        merged[plain] = merged.get(plain, 0) + count
    return merged


def name_key(name: str) -> str | None:
    """A full name folded for comparison; None unless it has two words or more.

    A trailing parenthetical is an affiliation, not part of the name, so "Lorenzo Stoakes
    (Oracle)" and "Lorenzo Stoakes" fold alike; case, accents, quotes and dots do not count.

    >>> name_key("Lorenzo Stoakes (Oracle)") == name_key("lorenzo  stoakes")
    True
    >>> name_key("Kirill A. Shutemov"), name_key("(Oracle)"), name_key("pbonzini")
    ('kirill a shutemov', None, None)
    """
    while _PARENTHETICAL.search(name):
        name = _PARENTHETICAL.sub("", name)
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    words = _NOT_NAME.sub(" ", folded).split()
    return " ".join(words) if len(words) >= 2 else None


@dataclass(frozen=True)
class Identities:
    """One person, many addresses: a git mailmap, an aliases file and `+tag` folding.

    `resolve` maps an address as written to the person's canonical address (and, when the
    mailmap names them, their proper name), so every spelling lands on one Person node.
    """

    mailmap: Mailmap | None = None
    aliases: dict[str, str] = field(default_factory=dict)

    def resolve(self, address: Address) -> tuple[Address, bool]:
        """The canonical address, and whether the mailmap supplied the name."""
        named = False
        if self.mailmap is not None:
            mapped = self.mailmap.resolve_address(address)
            named = mapped.name != address.name and bool(mapped.name)
            address = mapped
        email = canonical_email(resolve_email(address.email, self.aliases))
        if email != address.email:
            address = replace(address, email=email)
        return address, named
