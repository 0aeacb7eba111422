"""Companies from address domains: a built-in domain map, sub-domain roll-up, user overrides.

Kernel contributors rarely say who employs them; their address domain usually does.
`linux.intel.com` rolls up to `intel.com` (Intel). Personal and project domains (gmail.com,
kernel.org) are "independent": they say nothing about an employer, so such people get no
company unless the user's map says otherwise.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib import resources

from loaders.errors import SourceError

__all__ = ["INDEPENDENT", "CompanyMap", "company_slug", "load_company_map"]

INDEPENDENT = "independent"
_LINE = re.compile(r"^\s*([^\s:#]+)\s*:\s*(.+?)\s*$")


def company_slug(name: str) -> str:
    """A stable key for a company name: `Red Hat` -> `red-hat`."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unknown"


def _parse_map_text(text: str, origin: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        match = _LINE.match(stripped)
        if match is None:
            raise SourceError(f"{origin}:{number}: expected 'domain: Company', got {line!r}")
        mapping[match.group(1).lower()] = match.group(2)
    return mapping


@dataclass(frozen=True, slots=True)
class CompanyMap:
    """Domain (or single address) -> company name; `INDEPENDENT` means no company."""

    entries: dict[str, str]

    def company_for(self, email: str) -> str | None:
        """The company behind an address, rolling sub-domains up; None when unknown/independent.

        >>> CompanyMap({"intel.com": "Intel"}).company_for("kirill@linux.intel.com")
        'Intel'
        """
        email = email.lower()
        if email in self.entries:
            return self._named(self.entries[email])
        domain = email.rpartition("@")[2]
        while domain:
            if domain in self.entries:
                return self._named(self.entries[domain])
            _, dot, domain = domain.partition(".")
            if not dot or "." not in domain:
                break
        return None

    def domains_of(self, company: str) -> list[str]:
        """The mapped domains that name `company`, for display."""
        return sorted(d for d, name in self.entries.items() if name == company and "@" not in d)

    @staticmethod
    def _named(name: str) -> str | None:
        return None if name.lower() == INDEPENDENT else name


def load_company_map(user_file: str | os.PathLike[str] | None = None) -> CompanyMap:
    """The built-in map, overridden entry by entry by `user_file` when given."""
    builtin = resources.files("loaders").joinpath("data/companies.txt").read_text("utf-8")
    entries = _parse_map_text(builtin, "built-in company map")
    if user_file is not None:
        try:
            with open(user_file, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise SourceError(f"cannot read company map {user_file}: {exc.strerror}") from exc
        entries.update(_parse_map_text(text, str(user_file)))
    return CompanyMap(entries)
