"""Loading sources into a store: detect the format, parse, assemble, write, summarise.

The summary's counts always add up: every message read is loaded, a duplicate (already in
the graph or twice in the source), or skipped; `defective` counts loaded messages that
carried defects (they are loaded as far as they could be parsed).
"""

from __future__ import annotations

import gzip
import itertools
import os
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphapi.corpus import Corpus
from graphapi.cursors import (
    CODE_TREE,
    FileCursor,
    MaildirCursor,
    cursor_key,
    file_fingerprint,
)
from graphapi.gcpause import paused_gc
from graphapi.identity import Identities
from graphapi.incremental import KeptFiles, kept_files_of, rederive
from graphapi.ingest import batch_from_assembly
from graphapi.merge_graph import commit_batch, sync_merges
from graphapi.merging import person_resolver, read_tree
from graphapi.model import NodeKind
from graphapi.progress import Progress, Reporter, silent
from graphapi.store.base import MaintainedStore, StoreMaintenance
from graphapi.store.networkx_store import NetworkXStore
from loaders.assembly.assemble import assemble
from loaders.assembly.results import Assembly
from loaders.errors import SourceError
from loaders.identity.aliases import parse_aliases
from loaders.identity.companies import CompanyMap, company_map_with
from loaders.identity.mailmap import parse_mailmap
from loaders.identity.maintainers import parse_maintainers
from loaders.mail.parallel import parse_many
from loaders.mail.text import read_text_file
from loaders.records import Address, Message
from loaders.sources import maildir, mbox, publicinbox
from loaders.sources.detect import SourceFormat, check_source
from loaders.sources.digest import read_digest
from loaders.sources.gitrepo import CodeCommit

__all__ = [
    "LoadSummary",
    "check_sources",
    "load_into_store",
    "load_sources",
    "rebuild",
]


@dataclass(slots=True)
class LoadSummary:
    """Counts for one load; `read == loaded + duplicates + skipped`."""

    read: int = 0
    loaded: int = 0
    duplicates: int = 0
    reused_ids: int = 0  # loaded messages whose Message-ID another, different message has
    defective: int = 0
    skipped: int = 0
    commits: int = 0  # new commits of code trees (not messages: not in `read`)
    series: int = 0
    patches: int = 0
    defect_reasons: dict[str, int] = field(default_factory=dict)
    skip_reasons: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return (
            f"read {self.read} / loaded {self.loaded} / duplicates {self.duplicates} / "
            f"defective {self.defective} / skipped {self.skipped} / "
            f"reused Message-ID {self.reused_ids} "
            f"({self.series} series, {self.patches} patches"
            + (f", {self.commits} commits" if self.commits else "")
            + ")"
        )


@dataclass(slots=True)
class _Source:
    messages: list[Message]
    people: list[Address]
    skipped: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # "maintainers"/"mailmap" -> text
    known: int = 0  # messages read by an earlier load and not read again (duplicates)
    commits: list[CodeCommit] = field(default_factory=list)  # a code tree's (issue 16)
    heads: dict[str, tuple[str, str]] = field(default_factory=dict)  # tree -> (path, head)


def _parse_raw(
    items: Iterable[tuple[str, bytes]],
    progress: Progress | None = None,
    total: Callable[[int], int | None] = lambda done: None,
) -> list[Message]:
    """Parse on every core (`$GRAPHAPI_WORKERS` overrides how many), in source order,
    counted by `progress` (`total(done)` estimates how many there are)."""
    parsed = parse_many(items)
    return list(progress.track(parsed, total) if progress is not None else parsed)


class _MboxTotal:
    """Messages in an mbox, estimated from the bytes read so far against the file's
    (uncompressed) size; a gzip file states that size, modulo 4 GiB, in its last 4 bytes."""

    def __init__(self, path: Path, plain: bool) -> None:
        size = path.stat().st_size
        if not plain:
            with path.open("rb") as handle:
                handle.seek(max(0, size - 4))
                size = int.from_bytes(handle.read(4), "little")
        self._size, self._bytes, self._messages = size, 0, 0

    def note(self, items: Iterable[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
        """`items`, their sizes counted as they pass."""
        for origin, raw in items:
            self._bytes += len(raw)
            self._messages += 1
            yield origin, raw

    def __call__(self, done: int) -> int | None:
        if not self._bytes or self._size < self._bytes:
            return None
        return round(self._messages * self._size / self._bytes)


def _read_inbox(
    path: Path, range_spec: str | None, cursors: dict[str, str], progress: Progress
) -> _Source:
    """Messages of a public-inbox archive; without a range, only what arrived since last time."""
    position = cursor_key("public-inbox", path)
    last = cursors.get(position)
    if range_spec is None and last is not None:
        range_spec = f"{last}.."
    source = _Source([], [])

    def messages() -> Iterator[tuple[str, bytes]]:
        """The archive's messages; deletions are counted as skipped, heads kept up to date."""
        for entry in publicinbox.iter_entries(path, range_spec):
            cursors[position] = entry.commit
            if entry.deleted:
                source.skipped["deleted from the archive"] = (
                    source.skipped.get("deleted from the archive", 0) + 1
                )
                continue
            yield entry.origin, entry.raw

    total = publicinbox.count_entries(path, range_spec)
    source.messages = _parse_raw(messages(), progress, lambda done: total)
    return source


def _read_mbox(path: Path, cursors: dict[str, str], progress: Progress) -> _Source:
    """An mbox's messages past those an earlier load read (see `graphapi.cursors`)."""
    key, now = cursor_key("mbox", path), file_fingerprint(path)
    saved = FileCursor.parse(cursors.get(key))
    if saved is not None and saved.unchanged(now):
        return _Source([], [], skipped=dict(saved.skipped), known=saved.messages)
    with path.open("rb") as probe:
        plain = probe.read(2) != b"\x1f\x8b"
    resume = saved if saved is not None and saved.appended_to(now, plain) else None
    source = _Source([], [], skipped=dict(resume.skipped) if resume else {})
    source.known = resume.messages if resume else 0
    entries = [resume.entries if resume else 0]

    def counted(items: Iterable[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
        for item in items:
            entries[0] += 1
            yield item

    total = _MboxTotal(path, plain)
    items = _reading(path, mbox.iter_messages(path))
    raw = itertools.islice(total.note(items), entries[0], None)
    source.messages = _parse_raw(_non_blank(counted(raw), source.skipped), progress, total)
    cursor = FileCursor(*now, entries=entries[0], skipped=dict(source.skipped))
    cursor.messages = source.known + len(source.messages)
    cursors[key] = cursor.dump()
    return source


def _read_maildir(path: Path, cursors: dict[str, str], progress: Progress) -> _Source:
    """A Maildir's message files not read by an earlier load (files are never rewritten)."""
    key = cursor_key("maildir", path)
    cursor = MaildirCursor.parse(cursors.get(key))
    seen = set(cursor.names)
    source = _Source([], [], known=len(seen))

    new = []
    for file_path in maildir.message_files(path):
        name = os.path.basename(file_path).split(":", 1)[0]  # flags change the name
        if name not in seen:
            seen.add(name)
            new.append(file_path)

    def fresh() -> Iterator[tuple[str, bytes]]:
        for file_path in new:
            with open(file_path, "rb") as handle:
                yield file_path, handle.read()

    items = _non_blank(_reading(path, fresh()), source.skipped)
    source.messages = _parse_raw(items, progress, lambda _: len(new))
    cursors[key] = MaildirCursor(sorted(seen)).dump()
    return source


def _read_digest(path: Path, cursors: dict[str, str]) -> _Source:
    key, now = cursor_key("digest", path), file_fingerprint(path)
    saved = FileCursor.parse(cursors.get(key))
    if saved is not None and saved.unchanged(now):
        return _Source([], [], known=saved.messages)
    digest = read_digest(path)
    messages = list(digest.messages)
    cursors[key] = FileCursor(*now, entries=len(messages), messages=len(messages)).dump()
    return _Source(messages, [a for a, _ in digest.contributor_tally])


def _read_tree(path: Path, range_spec: str | None, cursors: dict[str, str]) -> _Source:
    """A code tree's commits past the head an earlier load read (`graphapi.merging`)."""
    heads = {
        key.removeprefix(CODE_TREE): value
        for key, value in cursors.items()
        if key.startswith(CODE_TREE)
    }
    commits, found = read_tree(path, range_spec, heads)
    cursors.update((CODE_TREE + name, head) for name, (_, head) in found.items())
    return _Source([], [], commits=commits, heads=found)


def _read_source(
    path: Path,
    range_spec: str | None,
    cursors: dict[str, str],
    report: Reporter = silent,
    forced: SourceFormat | None = None,
) -> _Source:
    """Parse one source file or directory (as `forced`, else as detected) into messages
    (and the people it names), reading only what `cursors` says is new."""
    fmt = check_source(path, forced)  # one clear line for whatever cannot be loaded
    if range_spec and fmt not in (SourceFormat.PUBLIC_INBOX, SourceFormat.CODE_REPO):
        raise SourceError(f"{path}: --range applies to git repositories only")
    if fmt is SourceFormat.CODE_REPO:
        return _read_tree(path, range_spec, cursors)
    if fmt is SourceFormat.DIGEST:
        return _read_digest(path, cursors)
    if fmt is SourceFormat.MBOX:
        return _read_mbox(path, cursors, report(path.name))
    if fmt is SourceFormat.MAILDIR:
        return _read_maildir(path, cursors, report(path.name))
    if fmt is SourceFormat.PUBLIC_INBOX:
        return _read_inbox(path, range_spec, cursors, report(path.name))
    if fmt is SourceFormat.MAINTAINERS:
        text = read_text_file(path, "MAINTAINERS file")
        parse_maintainers(text, str(path))  # a file without any entry fails here, loudly
        return _Source([], [], files={"maintainers": text})
    if fmt is SourceFormat.MAILMAP:
        return _Source([], [], files={"mailmap": read_text_file(path, "mailmap")})
    raise SourceError(f"{path}: cannot load a source of format {fmt.value}")


BLANK_ENTRY = "empty entry (whitespace only)"


def _non_blank(
    items: Iterable[tuple[str, bytes]], skipped: dict[str, int]
) -> Iterator[tuple[str, bytes]]:
    """The entries holding anything; the others are counted as skipped (`BLANK_ENTRY`)."""
    for origin, raw in items:
        if raw.strip():
            yield origin, raw
        else:
            skipped[BLANK_ENTRY] = skipped.get(BLANK_ENTRY, 0) + 1


def _reading(path: Path, items: Iterator[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
    """`items`, with a failure to read the source part-way made one clear line.

    Detection reads only the start of a file: a `.gz` cut short, or a Maildir file that
    cannot be opened, shows up only here. The whole load then fails and writes nothing.
    """
    count = 0
    try:
        for item in items:
            yield item
            count += 1
    except EOFError as exc:
        raise SourceError(
            f"{path}: truncated gzip file (its data stops early; {count} messages read whole)"
        ) from exc
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise SourceError(f"{path}: corrupt gzip file after {count} messages ({exc})") from exc
    except OSError as exc:
        where = exc.filename or path
        raise SourceError(f"{where}: cannot read: {exc.strerror or exc}") from exc


@dataclass(slots=True)
class _Parsed:
    messages: list[Message]
    people: list[Address]
    skipped: dict[str, int]
    files: dict[str, str]
    known: int = 0
    commits: list[CodeCommit] = field(default_factory=list)
    heads: dict[str, tuple[str, str]] = field(default_factory=dict)

    def nothing_new(self) -> bool:
        """True when the sources held nothing an earlier load had not read."""
        return not (self.messages or self.people or self.files or self.commits)


def check_sources(
    sources: Sequence[str | os.PathLike[str]], fmt: SourceFormat | None = None
) -> None:
    """Raise the one-line SourceError of the first source that cannot be loaded (as `fmt`,
    else as detected): cheap, so a load can refuse bad input before waiting for the db."""
    for path in sources:
        check_source(path, fmt)


def _parse_sources(
    sources: Sequence[str | os.PathLike[str]],
    range_spec: str | None,
    cursors: dict[str, str],
    report: Reporter = silent,
    forced: SourceFormat | None = None,
) -> _Parsed:
    check_sources(sources, forced)  # every source's one-line reason before slow parsing
    parsed = [_read_source(Path(source), range_spec, cursors, report, forced) for source in sources]
    skipped: dict[str, int] = {}
    for source in parsed:
        for reason, count in source.skipped.items():
            skipped[reason] = skipped.get(reason, 0) + count
    return _Parsed(
        [m for source in parsed for m in source.messages],
        [p for source in parsed for p in source.people],
        skipped,
        {name: text for source in parsed for name, text in source.files.items()},
        sum(source.known for source in parsed),
        [c for source in parsed for c in source.commits],
        {name: head for source in parsed for name, head in source.heads.items()},
    )


def _summary(parsed: _Parsed, added: list[Message], reused: int = 0) -> LoadSummary:
    skipped = sum(parsed.skipped.values())
    summary = LoadSummary(read=len(parsed.messages) + parsed.known + skipped, skipped=skipped)
    summary.skip_reasons = parsed.skipped
    summary.duplicates = len(parsed.messages) - len(added) + parsed.known
    summary.loaded = len(added)
    summary.reused_ids = reused
    _count_defects(summary, added)
    return summary


@dataclass(frozen=True, slots=True)
class _Given:
    """What a load was asked to apply besides its sources."""

    companies: CompanyMap | None = None  # instead of the kept company map
    company_map_text: str | None = None  # a company map to keep
    aliases_text: str | None = None  # an aliases file to keep

    def any_file(self) -> bool:
        return self.company_map_text is not None or self.aliases_text is not None

    def wanted(self, kept: KeptFiles, parsed: _Parsed) -> KeptFiles:
        """The kept files with this load's replacing theirs."""
        return kept.updated(
            maintainers=parsed.files.get("maintainers"),
            mailmap=parsed.files.get("mailmap"),
            aliases=self.aliases_text,
            company_map=self.company_map_text,
        )


#: How a store takes a load's parsed sources: its summary, and the files to keep (None:
#: unchanged). `_rebuild_corpus` (embedded) or `_merge_records` (Neo4j).
Apply = Callable[[Any, "_Parsed", _Given], tuple[LoadSummary, KeptFiles | None]]


def _load(
    store: StoreMaintenance,
    apply: Apply,
    sources: Sequence[str | os.PathLike[str]],
    range_spec: str | None,
    given: _Given,
    report: Reporter,
    fmt: SourceFormat | None,
) -> LoadSummary:
    """The one load path: read the store's cursors, parse only what they say is new, let
    the store apply it, then record the files and cursors (last: a load that dies before
    re-reads, when re-run, what it had not recorded)."""
    with paused_gc():  # millions of long-lived records: see graphapi.gcpause
        cursors = store.load_cursors()
        before = dict(cursors)
        parsed = _parse_sources(sources, range_spec, cursors, report, fmt)
        summary, files = apply(store, parsed, given)
        moved = {key: value for key, value in cursors.items() if before.get(key) != value}
        if files is not None or moved:
            store.record_load(None if files is None else files.as_dict(), moved)
        return summary


def load_sources(
    store: NetworkXStore,
    sources: Sequence[str | os.PathLike[str]],
    companies: CompanyMap | None = None,
    range_spec: str | None = None,
    *,
    report: Reporter = silent,
    fmt: SourceFormat | None = None,
    company_map_text: str | None = None,
    aliases_text: str | None = None,
) -> LoadSummary:
    """Parse the sources, add their new messages to the corpus, rebuild the graph from it.

    `companies` defaults to the built-in map plus the user map kept in the corpus
    (`company_map_text` replaces that, `aliases_text` the kept aliases). `fmt` (`load
    --format`) reads every source as that format instead of detecting it; `report` shows
    the parsing's progress (`graphapi.progress`).
    """
    given = _Given(companies, company_map_text, aliases_text)
    return _load(store, _rebuild_corpus, sources, range_spec, given, report, fmt)


def _rebuild_corpus(
    store: NetworkXStore, parsed: _Parsed, given: _Given
) -> tuple[LoadSummary, KeptFiles | None]:
    """The embedded store's way: new messages into the corpus, the graph rebuilt from it."""
    if parsed.nothing_new() and not given.any_file() and not store.materialised:
        summary = _summary(parsed, [])  # not even the graph was read: nothing to rebuild
        summary.series, summary.patches = store.counts
        return summary, None
    kept = kept_files_of(store)
    wanted = given.wanted(kept, parsed)
    store.keep_files(wanted.as_dict())  # the rebuild applies them to every message
    corpus = store.corpus
    corpus.add_people(parsed.people)
    reused: list[Message] = []
    summary = _summary(parsed, corpus.add_messages(parsed.messages, reused), len(reused))
    summary.commits = len(corpus.add_commits(parsed.commits))
    corpus.code_heads.update({name: head for name, (_, head) in parsed.heads.items()})
    assembly = rebuild(store, given.companies)
    summary.series = sum(1 for s in assembly.series if s.resolved)
    summary.patches = len(assembly.patches)
    store.counts = (summary.series, summary.patches)
    return summary, None if wanted == kept else wanted


def rebuild(store: NetworkXStore, companies: CompanyMap | None = None) -> Assembly:
    """Re-assemble the whole graph from the store's corpus and swap it in."""
    corpus = store.corpus
    if companies is None:
        companies = company_map_with(corpus.company_map_text, "company map")
    identities = Identities(
        parse_mailmap(corpus.mailmap_text) if corpus.mailmap_text else None,
        parse_aliases(corpus.aliases_text) if corpus.aliases_text else {},
    )
    maintainers = parse_maintainers(corpus.maintainers_text) if corpus.maintainers_text else None
    assembly = assemble(corpus.messages.values(), corpus.people.values())
    batch = batch_from_assembly(assembly, companies, identities, maintainers, bodies=False)
    store.replace(batch)  # bodies stay in the corpus (and the database), not in the graph
    if corpus.commits:
        heads = {name: ("", head) for name, head in corpus.code_heads.items()}
        store.write(commit_batch(corpus.commits.values(), person_resolver(identities), heads))
        sync_merges(store)
    return assembly


def load_into_store(
    store: MaintainedStore,
    sources: Sequence[str | os.PathLike[str]],
    companies: CompanyMap | None = None,
    range_spec: str | None = None,
    *,
    company_map_text: str | None = None,
    aliases_text: str | None = None,
    fmt: SourceFormat | None = None,
    report: Reporter = silent,
) -> LoadSummary:
    """Incremental load for a store that keeps no corpus (Neo4j): merge this load's records.

    The same path as `load_sources` (`_load`): only what the store's cursors say is new is
    read. The records are assembled from this load's messages only, then merged
    idempotently; a message already in the store counts as a duplicate. MAINTAINERS and
    .mailmap sources, `aliases_text` and `company_map_text` are kept in the store and apply
    to this load and later ones; one that changes is re-applied to what the store holds
    first (`graphapi.incremental`). `companies`, when given, is used instead of the kept
    map. `fmt` (`load --format`) reads every source as that format instead of detecting it.
    """
    given = _Given(companies, company_map_text, aliases_text)
    return _load(store, _merge_records, sources, range_spec, given, report, fmt)


def _merge_records(
    store: MaintainedStore, parsed: _Parsed, given: _Given
) -> tuple[LoadSummary, KeptFiles | None]:
    """Neo4j's way: this load's new messages assembled and merged into what is stored."""
    if parsed.nothing_new() and not given.any_file():
        return _summary(parsed, []), None  # nothing read, nothing to write
    kept = kept_files_of(store)
    wanted = given.wanted(kept, parsed)
    companies = given.companies
    company_map_changed = companies is None and kept.company_map != wanted.company_map
    if companies is None:
        companies = wanted.companies()
    rederive(store, kept, wanted, companies, company_map_changed)
    keys = list(dict.fromkeys(m.key for m in parsed.messages))
    stored = store.get_many(NodeKind.MESSAGE, keys)
    known = {
        k for k, node in zip(keys, stored, strict=True) if node and not node.get("placeholder")
    }
    fresh, reused = Corpus(), list[Message]()
    added = fresh.add_messages((m for m in parsed.messages if m.key not in known), reused)
    summary = _summary(parsed, added, len(reused))
    # re-keyed variants of a reused Message-ID are assembled too (a plain key would drop them)
    ours = [*fresh.messages.values(), *(m for m in parsed.messages if m.key in known)]
    assembly = assemble(ours, parsed.people)
    identities, maintainers = wanted.identities(), wanted.ownership()
    store.write(batch_from_assembly(assembly, companies, identities, maintainers))
    summary.commits = _add_commits(store, parsed, identities)
    summary.series = sum(1 for s in assembly.series if s.resolved)
    summary.patches = len(assembly.patches)
    return summary, None if wanted == kept else wanted


def _add_commits(store: MaintainedStore, parsed: _Parsed, identities: Identities) -> int:
    """Write this load's commits and tree heads, then re-match if the store holds a tree."""
    known = store.get_many(NodeKind.COMMIT, [c.sha for c in parsed.commits])
    fresh = [c for c, node in zip(parsed.commits, known, strict=True) if node is None]
    if parsed.commits or parsed.heads:
        store.write(commit_batch(parsed.commits, person_resolver(identities), parsed.heads))
    sync_merges(store)  # new mail may land in commits loaded before, too
    return len(fresh)


def _count_defects(summary: LoadSummary, messages: list[Message]) -> None:
    for message in messages:
        if message.defects:
            summary.defective += 1
            for reason in message.defects:
                summary.defect_reasons[reason] = summary.defect_reasons.get(reason, 0) + 1
