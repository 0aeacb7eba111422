"""Version lineage without explicit links: change-id, message-id slug, patch-ids, titles.

Changelog links ("Link to v3: ...") are the best evidence and are handled in
`loaders.assembly.versions`. Where a series states none, versions are still recognisable, each way
recorded as the edge's `LinkedBy`:

- CHANGE_ID: b4 writes the same `change-id:` into every version of a series;
- MSGID_SLUG: b4 message-ids embed a slug and the version:
  `20251219-kvm-arm64-set-id-regs-aarch64-v3-0-...`;
- PATCH_IDS: the same author sends patches with the same `git patch-id` and title again (a
  re-roll that carries patches unchanged, a RESEND, a partial resend). More than half of
  the larger posting's patches must be shared, or the later posting must resend only
  patches of the earlier, so a series that merely picked up a patch posted alone before is
  not its re-roll; the title must match too: two one-line fixes can have identical diffs;
- PATCH_TITLES: the same author sends the same set of patch titles (a v2 sent without a
  cover after a v1 with one);
- TITLE: the last resort (as Patchew does): same author and same normalised title.

Title matches guard against generic titles ("fix typo", "KVM: x86: Cleanups"): where the two
postings carry the same version label (an unlabeled re-roll or a RESEND, so nothing but the
title says they are one work), the title with its `subsystem:` prefixes removed must have
at least `_MIN_TITLE_WORDS` words of three letters or more; a `v2` after a `v1` of the same
title by the same author says it itself. Pull requests and stable backports
(`[PATCH 5.4 3/9]`, AUTOSEL) are never linked: they carry patches of other series and are
no re-roll of them.

Series that share any of these keys form one lineage (union-find), ordered by version (an RFC
before the non-RFC of the same number) and date; each is linked to the nearest earlier one it
shares a key with directly (never to one it reaches only through a third posting). Two sends
of the same version are a re-roll when the later is a RESEND or they are hours apart; a
same-version send minutes later is the same posting sent twice and stays unlinked.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import timedelta

from loaders.assembly.results import LinkedBy, SeriesKind, SeriesRecord, VersionEdge
from loaders.assembly.versions import version_order

__all__ = ["b4_slug", "is_specific_title", "lineage_edges"]

_B4_MSGID = re.compile(r"^\d{8}-(?P<slug>.+?)-v\d+-\d+-[0-9a-f]{6,}@", re.IGNORECASE)
_B4_V1_MSGID = re.compile(r"^\d{8}-(?P<slug>.+?)-\d+-[0-9a-f]{6,}@", re.IGNORECASE)
_SUBSYSTEM_PREFIX = re.compile(r"^(?:[\w./,+*{} -]{1,40}:\s+)+")
_REROLL_GAP = timedelta(hours=6)
_MIN_TITLE_WORDS = 3
_STRENGTH = list(LinkedBy)  # strongest first, as the enum lists them


def b4_slug(message_id: str | None) -> str | None:
    """The series slug b4 embeds in its message-ids, or None for other shapes.

    >>> b4_slug("20251219-kvm-arm64-set-id-regs-aarch64-v3-0-bfa474ec3218@kernel.org")
    'kvm-arm64-set-id-regs-aarch64'
    """
    if not message_id:
        return None
    match = _B4_MSGID.match(message_id) or _B4_V1_MSGID.match(message_id)
    return match.group("slug").lower() if match else None


def is_specific_title(title: str) -> bool:
    """Whether a title says enough to identify one piece of work by one author: after its
    `subsystem:` prefixes, `_MIN_TITLE_WORDS` words of three letters or more.

    >>> is_specific_title("KVM: x86: Fix a typo")
    False
    >>> is_specific_title("virtio: support advance DMA")
    True
    """
    words = _SUBSYSTEM_PREFIX.sub("", title.strip()).split()
    return sum(1 for word in words if len(word) >= 3) >= _MIN_TITLE_WORDS


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


def _keys_of(series: SeriesRecord) -> Iterable[tuple[LinkedBy, str]]:
    """The lineage keys of one posting, each with the kind of evidence it is."""
    if series.change_id:
        yield LinkedBy.CHANGE_ID, "change-id:" + series.change_id
    email = series.author.email if series.author else None
    if email is None:
        return
    slug = b4_slug(series.message_id)
    if slug:
        yield LinkedBy.MSGID_SLUG, f"b4:{email}:{slug}"
    title = " ".join(series.title.split()).lower()
    yield LinkedBy.TITLE, f"title:{email}:{title}"
    titles = sorted(series.patch_titles)
    if titles and titles != [title] and any(is_specific_title(t) for t in titles):
        yield LinkedBy.PATCH_TITLES, f"patch-titles:{email}:" + "\n".join(titles)


def _patch_id_pairs(series: list[SeriesRecord]) -> Iterable[tuple[str, str]]:
    """Pairs of postings by one author that are one work by their patch-ids (`_same_work`)."""
    owners: dict[tuple[str, str, str], list[SeriesRecord]] = defaultdict(list)
    for record in series:
        if record.author is not None:
            for pid, title in record.patch_fingerprints:
                owners[(record.author.email, pid, title)].append(record)
    shared: Counter[tuple[str, str]] = Counter()
    by_key: dict[str, SeriesRecord] = {}
    for records in owners.values():
        for a, b in itertools.combinations(records, 2):
            if a.key != b.key:
                shared[(min(a.key, b.key), max(a.key, b.key))] += 1
                by_key[a.key], by_key[b.key] = a, b
    for (first, second), count in shared.items():
        if _same_work(by_key[first], by_key[second], count):
            yield first, second


def _same_work(a: SeriesRecord, b: SeriesRecord, shared: int) -> bool:
    """More than half of the larger posting's patches are shared; or the later posting, no larger a
    series than the earlier, resends only patches of it (a partial resend). Not: a later,
    larger series that merely picked up a patch of the earlier one."""
    earlier, later = sorted((a, b), key=_order_by_date)
    seen_later, seen_earlier = len(later.patch_fingerprints), len(earlier.patch_fingerprints)
    if shared == seen_later < seen_earlier and later.total <= earlier.total:
        return True
    return 2 * shared > max(seen_later, seen_earlier)


def _order_by_date(series: SeriesRecord) -> tuple[str, str]:
    return (series.date.isoformat() if series.date else "", series.key)


class _Evidence:
    """Which keys each posting has, so an edge can say how its two ends were matched."""

    def __init__(self, series: list[SeriesRecord]) -> None:
        self.union = _UnionFind()
        self.keys: dict[str, dict[str, LinkedBy]] = {}
        self.patch_ids: set[tuple[str, str]] = set()
        for record in series:
            self.keys[record.key] = dict((key, kind) for kind, key in _keys_of(record))
            for key in self.keys[record.key]:
                self.union.union("series:" + record.key, key)
        for a, b in _patch_id_pairs(series):
            self.patch_ids.add((a, b))
            self.union.union("series:" + a, "series:" + b)

    def linked_by(self, older: SeriesRecord, newer: SeriesRecord) -> LinkedBy | None:
        """The strongest evidence the two share directly, or None: postings joined only
        through a third one are not linked to each other."""
        kinds = {kind for key, kind in self.keys[newer.key].items() if key in self.keys[older.key]}
        if (min(older.key, newer.key), max(older.key, newer.key)) in self.patch_ids:
            kinds.add(LinkedBy.PATCH_IDS)
        return min(kinds, key=_STRENGTH.index) if kinds else None

    def lineages(self, series: list[SeriesRecord]) -> list[list[SeriesRecord]]:
        groups: dict[str, list[SeriesRecord]] = {}
        for record in series:
            groups.setdefault(self.union.find("series:" + record.key), []).append(record)
        return [g for g in groups.values() if len(g) > 1]


def _order(series: SeriesRecord) -> tuple[tuple[int, int], str, str]:
    date = series.date.isoformat() if series.date else ""
    return version_order(series.version, series.is_rfc), date, series.key


def _is_next(older: SeriesRecord, newer: SeriesRecord, linked_by: LinkedBy) -> bool:
    """Whether `newer` is a later version of `older` (see the module docstring)."""
    if version_order(older.version, older.is_rfc) != version_order(newer.version, newer.is_rfc):
        return True
    if older.date is None or newer.date is None:
        return False
    if linked_by is LinkedBy.TITLE and not is_specific_title(newer.title):
        return False
    return newer.is_resend or newer.date - older.date >= _REROLL_GAP


def lineage_edges(series: list[SeriesRecord], linked: list[VersionEdge]) -> list[VersionEdge]:
    """Edges newer -> older for loaded series that changelog links did not already connect.

    Each posting is linked to the nearest earlier one (in version, then date order) of its
    lineage that it shares evidence with directly, and that has no newer version yet.
    """
    has_older = {e.newer for e in linked}
    has_newer = {e.older for e in linked}
    candidates = [
        s for s in series if s.resolved and s.kind is SeriesKind.PATCH_SERIES and not s.is_backport
    ]
    evidence = _Evidence(candidates)
    edges: list[VersionEdge] = []
    for group in evidence.lineages(candidates):
        ordered = sorted(group, key=_order)
        for index, newer in enumerate(ordered):
            if newer.key in has_older:
                continue
            edge = _nearest_older(newer, ordered[:index], has_newer, evidence)
            if edge is not None:
                edges.append(edge)
                has_older.add(newer.key)
                has_newer.add(edge.older)
    return edges


def _nearest_older(
    newer: SeriesRecord, earlier: list[SeriesRecord], has_newer: set[str], evidence: _Evidence
) -> VersionEdge | None:
    """The edge from `newer` to the latest of `earlier` it is a next version of, if any."""
    for older in reversed(earlier):
        if older.key in has_newer:
            continue
        linked_by = evidence.linked_by(older, newer)
        if linked_by is not None and _is_next(older, newer, linked_by):
            return VersionEdge(newer.key, older.key, linked_by)
    return None
