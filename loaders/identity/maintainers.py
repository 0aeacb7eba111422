"""The kernel `MAINTAINERS` file: subsystems, their people and lists, and which paths they cover.

Loading it lets the graph answer "who maintains what this series touches, and did they
review it?". The file starts with prose and a tab-indented description of the field letters
(`\tM: *Mail* patches to: ...`); that preamble is skipped. Entries follow, separated by blank
lines: a name line, then `X:\tvalue` field lines at column 0.

Path rules (`Maintainers.subsystems_for`), as scripts/get_maintainer.pl applies them:

- `F:` patterns: a trailing `/` covers everything below the directory, recursively
  (`drivers/net/`); `*` and `?` match within one path component (`drivers/net/*` is the
  files directly in drivers/net, `*/net/*` a file in any top-level directory's `net/`);
  a pattern without wildcard and without trailing slash is a file or a directory, and as a
  directory covers everything below it (get_maintainer.pl adds the slash for directories
  that exist; we have no tree to ask, so either reading matches);
- `X:` patterns, same rules, exclude the whole entry for the paths they match;
- `N:` regular expressions (Perl `/x` syntax, searched anywhere in the path).

Precision is get_maintainer.pl's: the number of `/` in the matching `F:` pattern, one more
when it does not end with `/`, -1 for patterns starting with `*` (THE REST's `*` and `*/`);
an `N:` match counts 0. Unlike get_maintainer.pl (whose F: patterns are unanchored regexes,
so `drivers/foo` also matches `drivers/foobar.c`), matching is per path component.

Malformed lines never raise: they become `defects`; only a text holding no entry at all
raises SourceError.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import takewhile

from loaders.errors import SourceError
from loaders.identity.addresses import parse_address
from loaders.mail.text import read_text_file
from loaders.records import Address

__all__ = [
    "Maintainers",
    "Subsystem",
    "SubsystemMatch",
    "load_maintainers",
    "parse_maintainers",
    "pattern_precision",
]

_FIELD_RE = re.compile(r"([A-Z]):[ \t]*(.*)")
_LIST_HEADING = "maintainers list"
_LOOKUP_CACHE_SIZE = 1 << 16


@dataclass(frozen=True, slots=True)
class Subsystem:
    """One MAINTAINERS entry; values keep the file's order, `other` holds W:, Q:, B:, C:, P:."""

    name: str
    status: str = ""
    maintainers: tuple[Address, ...] = ()
    reviewers: tuple[Address, ...] = ()
    lists: tuple[str, ...] = ()
    trees: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    regexes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    other: tuple[tuple[str, str], ...] = ()
    line: int = 0


@dataclass(frozen=True, slots=True)
class SubsystemMatch:
    """Why a subsystem covers a path: its most precise matching pattern and that precision."""

    subsystem: Subsystem
    precision: int
    pattern: str


@dataclass(slots=True)
class _Glob:
    """An F:/X: pattern, filed in the index under `key`, its literal leading directories.

    A pattern without wildcard needs no regex: being found under a prefix of the path
    already says the path is the pattern or lies below it. Wildcard patterns compile their
    regex on first use, since a lookup only ever tries the few filed under its prefixes.
    """

    pattern: str
    key: str
    parts: tuple[str, ...]
    recursive: bool
    precision: int
    wild: bool
    _regex: re.Pattern[str] | None = None

    def matches(self, path: str) -> bool:
        """True when `path` (which has `key` as a component prefix) is covered."""
        if not self.wild:
            return not self.recursive or len(path) > len(self.key)
        if self._regex is None:
            self._regex = re.compile(self._regex_text())
        return self._regex.fullmatch(path) is not None

    def _regex_text(self) -> str:
        """Component globs joined by `/`; a trailing `/` pattern also covers all below."""
        return "/".join(_glob_part(part) for part in self.parts) + ("/.*" if self.recursive else "")


def pattern_precision(pattern: str) -> int:
    """get_maintainer.pl's depth of an F: pattern: more slashes = more precise."""
    if pattern.startswith("*"):
        return -1
    return pattern.count("/") + (0 if pattern.endswith("/") else 1)


def _compile_glob(pattern: str) -> _Glob | None:
    """Prepare an F:/X: pattern for the index; None when there is nothing to match."""
    body = pattern.strip().lstrip("/")
    if body.startswith("./"):
        body = body[2:]
    recursive = body.endswith("/")
    parts = tuple(body.rstrip("/").split("/"))
    if not body or any(not part for part in parts):
        return None
    literal = list(takewhile(_is_literal, parts))
    wild = len(literal) < len(parts)
    precision = pattern_precision(body)
    return _Glob(pattern, "/".join(literal), parts, recursive, precision, wild)


def _is_literal(part: str) -> bool:
    """A path component without `*` or `?`."""
    return "*" not in part and "?" not in part


def _glob_part(part: str) -> str:
    """One path component as a regex: `*` and `?` never cross a `/`."""
    return "".join(
        "[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char) for char in part
    )


@dataclass(slots=True)
class _Index:
    """F:/X: patterns by literal directory prefix, plus every N: regex; built once."""

    subsystems: tuple[Subsystem, ...]
    files: dict[str, list[tuple[int, _Glob]]] = field(default_factory=dict)
    excludes: dict[str, list[tuple[int, _Glob]]] = field(default_factory=dict)
    regexes: list[tuple[int, re.Pattern[str]]] = field(default_factory=list)
    cache: dict[str, tuple[SubsystemMatch, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, subsystems: tuple[Subsystem, ...]) -> _Index:
        """Compile every pattern once; bad ones were already reported by the parser."""
        index = cls(subsystems)
        for number, subsystem in enumerate(subsystems):
            for pattern in subsystem.files:
                index._add(index.files, number, pattern)
            for pattern in subsystem.excludes:
                index._add(index.excludes, number, pattern)
            for regex in subsystem.regexes:
                compiled = _compile_regex(regex)
                if compiled is not None:
                    index.regexes.append((number, compiled))
        return index

    @staticmethod
    def _add(table: dict[str, list[tuple[int, _Glob]]], number: int, pattern: str) -> None:
        """File a pattern under its literal prefix, so lookups only try plausible ones."""
        glob = _compile_glob(pattern)
        if glob is not None:
            table.setdefault(glob.key, []).append((number, glob))

    def matches(self, path: str) -> tuple[SubsystemMatch, ...]:
        """`_match` remembered per path: a series touches the same files version after version."""
        if not path:
            return ()
        found = self.cache.get(path)
        if found is None:
            if len(self.cache) >= _LOOKUP_CACHE_SIZE:
                self.cache.clear()
            found = self.cache[path] = self._match(path)
        return found

    def _match(self, path: str) -> tuple[SubsystemMatch, ...]:
        """Every subsystem covering `path`, most precise first, ties by name."""
        prefixes = _prefixes(path)
        excluded = {
            number for number, glob in _candidates(self.excludes, prefixes) if glob.matches(path)
        }
        best: dict[int, tuple[int, str]] = {}
        for number, glob in _candidates(self.files, prefixes):
            if number not in excluded and glob.matches(path):
                _keep_best(best, number, glob.precision, glob.pattern)
        for number, regex in self.regexes:
            if number not in excluded and regex.search(path):
                _keep_best(best, number, 0, regex.pattern)
        found = [
            SubsystemMatch(self.subsystems[number], precision, pattern)
            for number, (precision, pattern) in best.items()
        ]
        found.sort(key=lambda match: (-match.precision, match.subsystem.name, match.subsystem.line))
        return tuple(found)


def _prefixes(path: str) -> list[str]:
    """`a/b/c` -> ['', 'a', 'a/b', 'a/b/c']: the index keys that can hold a matching pattern."""
    keys = [""]
    start = path.find("/")
    while start != -1:
        keys.append(path[:start])
        start = path.find("/", start + 1)
    keys.append(path)
    return keys


def _candidates(
    table: dict[str, list[tuple[int, _Glob]]], prefixes: list[str]
) -> Iterator[tuple[int, _Glob]]:
    """The patterns filed under any of the path's prefixes."""
    for key in prefixes:
        yield from table.get(key, ())


def _keep_best(best: dict[int, tuple[int, str]], number: int, precision: int, pattern: str) -> None:
    """Remember the most precise pattern per subsystem (the first one written on a tie)."""
    current = best.get(number)
    if current is None or precision > current[0]:
        best[number] = (precision, pattern)


def _compile_regex(regex: str) -> re.Pattern[str] | None:
    """An N: value as Perl's `m/.../x` would read it; None when Python cannot compile it."""
    try:
        return re.compile(regex, re.VERBOSE)
    except re.error:
        return None


@dataclass(frozen=True, slots=True)
class Maintainers:
    """A parsed MAINTAINERS file, indexed for fast path lookups."""

    subsystems: tuple[Subsystem, ...]
    defects: tuple[str, ...] = ()
    _index: _Index = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Build the lookup index once; lookups are then cached per path."""
        object.__setattr__(self, "_index", _Index.build(self.subsystems))

    def matches_for(self, path: str) -> tuple[SubsystemMatch, ...]:
        """Subsystems covering `path` with the pattern and precision that matched."""
        return self._index.matches(_normalise_path(path))

    def subsystems_for(self, path: str) -> tuple[Subsystem, ...]:
        """Subsystems covering `path`, most precise first (ties by name)."""
        return tuple(match.subsystem for match in self.matches_for(path))

    def by_name(self, name: str) -> Subsystem | None:
        """The first subsystem named `name` (case-insensitive), for look-ups from prose."""
        wanted = name.strip().casefold()
        return next((s for s in self.subsystems if s.name.casefold() == wanted), None)


def _normalise_path(path: str) -> str:
    """Repository-relative form: no leading `./` or `/`, no doubled or trailing slashes."""
    parts = [part for part in path.strip().split("/") if part and part != "."]
    return "/".join(parts)


def parse_maintainers(text: str, origin: str = "MAINTAINERS") -> Maintainers:
    """Parse a MAINTAINERS file; SourceError only when it holds no entry at all."""
    defects: list[str] = []
    subsystems: list[Subsystem] = []
    for block in _blocks(text):
        entry = _entry(block, origin, defects, seen_entries=bool(subsystems))
        if entry is not None:
            subsystems.append(entry)
    if not subsystems:
        raise SourceError(f"{origin}: no MAINTAINERS entries found")
    _report_duplicates(subsystems, origin, defects)
    return Maintainers(tuple(subsystems), tuple(defects))


def load_maintainers(path: str | os.PathLike[str]) -> Maintainers:
    """Read and parse a MAINTAINERS file (UTF-8; undecodable bytes are replaced)."""
    return parse_maintainers(read_text_file(path, "MAINTAINERS file"), str(path))


def _blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Blank-line separated blocks of (line number, line), after a `Maintainers List` heading.

    Without the heading (a trimmed or old file) every block is a candidate; the field
    descriptions of the preamble are indented and so never look like an entry.
    """
    lines = text.splitlines()
    start = _list_start(lines)
    block: list[tuple[int, str]] = []
    for number in range(start, len(lines)):
        line = lines[number].rstrip()
        if line:
            block.append((number + 1, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _list_start(lines: list[str]) -> int:
    """Index of the first line after the `Maintainers List` heading (0 when absent)."""
    for number, line in enumerate(lines):
        if line.strip().lower() == _LIST_HEADING:
            return number + 1
    return 0


def _entry(
    block: list[tuple[int, str]], origin: str, defects: list[str], *, seen_entries: bool
) -> Subsystem | None:
    """A block as an entry: a name line then field lines; None for prose blocks."""
    first_number, first = block[0]
    fields = [(number, _FIELD_RE.fullmatch(line)) for number, line in block[1:]]
    if _FIELD_RE.fullmatch(first):
        if seen_entries:
            defects.append(f"{origin}:{first_number}: fields without a section name")
        return None
    if not any(match for _, match in fields):
        if seen_entries and not first.startswith(("-", "=", "..")):
            defects.append(f"{origin}:{first_number}: text without fields: {first.strip()!r}")
        return None
    builder = _EntryBuilder(first.strip(), first_number, origin, defects)
    for number, match in fields:
        if match is None:
            defects.append(f"{origin}:{number}: not a field line in {builder.name!r}")
        else:
            builder.add(number, match.group(1), match.group(2).strip())
    return builder.build()


@dataclass(slots=True)
class _EntryBuilder:
    """Collects one entry's field values, reporting the ones it cannot use."""

    name: str
    line: int
    origin: str
    defects: list[str]
    status: str = ""
    values: dict[str, list[str]] = field(default_factory=dict)
    people: dict[str, list[Address]] = field(default_factory=dict)
    other: list[tuple[str, str]] = field(default_factory=list)

    def add(self, number: int, letter: str, value: str) -> None:
        """File one `X: value` line under its letter."""
        where = f"{self.origin}:{number}"
        if not value:
            self.defects.append(f"{where}: empty {letter}: field in {self.name!r}")
        elif letter in "MR":
            self._person(where, letter, value)
        elif letter == "S":
            self._status(where, value)
        elif letter in "LTFXNK":
            self._value(where, letter, value)
        else:
            self.other.append((letter, value))

    def _person(self, where: str, letter: str, value: str) -> None:
        """M:/R: as an Address; a value without address cannot be a person to ask."""
        address = parse_address(value)
        if address is None:
            self.defects.append(f"{where}: no address in {letter}: {value!r}")
        else:
            self.people.setdefault(letter, []).append(address)

    def _status(self, where: str, value: str) -> None:
        """S: once; a second status contradicts the first, so keep the first and say so."""
        if self.status:
            self.defects.append(f"{where}: second S: line in {self.name!r} ignored")
        else:
            self.status = value

    def _value(self, where: str, letter: str, value: str) -> None:
        """L:/T:/F:/X:/N:/K: as written (a list's note dropped); unusable patterns reported."""
        if letter == "L":
            value = value.split()[0].strip("<>").lower()
        elif letter in "FX" and _compile_glob(value) is None:
            self.defects.append(f"{where}: unusable {letter}: pattern {value!r}")
            return
        elif letter == "N" and _compile_regex(value) is None:
            self.defects.append(f"{where}: N: regex {value!r} does not compile; not matched")
        self.values.setdefault(letter, []).append(value)

    def build(self) -> Subsystem:
        """The frozen entry."""

        def values(letter: str) -> tuple[str, ...]:
            """The letter's values in file order."""
            return tuple(self.values.get(letter, ()))

        return Subsystem(
            name=self.name,
            status=self.status,
            maintainers=tuple(self.people.get("M", ())),
            reviewers=tuple(self.people.get("R", ())),
            lists=values("L"),
            trees=values("T"),
            files=values("F"),
            excludes=values("X"),
            regexes=values("N"),
            keywords=values("K"),
            other=tuple(self.other),
            line=self.line,
        )


def _report_duplicates(subsystems: list[Subsystem], origin: str, defects: list[str]) -> None:
    """Two entries with one name are both kept, but the file probably has a merge slip."""
    seen: dict[str, int] = {}
    for subsystem in subsystems:
        key = subsystem.name.casefold()
        if key in seen:
            defects.append(
                f"{origin}:{subsystem.line}: duplicate section {subsystem.name!r}"
                f" (first at line {seen[key]})"
            )
        else:
            seen[key] = subsystem.line
