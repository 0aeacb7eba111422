"""Assembly: parsed messages -> series, patches, version links, dependencies, people.

The one place where messages meet each other. Pure: the same messages give the same
records, in the same order, so a re-load writes exactly what is already there.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from datetime import datetime

from loaders.assembly.carry import carry_trailers
from loaders.assembly.digest_copies import drop_digest_copies
from loaders.assembly.lineage import lineage_edges
from loaders.assembly.replies import reply_trailers
from loaders.assembly.results import (
    Assembly,
    PatchRecord,
    SeriesKind,
    SeriesRecord,
    TrailerUse,
    VersionEdge,
)
from loaders.assembly.threads import SeriesGroup, first_of_each_key, group_series, is_backport
from loaders.assembly.versions import chain_siblings, dependency_targets, version_lineage
from loaders.mail.files import FileResolver, files_of
from loaders.records import Address, FileChange, Message, TrailerSource

__all__ = ["assemble", "canonical_order", "lineage_key", "normalise_title", "people_of"]


def normalise_title(title: str) -> str:
    """Title compared across versions: case and whitespace folded (`split()` splits on the
    same Unicode whitespace as `re`'s `\\s`, several times faster)."""
    return " ".join(title.split()).lower()


def lineage_key(author: Address | None, title: str) -> str:
    """Patches of one lineage (v3 1/4 and v4 1/5 of the same change) share this key."""
    return f"{author.email if author else ''}|{normalise_title(title)}"


def assemble(
    messages: Iterable[Message],
    people: Iterable[Address] = (),
    patch_ids: Mapping[str, str] | None = None,
    known_paths: Iterable[str] = (),
) -> Assembly:
    """Turn parsed messages of one load into records (see module docstring).

    `known_paths`: full file paths seen beyond `messages`, to complete shortened diffstat
    paths with (a region of a corpus is assembled with the corpus' paths).

    `patch_ids` (message key -> patch-id) defaults to the ids parse_body computed for the
    patches, so b4's `prerequisite-patch-id` lines resolve to the series holding the patch.
    """
    messages = canonical_order(messages)
    if patch_ids is None:
        patch_ids = {
            m.key: m.info.patch_id for m in messages if m.info.patch_id and not m.subject.is_reply
        }
    unique, duplicates = first_of_each_key(messages)
    unique, copies = drop_digest_copies(unique)
    result = Assembly(messages=unique, duplicates=duplicates + copies, people=list(people))
    groups = group_series(unique)
    resolver = FileResolver(unique, known_paths)
    given = reply_trailers(unique, groups)
    for group in groups:
        _add_group(result, group, resolver, given)
    result.aliases = _aliases(groups) | _change_id_aliases(result.series)
    result.aliases |= _patch_id_aliases(patch_ids, result.aliases)
    _resolve_versions(result)
    carry_trailers(result, patch_ids)
    result.people.extend(people_of(unique))
    return result


def canonical_order(messages: Iterable[Message]) -> list[Message]:
    """The messages by date, then key; undated ones (digest entries) last, as they came.

    Assembly keeps the first of a group, the nearest earlier series, the first sighting of a
    name: the order it reads messages in decides those. Reading them in an order that
    depends only on the messages makes the graph a function of what was loaded, not of how
    it was split into loads or in which order the parts came.
    """
    dated: list[Message] = []
    undated: list[Message] = []
    for message in messages:
        (dated if message.date is not None else undated).append(message)
    dated.sort(key=_date_and_key)
    return dated + undated


def _date_and_key(message: Message) -> tuple[datetime, str]:
    assert message.date is not None  # only dated messages are sorted
    return message.date, message.key


def _aliases(groups: list[SeriesGroup]) -> dict[str, str]:
    """Message key of every cover and patch -> the key of its series (where they differ)."""
    aliases: dict[str, str] = {}
    for group in groups:
        members = [group.cover, *group.patches] if group.cover else group.patches
        for message in members:
            if message.key != group.key:
                aliases.setdefault(message.key, group.key)
    return aliases


def _patch_id_aliases(patch_ids: Mapping[str, str], aliases: dict[str, str]) -> dict[str, str]:
    """`patch-id:<git patch-id --stable>` (a b4 prerequisite) -> the series of that patch."""
    return {f"patch-id:{pid}": aliases.get(key, key) for key, pid in patch_ids.items()}


def _change_id_aliases(series: list[SeriesRecord]) -> dict[str, str]:
    """`change-id:<id>:vN` (a b4 prerequisite) -> the loaded series with that change-id and
    version; `change-id:<id>` -> its newest loaded version."""
    aliases: dict[str, str] = {}
    newest: dict[str, SeriesRecord] = {}
    for record in series:
        if not record.resolved or not record.change_id:
            continue
        aliases.setdefault(f"change-id:{record.change_id}:v{record.version}", record.key)
        best = newest.get(record.change_id)
        if best is None or (record.version, not record.is_rfc) > (best.version, not best.is_rfc):
            newest[record.change_id] = record
    aliases.update({f"change-id:{cid}": record.key for cid, record in newest.items()})
    return aliases


def _resolve_versions(result: Assembly) -> None:
    """Point links at loaded series, drop placeholders that resolved, add implicit lineage."""
    loaded = {s.key for s in result.series if s.resolved}
    result.series = [
        s
        for s in result.series
        if s.resolved or (s.key not in loaded and s.key not in result.aliases)
    ]
    linked: dict[tuple[str, str], VersionEdge] = {}
    for edge in result.versions:
        older = result.series_key(edge.older)
        if older != edge.newer:
            linked.setdefault((edge.newer, older), VersionEdge(edge.newer, older, edge.linked_by))
    loaded_series = {s.key: s for s in result.series if s.resolved}
    result.versions = chain_siblings(list(linked.values()), loaded_series)
    result.versions += lineage_edges(result.series, result.versions)


def _add_group(
    result: Assembly,
    group: SeriesGroup,
    resolver: FileResolver,
    given: dict[str, list[TrailerUse]],
) -> None:
    series = _series_record(group, resolver)
    result.series.append(series)
    full_titles = _FullTitles(_shortlog_titles(group))
    for patch in sorted(group.patches, key=lambda m: m.subject.number or 0):
        result.patches.append(_patch_record(patch, series, resolver, full_titles, given))
    placeholders, edges = version_lineage(series, group.first)
    result.series.extend(placeholders)
    result.versions.extend(edges)
    result.series.extend(dependency_targets(series))


def _series_record(group: SeriesGroup, resolver: FileResolver) -> SeriesRecord:
    first = group.first
    subject = first.subject
    info = first.info
    return SeriesRecord(
        key=group.key,
        title=subject.title,
        version=group.version,
        is_rfc=subject.is_rfc,
        total=subject.total or max((p.subject.number or 1 for p in group.patches), default=1),
        message_id=first.message_id,
        author=_author(first),
        date=first.date,
        cover_key=group.cover.key if group.cover else None,
        numbers_seen=tuple(sorted({p.subject.number or 1 for p in group.patches})),
        base_commit=info.base_commit,
        base_ref=info.base_ref,
        is_resend=subject.is_resend,
        change_id=info.change_id,
        dependencies=info.dependencies,
        files=_series_files(group, resolver),
        contributors=tuple((g.author_name, g.count) for g in info.shortlog),
        kind=SeriesKind.PULL_REQUEST if group.is_pull else SeriesKind.PATCH_SERIES,
        is_backport=is_backport(first),
        patch_titles=frozenset(normalise_title(p.subject.title) for p in group.patches),
        patch_fingerprints=frozenset(
            (p.info.patch_id, normalise_title(p.subject.title))
            for p in group.patches
            if p.info.patch_id
        ),
    )


def _series_files(group: SeriesGroup, resolver: FileResolver) -> tuple[FileChange, ...]:
    if group.cover is not None and group.cover.info.diffstat is not None:
        return files_of(group.cover, resolver)
    seen: dict[str, FileChange] = {}
    for patch in group.patches:
        for change in files_of(patch, resolver):
            seen.setdefault(change.path, change)
    return tuple(seen.values())


def _shortlog_titles(group: SeriesGroup) -> list[str]:
    if group.cover is None:
        return []
    return [title for block in group.cover.info.shortlog for title in block.titles]


class _FullTitles:
    """A cover's shortlog titles, to complete a digest subject cut at a line fold: the
    shortest title (the first of equals) whose normalised form starts with the subject's.

    Sorted by normalised form, the titles one subject starts are a single run found by
    bisection, so a series of hundreds of patches does not compare each with every title.
    """

    def __init__(self, titles: list[str]) -> None:
        self.entries = sorted((normalise_title(t), index, t) for index, t in enumerate(titles))
        self.keys = [normalised for normalised, _, _ in self.entries]

    def complete(self, title: str) -> str:
        if not self.keys:
            return title
        wanted = normalise_title(title)
        best: tuple[int, int, str] | None = None  # (length, shortlog order, title)
        at = bisect.bisect_left(self.keys, wanted)
        while at < len(self.keys) and self.keys[at].startswith(wanted):
            _, index, full = self.entries[at]
            if best is None or (len(full), index) < best[:2]:
                best = (len(full), index, full)
            at += 1
        return best[2] if best is not None else title


def _author(message: Message) -> Address | None:
    return message.info.from_override or message.author


def _patch_record(
    patch: Message,
    series: SeriesRecord,
    resolver: FileResolver,
    full_titles: _FullTitles,
    given: dict[str, list[TrailerUse]],
) -> PatchRecord:
    subject = patch.subject
    title = full_titles.complete(subject.title)
    author = _author(patch)
    files = files_of(patch, resolver)
    stat = patch.info.diffstat
    body_trailers = tuple(
        TrailerUse(t, TrailerSource.BODY, patch.key, date=patch.date) for t in patch.info.trailers
    )
    return PatchRecord(
        key=patch.key,
        message_id=patch.message_id,
        subject=subject.raw,
        title=title,
        number=subject.number if subject.number is not None else 1,
        total=subject.total or 1,
        version=series.version,  # the series' version, whatever this mail's label says
        is_rfc=subject.is_rfc,
        series_key=series.key,
        lineage=lineage_key(author, title),
        author=author,
        date=patch.date,
        trailers=body_trailers + tuple(given.get(patch.key, ())),
        files=files,
        insertions=_total(stat.insertions if stat else None, [f.insertions for f in files]),
        deletions=_total(stat.deletions if stat else None, [f.deletions for f in files]),
    )


def _total(summary: int | None, parts: list[int | None]) -> int | None:
    if summary is not None:
        return summary
    known = [p for p in parts if p is not None]
    return sum(known) if known else None


def people_of(messages: list[Message]) -> list[Address]:
    """Everyone named as author or in a person trailer, in order of appearance (what
    `Assembly.people` adds to the people given)."""
    people: list[Address] = []
    for message in messages:
        if message.author is not None:
            people.append(message.author)
        if message.info.from_override is not None:
            people.append(message.info.from_override)
        people.extend(t.person for t in message.info.trailers if t.person is not None)
    return people
