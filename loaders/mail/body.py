"""Split a patch or cover-letter body into what the graph needs.

Layout of a patch mail: an optional `From:` line naming the real author, the commit message with
its trailers, a `---` line, then changelog, diffstat and diff, then a `-- ` signature. Only the
commit message carries trailers. List footers (`loaders.mail.footers`) are cut first, wherever they
stand: one glued to a trailer block would turn the trailers into prose. Cover letters put their
changelog, shortlog, footnotes and b4 fields anywhere (even after a second `---`), so those are
searched in the whole text before the diff, plus the b4 lines (`base-commit:`, `change-id:`,
`prerequisite-*:`) that b4 appends after the diff of a single patch.

Speed (BENCHMARKS.md, section 1): the body is split into lines once and the parsers share
those lines (`TextLines`); the diff, the `---` line and the signature are found with `str.find`
rather than by looping over every line of a reply that quotes a whole patch.
"""

from __future__ import annotations

import re

from loaders.identity.addresses import parse_address
from loaders.mail.changelog import (
    find_base_in,
    find_change_id_in,
    find_dependencies_in,
    find_version_links_in,
)
from loaders.mail.diffstat import parse_diff_lines, parse_diffstat_in
from loaders.mail.footers import strip_footers
from loaders.mail.footnotes import find_footnotes_in
from loaders.mail.patchid import patch_id
from loaders.mail.replytext import own_text, reply_kinds, review_trailers_in
from loaders.mail.shortlog import parse_shortlog_in
from loaders.mail.text import TextLines, findall_folded, normalise_newlines, strip_signature
from loaders.mail.trailers import parse_trailers_in
from loaders.records import Address, BodyInfo

__all__ = ["parse_body"]

# A b4 line right after a newline: the literal `\n` lets the regex engine jump from line to
# line; the first line of a diff is its `diff --git`/`---` header, never a b4 line.
_B4_LINE_RE = re.compile(
    r"\n((?:base-commit|change-id|prerequisite-[a-z-]+):[^\n]*)", re.IGNORECASE
)
_B4_NEEDLES = ("\nbase-commit:", "\nchange-id:", "\nprerequisite-")  # every match starts so


def parse_body(body: str) -> BodyInfo:
    """Everything a body says: author override, commit message, trailers, files, links."""
    text = strip_signature(strip_footers(normalise_newlines(body)))
    lines = text.split("\n")
    from_override, start = _from_override(lines)
    start_at = sum(map(len, lines[:start])) + start  # where line `start` begins in `text`
    diff_off = _diff_offset(text, start_at)
    diff_at = text.count("\n", 0, diff_off) if diff_off >= 0 else len(lines)
    before_diff = lines[start:diff_at]
    pre_end = diff_off - 1 if diff_off >= 0 else len(text)
    pre_text = text[start_at:pre_end] if before_diff else ""
    cut = _separator(pre_text, len(before_diff))
    message_lines = _commit_message_lines(before_diff[:cut])
    b4_lines = findall_folded(_B4_LINE_RE, text, _B4_NEEDLES, diff_off) if diff_off >= 0 else []
    pre = TextLines(pre_text, before_diff or [""])
    meta = TextLines(pre_text + "\n" + "\n".join(b4_lines), pre.lines + (b4_lines or [""]))
    footnotes = find_footnotes_in(pre)
    version_links = find_version_links_in(pre, footnotes)
    base_commit, base_ref = find_base_in(meta)
    commit_message = "\n".join(message_lines)
    has_diff = diff_off >= 0
    trailers = parse_trailers_in(TextLines(commit_message, message_lines or [""]))
    return BodyInfo(
        commit_message=commit_message,
        trailers=trailers,
        diffstat=parse_diffstat_in(pre, cut + 1) or parse_diffstat_in(pre),
        diff_files=parse_diff_lines(lines[diff_at:]) if diff_off >= 0 else (),
        footnotes=footnotes,
        version_links=version_links,
        dependencies=find_dependencies_in(meta, footnotes, version_links),
        base_commit=base_commit,
        base_ref=base_ref,
        change_id=find_change_id_in(meta),
        from_override=from_override,
        shortlog=parse_shortlog_in(pre),
        has_diff=has_diff,
        patch_id=patch_id(body) if has_diff else None,  # of the body as sent, as git does
        # a patch's review trailers are read from its commit message: those just parsed
        review_trailers=reply_kinds(trailers) if has_diff else review_trailers_in(own_text(text)),
    )


def _from_override(lines: list[str]) -> tuple[Address | None, int]:
    """A first non-blank line `From: Name <addr>`; returns it and where the body goes on."""
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index == len(lines) or not lines[index].startswith("From:"):
        return None, 0
    address = parse_address(lines[index][len("From:") :])
    if address is None:
        return None, 0
    index += 1
    while index < len(lines) and not lines[index].strip():
        index += 1
    return address, index


def _find_line(text: str, prefix: str, start: int) -> int:
    """Offset of the first line at or after `start` (a line start) beginning with `prefix`."""
    if text.startswith(prefix, start):
        return start
    hit = text.find("\n" + prefix, start)
    return hit + 1 if hit >= 0 else -1


def _diff_offset(text: str, start: int) -> int:
    """Offset of the first `diff --git` line (or a plain `---`/`+++`/`@@` header), else -1."""
    git = _find_line(text, "diff --git ", start)
    limit = git if git >= 0 else len(text)
    hit = text.find("\n+++ ", start)
    while 0 <= hit < limit:  # a plain header: `--- ` above the `+++ ` line, `@@ ` below it
        above = text.rfind("\n", 0, hit) + 1
        below = text.find("\n", hit + 1) + 1
        ok = above >= start and below and text.startswith("--- ", above)
        if ok and text.startswith("@@ ", below):
            return above
        hit = text.find("\n+++ ", hit + 1)
    return git


def _separator(text: str, count: int) -> int:
    """Index of the first line that is exactly `---` (the end of the commit message)."""
    at = _find_line(text, "---", 0)
    while at >= 0:
        end = text.find("\n", at)
        if (text[at:end] if end >= 0 else text[at:]).rstrip() == "---":
            return text.count("\n", 0, at)
        at = _find_line(text, "---", end + 1) if end >= 0 else -1
    return count


def _commit_message_lines(lines: list[str]) -> list[str]:
    """The lines without blank lines at both ends, the last one without trailing spaces."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    kept = lines[start:end]
    if kept:
        kept[-1] = kept[-1].rstrip()
    return kept
