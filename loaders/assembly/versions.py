"""Version lineage and dependency targets as placeholder series.

Versions of a series are rarely threaded together; the changelog links them ("Link to v3:",
"RFC v2: <url>", "Changes from v2 [1]"). Each link names an earlier version by Message-ID;
that version becomes a placeholder series under the same key it will have when its own mail
is loaded (its cover's Message-ID), so it resolves by itself. Links are chained newest to
oldest: v4 -> v3 -> v2 -> v1, an RFC before the non-RFC of the same number.
"""

from __future__ import annotations

import itertools
import re

from loaders.assembly.results import SeriesRecord, VersionEdge
from loaders.records import DependencyRef, Message, VersionLink

__all__ = [
    "chain_siblings",
    "dependency_key",
    "dependency_targets",
    "version_lineage",
    "version_order",
]

_VERSION_IN_LABEL = re.compile(r"\b[vV](\d{1,3})\b")


def version_order(version: int, is_rfc: bool) -> tuple[int, int]:
    """Sort key: RFC v2 comes before v2, which comes before v3."""
    return (version, 0 if is_rfc else 1)


def _placeholder(series: SeriesRecord, link: VersionLink, version: int) -> SeriesRecord:
    return SeriesRecord(
        key=link.message_id or link.url,
        title=series.title,
        version=version,
        is_rfc=link.is_rfc,
        total=0,
        resolved=False,
        message_id=link.message_id,
        author=series.author,
        url=link.url,
    )


def version_lineage(
    series: SeriesRecord, first: Message
) -> tuple[list[SeriesRecord], list[VersionEdge]]:
    """Placeholders for the earlier versions `first` links to, and the edges between them."""
    current = version_order(series.version, series.is_rfc)
    older: dict[str, SeriesRecord] = {}
    for link in first.info.version_links:
        if not link.message_id or link.message_id == series.key:
            continue
        version = link.version if link.version is not None else max(series.version - 1, 1)
        if version_order(version, link.is_rfc) >= current:
            continue
        older.setdefault(link.message_id, _placeholder(series, link, version))
    chain = sorted(older.values(), key=lambda s: version_order(s.version, s.is_rfc), reverse=True)
    keys = [series.key, *(s.key for s in chain)]
    edges = [VersionEdge(newer, older_key) for newer, older_key in itertools.pairwise(keys)]
    return chain, edges


def chain_siblings(edges: list[VersionEdge], series: dict[str, SeriesRecord]) -> list[VersionEdge]:
    """Edges where several later versions link to one earlier one, made a chain.

    A changelog often names only the first posting ("RFC: <url>"), so v1, v2 and v3 would all
    point at the RFC; each is instead linked to the version just before it among them (in
    version, then date order), and only the earliest to the RFC.
    """
    newers: dict[str, list[VersionEdge]] = {}
    for edge in edges:
        newers.setdefault(edge.older, []).append(edge)
    chained: list[VersionEdge] = []
    for older, group in newers.items():
        known = [e for e in group if e.newer in series]
        if len(known) < 2:
            chained.extend(group)
            continue
        known.sort(key=lambda e: _sibling_order(series[e.newer]))
        previous = older
        for edge in known:
            chained.append(VersionEdge(edge.newer, previous, edge.linked_by))
            previous = edge.newer
        chained.extend(e for e in group if e.newer not in series)
    return chained


def _sibling_order(record: SeriesRecord) -> tuple[tuple[int, int], str, str]:
    date = record.date.isoformat() if record.date else ""
    return version_order(record.version, record.is_rfc), date, record.key


def dependency_key(ref: DependencyRef) -> str | None:
    """The series key a dependency points at, or None for a tree/commit URL."""
    if ref.message_id:
        return ref.message_id
    if ref.change_id:
        suffix = f":v{ref.version}" if ref.version else ""
        return f"change-id:{ref.change_id}{suffix}"
    if ref.patch_id:
        return f"patch-id:{ref.patch_id}"
    return None


def dependency_targets(series: SeriesRecord) -> list[SeriesRecord]:
    """Placeholder series for every dependency that names a series."""
    targets: list[SeriesRecord] = []
    for ref in series.dependencies:
        key = dependency_key(ref)
        if key is None or ref.patch_id:  # patch-ids resolve to loaded patches or to nothing
            continue
        match = _VERSION_IN_LABEL.search(ref.label)
        version = ref.version or (int(match.group(1)) if match else 1)
        targets.append(
            SeriesRecord(
                key=key,
                title=ref.label or key,
                version=version,
                is_rfc="rfc" in ref.label.lower(),
                total=0,
                resolved=False,
                message_id=ref.message_id,
                change_id=ref.change_id,
                url=ref.url,
            )
        )
    return targets
