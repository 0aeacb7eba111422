"""Choosing how to show a person: the most used full name, never a login when a name is known.

The digest's `Author: marcandre.lureau <...>` and the same person's
`Signed-off-by: Marc-André Lureau <...>` are one person shown as "Marc-André Lureau".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from loaders.addresses import is_login_like

__all__ = ["display_name"]


def display_name(names: Mapping[str, int], emails: Sequence[str]) -> str:
    """The best display name from name sightings; the address when there is no name.

    >>> names = {"marcandre.lureau": 3, "Marc-André Lureau": 1}
    >>> display_name(names, ["marcandre.lureau@redhat.com"])
    'Marc-André Lureau'
    """
    email = emails[0] if emails else ""
    real = {n: c for n, c in names.items() if n and not is_login_like(n, email)}
    pool = real or {n: c for n, c in names.items() if n}
    if not pool:
        return email
    return max(pool, key=lambda n: (pool[n], " " in n, len(n), n))
