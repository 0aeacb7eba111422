"""Version lineage without explicit links: b4 change-id, b4 message-id shape, same title.

Changelog links ("Link to v3: ...") are the best evidence and are handled in
`loaders.versions`. Where a series states none, versions are still recognisable:

- b4 writes the same `change-id:` into every version of a series;
- b4 message-ids embed a slug and the version: `20251219-kvm-arm64-set-id-regs-aarch64-v3-0-...`;
- the last resort (as Patchew does): same author and same normalised title.

Series that share any of these keys form one lineage (union-find), ordered by version (an RFC
before the non-RFC of the same number) and date. Two sends of the same version are a re-roll
only when they are hours apart and neither is a RESEND; otherwise they are one version sent
twice and stay unlinked.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from datetime import timedelta

from loaders.assembled import SeriesRecord, VersionEdge
from loaders.versions import version_order

__all__ = ["b4_slug", "lineage_edges"]

_B4_MSGID = re.compile(r"^\d{8}-(?P<slug>.+?)-v\d+-\d+-[0-9a-f]{6,}@", re.IGNORECASE)
_B4_V1_MSGID = re.compile(r"^\d{8}-(?P<slug>.+?)-\d+-[0-9a-f]{6,}@", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_REROLL_GAP = timedelta(hours=6)


def b4_slug(message_id: str | None) -> str | None:
    """The series slug b4 embeds in its message-ids, or None for other shapes.

    >>> b4_slug("20251219-kvm-arm64-set-id-regs-aarch64-v3-0-bfa474ec3218@kernel.org")
    'kvm-arm64-set-id-regs-aarch64'
    """
    if not message_id:
        return None
    match = _B4_MSGID.match(message_id) or _B4_V1_MSGID.match(message_id)
    return match.group("slug").lower() if match else None


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        root = self.parent.setdefault(item, item)
        while root != self.parent[root]:
            root = self.parent[root]
        self.parent[item] = root
        return root

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def _keys_of(series: SeriesRecord) -> Iterable[str]:
    if series.change_id:
        yield "change-id:" + series.change_id
    slug = b4_slug(series.message_id)
    if slug and series.author:
        yield f"b4:{series.author.email}:{slug}"
    if series.author:
        yield f"title:{series.author.email}:{_SPACES.sub(' ', series.title).strip().lower()}"


def _lineages(series: list[SeriesRecord]) -> list[list[SeriesRecord]]:
    union = _UnionFind()
    for record in series:
        for key in _keys_of(record):
            union.union("series:" + record.key, key)
    groups: dict[str, list[SeriesRecord]] = {}
    for record in series:
        groups.setdefault(union.find("series:" + record.key), []).append(record)
    return [g for g in groups.values() if len(g) > 1]


def _order(series: SeriesRecord) -> tuple[tuple[int, int], str, str]:
    date = series.date.isoformat() if series.date else ""
    return version_order(series.version, series.is_rfc), date, series.key


def _is_next(older: SeriesRecord, newer: SeriesRecord) -> bool:
    if version_order(older.version, older.is_rfc) != version_order(newer.version, newer.is_rfc):
        return True
    if newer.is_resend or older.date is None or newer.date is None:
        return False
    return newer.date - older.date >= _REROLL_GAP


def lineage_edges(series: list[SeriesRecord], linked: list[VersionEdge]) -> list[VersionEdge]:
    """Edges newer -> older for loaded series that changelog links did not already connect."""
    has_older = {e.newer for e in linked}
    has_newer = {e.older for e in linked}
    edges: list[VersionEdge] = []
    for group in _lineages([s for s in series if s.resolved]):
        ordered = sorted(group, key=_order)
        for older, newer in itertools.pairwise(ordered):
            if newer.key in has_older or older.key in has_newer or not _is_next(older, newer):
                continue
            edges.append(VersionEdge(newer.key, older.key))
            has_older.add(newer.key)
            has_newer.add(older.key)
    return edges
