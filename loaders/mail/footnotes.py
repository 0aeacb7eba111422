"""Numbered references (`[3] DPAMT v4: https://...`) and the prose that cites them.

Cover letters point at earlier versions and at the series they build on through footnotes.
The footnote gives the URL (and often a label); the sentence citing `[3]` says why it is
there ("based on ... DPAMT v4 [3]"), which changelog.py uses to tell version links from
dependencies. URLs that name a message (lore, patch.msgid.link) are turned into Message-IDs.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from loaders.mail.text import URL_RE, TextLines, clean_url, is_quoted
from loaders.records import Footnote

__all__ = ["find_footnotes", "find_footnotes_in", "message_id_from_url"]

_DEF_RE = re.compile(r"\[(\d{1,3})\]:?[ \t]*")
_CITE_RE = re.compile(r"\[(\d{1,3})\]")
_CITE_PREV_OK = "\"'“”‘’("
_MAX_WORDS = 6
_CONTEXT_LINES = 4
_WINDOW = 400  # characters before a citation that can hold its phrase
_MAX_TRIES = 20
_STOP_WORDS = frozenset(
    {"with", "and", "or", "on", "in", "of", "at", "to", "from", "by", "for", "see", "via"}
    | {"into", "onto", "upon", "under", "as", "than", "is", "are", "was", "were", "be", "been"}
    | {"since", "per", "against", "vs", "vs.", "versus", "also", "after", "before", "like"}
    | {"using", "uses", "here", "there", "which", "where", "when", "while", "but", "so", "then"}
    | {"it", "its", "please"}
)
_ARTICLES = frozenset({"the", "a", "an"})
_CLAUSE_END = ",;:.!?)]"  # a closed parenthesis or bracket ends an earlier phrase
_SEPARATORS = frozenset({"+", "&", "/", "-", "--", "="})
_QUOTES = '"“”'
_MSGID_HOSTS = frozenset({"lore.kernel.org", "lkml.kernel.org"})
_BARE_MSGID_HOSTS = frozenset({"patch.msgid.link", "msgid.link"})


def find_footnotes(text: str) -> tuple[Footnote, ...]:
    """Footnote definitions (`[N] url`, `[N] label: url`, `[N]: url`) with their citations."""
    return find_footnotes_in(TextLines(text))


def find_footnotes_in(text: TextLines) -> tuple[Footnote, ...]:
    """`find_footnotes` on already split text; only lines holding a `[` are looked at."""
    candidates = text.line_indexes("[")
    if not candidates:
        return ()
    lines = text.lines
    definitions = _definitions(lines, candidates)
    if not definitions:
        return ()
    numbers = {number for number, _, _, _ in definitions}
    skip = {index for _, _, _, index in definitions}
    citations = _citations(lines, candidates, numbers, skip)
    return tuple(
        Footnote(number=number, url=url, label=label, citation=citations.get(number, ""))
        for number, label, url, _ in definitions
    )


def _definitions(lines: list[str], candidates: list[int]) -> list[tuple[str, str, str, int]]:
    """(number, label, url, line index) of each footnote; the first definition of N wins."""
    found: list[tuple[str, str, str, int]] = []
    seen: set[str] = set()
    for index in candidates:
        parsed = _definition(lines[index], lines[index + 1] if index + 1 < len(lines) else "")
        if parsed is None or parsed[0] in seen:
            continue
        seen.add(parsed[0])
        found.append((*parsed, index))
    return found


def _definition(line: str, next_line: str) -> tuple[str, str, str] | None:
    """Read `[N] label: url`; the URL may sit alone on the next line."""
    stripped = line.lstrip()
    if not stripped.startswith("[") or is_quoted(line):
        return None
    match = _DEF_RE.match(stripped)
    if match is None:
        return None
    rest = stripped[match.end() :]
    url_match = URL_RE.search(rest)
    if url_match is not None:
        label, url = rest[: url_match.start()], url_match.group(0)
    elif next_line.strip().startswith(("http://", "https://", "<http")):
        label, url = rest, next_line.strip().lstrip("<").split()[0]
    else:
        return None
    return match.group(1), _clean_label(label), clean_url(url)


def _clean_label(label: str) -> str:
    """`DPAMT v4: <` -> `DPAMT v4`."""
    return label.strip().rstrip("<(").strip().rstrip(":-–—").strip()


def _citations(
    lines: list[str], candidates: list[int], numbers: set[str], skip: set[int]
) -> dict[str, str]:
    """For each footnote number, the phrase before its first telling citation in the prose.

    A citation right after "see" or "in" names nothing, so later citations are tried too
    (a bounded number of times). `candidates` are the indexes of the lines holding a `[`.
    """
    found: dict[str, str] = {}
    tries = dict.fromkeys(numbers, _MAX_TRIES)
    for index in candidates:
        line = lines[index]
        if index in skip or is_quoted(line):
            continue
        for match in _CITE_RE.finditer(line):
            number = match.group(1)
            if not tries.get(number) or not _cite_boundary(line, match):
                continue
            start = match.start()
            before = _context(lines, index) + " " + line[max(0, start - _WINDOW) : start]
            found[number] = citation_phrase(before[-_WINDOW:])
            tries[number] = 0 if found[number] else tries[number] - 1
    return found


def _cite_boundary(line: str, match: re.Match[str]) -> bool:
    """`[2]` after a space or quote cites; `array[2]` in code does not."""
    start = match.start()
    return start == 0 or line[start - 1].isspace() or line[start - 1] in _CITE_PREV_OK


def _context(lines: list[str], index: int) -> str:
    """The few lines of the same paragraph before line `index`."""
    context: list[str] = []
    for previous in range(index - 1, max(index - 1 - _CONTEXT_LINES, -1), -1):
        if not lines[previous].strip() or is_quoted(lines[previous]):
            break
        context.append(lines[previous][-_WINDOW:])
    return " ".join(reversed(context))


def citation_phrase(before: str) -> str:
    """The words naming a citation: back to a clause break or a linking word, at most six.

    A quoted title counts as one word: `commit "KVM: foo: Bar"` stays whole.
    """
    units: list[str] = []
    for unit in _units_backwards(before.split()[-60:]):
        stop, keep = _classify_unit(unit)
        if keep:
            units.append(keep)
        if stop or len(units) >= _MAX_WORDS:
            break
    units.reverse()
    while units and units[0].lower() in _ARTICLES:
        units.pop(0)
    return " ".join(units)


def _units_backwards(words: list[str]) -> list[str]:
    """Words from last to first, with a quoted run joined into one unit."""
    units: list[str] = []
    index = len(words) - 1
    while index >= 0:
        word = words[index]
        if word[-1:] in _QUOTES and not (len(word) > 1 and word[0] in _QUOTES):
            start = index - 1
            while start >= 0 and words[start][0] not in _QUOTES:
                start -= 1
            if start >= 0:
                units.append(" ".join(words[start : index + 1]))
                index = start - 1
                continue
        units.append(word)
        index -= 1
    return units


def _classify_unit(unit: str) -> tuple[bool, str]:
    """(stop here?, text to keep) for one unit, read backwards from the citation."""
    if unit[-1] in _CLAUSE_END or unit in _SEPARATORS or unit.lower() in _STOP_WORDS:
        return True, ""
    if unit.startswith("("):
        word = unit[1:]
        return True, "" if word.lower() in _STOP_WORDS else word
    return False, unit


def message_id_from_url(url: str) -> str | None:
    """The Message-ID a lore / patch.msgid.link / lkml / patchwork URL names, else None."""
    text = url.strip().strip("<>")
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    segments = [segment for segment in parts.path.split("/") if segment]
    if host in _MSGID_HOSTS:
        candidates = segments[1:]
    elif host in _BARE_MSGID_HOSTS:
        candidates = segments
    elif host.startswith("patchwork.") and "patch" in segments:
        candidates = segments[segments.index("patch") + 1 :]
    else:
        return None
    return _message_id(candidates[:3])


def _message_id(segments: list[str]) -> str | None:
    """Join path segments up to the one holding `@` (an unescaped `/` splits a Message-ID)."""
    taken: list[str] = []
    for segment in segments:
        taken.append(unquote(segment))
        if "@" in taken[-1]:
            message_id = "/".join(taken).strip().strip("<>")
            return message_id or None
    return None
