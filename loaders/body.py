"""Split a patch or cover-letter body into what the graph needs.

Layout (domain.md): an optional `From:` line naming the real author, the commit message with
its trailers, a `---` line, then changelog, diffstat and diff, then a `-- ` signature. Only
the commit message carries trailers. Cover letters put their changelog, shortlog, footnotes
and b4 fields anywhere (even after a second `---`), so those are searched in the whole text
before the diff, plus the b4 lines (`base-commit:`, `change-id:`, `prerequisite-*:`) that b4
appends after the diff of a single patch.
"""

from __future__ import annotations

import re

from loaders.addresses import parse_address
from loaders.changelog import find_base, find_change_id, find_dependencies, find_version_links
from loaders.diffstat import parse_diff_files, parse_diffstat
from loaders.footnotes import find_footnotes
from loaders.records import Address, BodyInfo
from loaders.shortlog import parse_shortlog
from loaders.text import normalise_newlines, strip_signature
from loaders.trailers import parse_trailers

__all__ = ["parse_body"]

_B4_LINE_RE = re.compile(
    r"^(?:base-commit|change-id|prerequisite-[a-z-]+):[^\n]*", re.MULTILINE | re.IGNORECASE
)


def parse_body(body: str) -> BodyInfo:
    """Everything a body says: author override, commit message, trailers, files, links."""
    lines = strip_signature(normalise_newlines(body)).split("\n")
    from_override, start = _from_override(lines)
    lines = lines[start:]
    diff_at = _diff_start(lines)
    before_diff = lines[:diff_at]
    cut = _separator(before_diff)
    commit_message = _trim_blank_lines(before_diff[:cut])
    pre_text = "\n".join(before_diff)
    diff_text = "\n".join(lines[diff_at:])
    meta_text = pre_text + "\n" + "\n".join(_B4_LINE_RE.findall(diff_text))
    footnotes = find_footnotes(pre_text)
    version_links = find_version_links(pre_text, footnotes)
    base_commit, base_ref = find_base(meta_text)
    return BodyInfo(
        commit_message=commit_message,
        trailers=parse_trailers(commit_message),
        diffstat=parse_diffstat("\n".join(before_diff[cut + 1 :])) or parse_diffstat(pre_text),
        diff_files=parse_diff_files(diff_text) if diff_text else (),
        footnotes=footnotes,
        version_links=version_links,
        dependencies=find_dependencies(meta_text, footnotes, version_links),
        base_commit=base_commit,
        base_ref=base_ref,
        change_id=find_change_id(meta_text),
        from_override=from_override,
        shortlog=parse_shortlog(pre_text),
        has_diff=diff_at < len(lines),
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


def _diff_start(lines: list[str]) -> int:
    """Index of the first `diff --git` line (or a plain `---`/`+++`/`@@` header), else len."""
    for index, line in enumerate(lines):
        if line.startswith("diff --git "):
            return index
        if (
            line.startswith("--- ")
            and index + 2 < len(lines)
            and lines[index + 1].startswith("+++ ")
            and lines[index + 2].startswith("@@ ")
        ):
            return index
    return len(lines)


def _separator(lines: list[str]) -> int:
    """Index of the first line that is exactly `---` (the end of the commit message)."""
    for index, line in enumerate(lines):
        if line.rstrip() == "---":
            return index
    return len(lines)


def _trim_blank_lines(lines: list[str]) -> str:
    """Join lines, dropping blank lines at both ends and trailing spaces at the very end."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end]).rstrip()
