"""Loading sources into a store: detect the format, parse, assemble, write, summarise.

The summary's counts always add up: every message read is loaded, a duplicate (already in
the graph or twice in the source), or skipped; `defective` counts loaded messages that
carried defects (they are loaded as far as they could be parsed).
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graphapi.corpus import Corpus
from graphapi.gcpause import paused_gc
from graphapi.identity import Identities
from graphapi.incremental import keep_files, kept_files_of, rederive
from graphapi.ingest import batch_from_assembly
from graphapi.model import NodeKind
from graphapi.store.base import GraphStore
from graphapi.store.networkx_store import NetworkXStore
from loaders import maildir, mbox, publicinbox
from loaders.aliases import parse_aliases
from loaders.assemble import assemble
from loaders.assembled import Assembly
from loaders.companies import CompanyMap, company_map_with
from loaders.detect import SourceFormat, check_source
from loaders.digest import read_digest
from loaders.errors import SourceError
from loaders.mailmap import parse_mailmap
from loaders.maintainers import parse_maintainers
from loaders.parallel import parse_many
from loaders.records import Address, Message
from loaders.text import read_text_file

__all__ = ["LoadSummary", "check_sources", "load_into_store", "load_sources", "rebuild"]


@dataclass(slots=True)
class LoadSummary:
    """Counts for one load; `read == loaded + duplicates + skipped`."""

    read: int = 0
    loaded: int = 0
    duplicates: int = 0
    defective: int = 0
    skipped: int = 0
    series: int = 0
    patches: int = 0
    defect_reasons: dict[str, int] = field(default_factory=dict)
    skip_reasons: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return (
            f"read {self.read} / loaded {self.loaded} / duplicates {self.duplicates} / "
            f"defective {self.defective} / skipped {self.skipped} "
            f"({self.series} series, {self.patches} patches)"
        )


@dataclass(slots=True)
class _Source:
    messages: list[Message]
    people: list[Address]
    skipped: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # "maintainers"/"mailmap" -> text


def _parse_raw(items: Iterable[tuple[str, bytes]]) -> list[Message]:
    """Parse on every core (`$GRAPHAPI_WORKERS` overrides how many), in source order."""
    return list(parse_many(items))


def _read_inbox(path: Path, range_spec: str | None, corpus: Corpus) -> _Source:
    """Messages of a public-inbox archive; without a range, only what arrived since last time."""
    position = os.path.realpath(path)
    last = corpus.inbox_heads.get(position)
    if range_spec is None and last is not None:
        range_spec = f"{last}.."
    source = _Source([], [])

    def messages() -> Iterator[tuple[str, bytes]]:
        """The archive's messages; deletions are counted as skipped, heads kept up to date."""
        for entry in publicinbox.iter_entries(path, range_spec):
            corpus.inbox_heads[position] = entry.commit
            if entry.deleted:
                source.skipped["deleted from the archive"] = (
                    source.skipped.get("deleted from the archive", 0) + 1
                )
                continue
            yield entry.origin, entry.raw

    source.messages = _parse_raw(messages())
    return source


def _read_source(
    path: Path, range_spec: str | None, corpus: Corpus, forced: SourceFormat | None = None
) -> _Source:
    """Parse one source file or directory (as `forced`, else as detected) into messages
    (and the people it names)."""
    fmt = check_source(path, forced)  # one clear line for whatever cannot be loaded
    if range_spec and fmt is not SourceFormat.PUBLIC_INBOX:
        raise SourceError(f"{path}: --range applies to public-inbox git archives only")
    if fmt is SourceFormat.DIGEST:
        digest = read_digest(path)
        return _Source(list(digest.messages), [a for a, _ in digest.contributor_tally])
    if fmt in (SourceFormat.MBOX, SourceFormat.MAILDIR):
        source = _Source([], [])
        reader = mbox if fmt is SourceFormat.MBOX else maildir
        items = _reading(path, reader.iter_messages(path))
        source.messages = _parse_raw(_non_blank(items, source.skipped))
        return source
    if fmt is SourceFormat.PUBLIC_INBOX:
        return _read_inbox(path, range_spec, corpus)
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
    corpus: Corpus,
    forced: SourceFormat | None = None,
) -> _Parsed:
    check_sources(sources, forced)  # every source's one-line reason before slow parsing
    parsed = [_read_source(Path(source), range_spec, corpus, forced) for source in sources]
    skipped: dict[str, int] = {}
    for source in parsed:
        for reason, count in source.skipped.items():
            skipped[reason] = skipped.get(reason, 0) + count
    return _Parsed(
        [m for source in parsed for m in source.messages],
        [p for source in parsed for p in source.people],
        skipped,
        {name: text for source in parsed for name, text in source.files.items()},
    )


def _summary(parsed: _Parsed, added: list[Message]) -> LoadSummary:
    skipped = sum(parsed.skipped.values())
    summary = LoadSummary(read=len(parsed.messages) + skipped, skipped=skipped)
    summary.skip_reasons = parsed.skipped
    summary.duplicates = len(parsed.messages) - len(added)
    summary.loaded = len(added)
    _count_defects(summary, added)
    return summary


def load_sources(
    store: NetworkXStore,
    sources: Sequence[str | os.PathLike[str]],
    companies: CompanyMap | None = None,
    range_spec: str | None = None,
    *,
    fmt: SourceFormat | None = None,
) -> LoadSummary:
    """Parse the sources, add their new messages to the corpus, rebuild the graph from it.

    `companies` defaults to the built-in map plus the user map kept in the corpus. `fmt`
    (`load --format`) reads every source as that format instead of detecting it.
    """
    with paused_gc():  # millions of long-lived records: see graphapi.gcpause
        return _load_sources(store, sources, companies, range_spec, fmt)


def _load_sources(
    store: NetworkXStore,
    sources: Sequence[str | os.PathLike[str]],
    companies: CompanyMap | None,
    range_spec: str | None,
    fmt: SourceFormat | None,
) -> LoadSummary:
    corpus = store.corpus
    parsed = _parse_sources(sources, range_spec, corpus, fmt)
    corpus.add_people(parsed.people)
    corpus.maintainers_text = parsed.files.get("maintainers", corpus.maintainers_text)
    corpus.mailmap_text = parsed.files.get("mailmap", corpus.mailmap_text)
    summary = _summary(parsed, corpus.add_messages(parsed.messages))
    assembly = rebuild(store, companies)
    summary.series = sum(1 for s in assembly.series if s.resolved)
    summary.patches = len(assembly.patches)
    return summary


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
    store.replace(batch_from_assembly(assembly, companies, identities, maintainers))
    return assembly


def load_into_store(
    store: GraphStore,
    sources: Sequence[str | os.PathLike[str]],
    companies: CompanyMap | None = None,
    range_spec: str | None = None,
    *,
    company_map_text: str | None = None,
    aliases_text: str | None = None,
    fmt: SourceFormat | None = None,
) -> LoadSummary:
    """Incremental load for a store that keeps no corpus (Neo4j): merge this load's records.

    The records are assembled from this load's messages only, then merged idempotently; a
    message already in the store counts as a duplicate. MAINTAINERS and .mailmap sources,
    `aliases_text` and `company_map_text` are kept in the store and apply to this load and
    later ones; one that changes is re-applied to what the store holds first
    (`graphapi.incremental`). `companies`, when given, is used instead of the kept map.
    `fmt` (`load --format`) reads every source as that format instead of detecting it.
    """
    parsed = _parse_sources(sources, range_spec, Corpus(), fmt)
    kept = kept_files_of(store)
    wanted = kept.updated(
        maintainers=parsed.files.get("maintainers"),
        mailmap=parsed.files.get("mailmap"),
        aliases=aliases_text,
        company_map=company_map_text,
    )
    company_map_changed = companies is None and kept.company_map != wanted.company_map
    if companies is None:
        companies = wanted.companies()
    rederive(store, kept, wanted, companies, company_map_changed)
    keys = list(dict.fromkeys(m.key for m in parsed.messages))
    stored = store.get_many(NodeKind.MESSAGE, keys)
    known = {
        k for k, node in zip(keys, stored, strict=True) if node and not node.get("placeholder")
    }
    fresh = Corpus()
    added = fresh.add_messages(m for m in parsed.messages if m.key not in known)
    summary = _summary(parsed, added)
    assembly = assemble(parsed.messages, parsed.people)
    identities, maintainers = wanted.identities(), wanted.ownership()
    store.write(batch_from_assembly(assembly, companies, identities, maintainers))
    if wanted != kept:
        keep_files(store, wanted)  # last: a load that dies before re-applies them when re-run
    summary.series = sum(1 for s in assembly.series if s.resolved)
    summary.patches = len(assembly.patches)
    return summary


def _count_defects(summary: LoadSummary, messages: list[Message]) -> None:
    for message in messages:
        if message.defects:
            summary.defective += 1
            for reason in message.defects:
                summary.defect_reasons[reason] = summary.defect_reasons.get(reason, 0) + 1
