"""Companies from addresses: a built-in domain map, sub-domain roll-up, user overrides, dates.

Kernel contributors rarely say who employs them; their address domain usually does.
`linux.intel.com` rolls up to `intel.com` (Intel). Personal and project domains (gmail.com,
kernel.org) are "independent": they say nothing about an employer, so such people get no
company unless the user's map says otherwise.

Map file format, one mapping a line, `#` starts a comment:

    intel.com: Intel                                  # a domain (and its sub-domains)
    jane@example.com: Acme                            # one address: wins over its domain
    jane@example.com: Acme until 2024-03-01           # dated: someone who changed employer
    jane@example.com: Initech from 2024-03-01
    example.com: Acme from 2020-01-01 until 2023-12-31
    gmail.com: independent                            # no company

`from` dates are inclusive, `until` dates exclusive (on 2024-03-01 Jane is at Initech);
dates are days in UTC. Lines for one key add up within a file; a user file replaces the
built-in map's lines for every key it names. An address is looked up as written, then
without its `+tag`, then its domain and parent domains; the first of those with a line
valid at the time asked decides (an `independent` line decides too: no company).

`company_for(email, when=None)`: with `when`, the line valid at that moment (the last
written when several are); without, the latest line: the one that runs furthest into the
future (open-ended first, then the latest start), i.e. the current employer as far as the
map knows. The answer never depends on today's date, so loading is reproducible.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources

from loaders.errors import SourceError
from loaders.identity.aliases import canonical_email

__all__ = [
    "INDEPENDENT",
    "CompanyMap",
    "CompanySpan",
    "company_map_with",
    "company_slug",
    "load_company_map",
    "parse_company_map",
]

INDEPENDENT = "independent"
_LINE = re.compile(r"^\s*([^\s:#]+)\s*:\s*(.+?)\s*$")
_CLAUSES = ("from", "until")


def company_slug(name: str) -> str:
    """A stable key for a company name: `Red Hat` -> `red-hat`."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unknown"


@dataclass(frozen=True, slots=True)
class CompanySpan:
    """One map line: `company` (or INDEPENDENT) from `start` (inclusive) until `end` (exclusive)."""

    company: str
    start: date | None = None
    end: date | None = None

    def covers(self, day: date) -> bool:
        """True when the line is valid on `day`."""
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)

    def lateness(self) -> tuple[date, date]:
        """Sort key of "latest": furthest end first (open-ended is latest), then latest start."""
        return (self.end or date.max, self.start or date.min)


@dataclass(frozen=True, slots=True)
class CompanyMap:
    """Domain or single address -> company; `INDEPENDENT` means no company.

    `entries` holds each key's latest company (what `company_for` answers without a date);
    `spans` holds every dated or repeated line per key, in file order. A key only in
    `entries` is valid at all times, so `CompanyMap({"intel.com": "Intel"})` still works.
    """

    entries: dict[str, str]
    spans: dict[str, tuple[CompanySpan, ...]] = field(default_factory=dict)

    def company_for(self, email: str, when: datetime | None = None) -> str | None:
        """The company behind an address at `when` (latest when None); None when independent.

        >>> CompanyMap({"intel.com": "Intel"}).company_for("kirill@linux.intel.com")
        'Intel'
        """
        for key in _lookup_keys(email):
            span = self._span_at(key, when)
            if span is not None:
                return self._named(span.company)
        return None

    def spans_for(self, email: str) -> tuple[CompanySpan, ...]:
        """Every line of the most specific key that has any: someone's employment history."""
        for key in _lookup_keys(email):
            spans = self._spans(key)
            if spans:
                return spans
        return ()

    def domains_of(self, company: str) -> list[str]:
        """The mapped domains that name `company` at any time, for display."""
        named = {key for key, name in self.entries.items() if name == company}
        named.update(
            key for key, spans in self.spans.items() if any(s.company == company for s in spans)
        )
        return sorted(key for key in named if "@" not in key)

    def _spans(self, key: str) -> tuple[CompanySpan, ...]:
        """A key's lines; a key given only in `entries` is one open-ended line."""
        spans = self.spans.get(key)
        if spans is not None:
            return spans
        name = self.entries.get(key)
        return (CompanySpan(name),) if name is not None else ()

    def _span_at(self, key: str, when: datetime | None) -> CompanySpan | None:
        """The key's line valid at `when` (the last written wins), or its latest line."""
        spans = self._spans(key)
        if not spans:
            return None
        if when is None:
            return max(reversed(spans), key=CompanySpan.lateness)
        day = _utc_day(when)
        return next((span for span in reversed(spans) if span.covers(day)), None)

    @staticmethod
    def _named(name: str) -> str | None:
        """INDEPENDENT (any case) is the map's way to say "no company"."""
        return None if name.lower() == INDEPENDENT else name


def _lookup_keys(email: str) -> list[str]:
    """The address, its untagged form, then its domain and parent domains (not the TLD)."""
    email = email.strip().lower()
    keys = [email]
    untagged = canonical_email(email)
    if untagged != email:
        keys.append(untagged)
    domain = email.rpartition("@")[2]
    while domain:
        keys.append(domain)
        _, dot, domain = domain.partition(".")
        if not dot or "." not in domain:
            break
    return keys


def _utc_day(when: datetime) -> date:
    """The UTC day of a moment; a naive datetime is taken as UTC already."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.date()


def parse_company_map(text: str, origin: str) -> dict[str, tuple[CompanySpan, ...]]:
    """Every key's lines in file order; SourceError naming `origin:line` on a bad one."""
    spans: dict[str, list[CompanySpan]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        where = f"{origin}:{number}"
        match = _LINE.match(stripped)
        if match is None:
            raise SourceError(f"{where}: expected 'domain: Company', got {line!r}")
        spans.setdefault(match.group(1).lower(), []).append(_span(match.group(2), where))
    return {key: tuple(lines) for key, lines in spans.items()}


def _span(value: str, where: str) -> CompanySpan:
    """`Company [from DATE] [until DATE]` (clauses in either order) as a span."""
    dates: dict[str, date] = {}
    company = value
    for _ in _CLAUSES:
        parts = company.rsplit(None, 2)
        if len(parts) < 3 or parts[1].lower() not in _CLAUSES or not parts[2][:1].isdigit():
            break
        keyword = parts[1].lower()
        if keyword in dates:
            raise SourceError(f"{where}: '{keyword}' given twice")
        dates[keyword] = _date(parts[2], where)
        company = parts[0]
    start, end = dates.get("from"), dates.get("until")
    if start is not None and end is not None and start >= end:
        raise SourceError(f"{where}: 'from {start}' is not before 'until {end}'")
    return CompanySpan(company.strip(), start, end)


def _date(text: str, where: str) -> date:
    """A YYYY-MM-DD day, or a SourceError saying which line holds the bad one."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SourceError(f"{where}: {text!r} is not a YYYY-MM-DD date") from None


def _latest(spans: dict[str, tuple[CompanySpan, ...]]) -> dict[str, str]:
    """Each key's latest company: the date-less view `entries` keeps."""
    return {
        key: max(reversed(lines), key=CompanySpan.lateness).company for key, lines in spans.items()
    }


def company_map_with(user_text: str | None, origin: str = "company map") -> CompanyMap:
    """The built-in map, overridden key by key by the lines of `user_text` when given."""
    builtin = resources.files("loaders").joinpath("data/companies.txt").read_text("utf-8")
    spans = parse_company_map(builtin, "built-in company map")
    if user_text is not None:
        spans.update(parse_company_map(user_text, origin))
    return CompanyMap(_latest(spans), spans)


def load_company_map(user_file: str | os.PathLike[str] | None = None) -> CompanyMap:
    """The built-in map, overridden key by key by `user_file` when given."""
    builtin = resources.files("loaders").joinpath("data/companies.txt").read_text("utf-8")
    spans = parse_company_map(builtin, "built-in company map")
    if user_file is not None:
        try:
            with open(user_file, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise SourceError(f"cannot read company map {user_file}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise SourceError(f"company map {user_file} is not UTF-8 text: {exc}") from exc
        spans.update(parse_company_map(text, str(user_file)))
    return CompanyMap(_latest(spans), spans)
