"""Loading sources into a store: detect the format, parse, assemble, write, summarise.

The summary's counts always add up: every message read is loaded, a duplicate (already in
the graph or twice in the source), or skipped; `defective` counts loaded messages that
carried defects (they are loaded as far as they could be parsed).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graphapi.corpus import Corpus
from graphapi.gcpause import paused_gc
from graphapi.identity import Identities
from graphapi.incremental import keep_files, kept_files_of, rederive
from graphapi.ingest import batch_from_assembly
from graphapi.merge_graph import commit_batch, stored_head, sync_merges
from graphapi.merging import person_resolver, read_tree
from graphapi.model import NodeKind
from graphapi.store.base import GraphStore
from graphapi.store.networkx_store import NetworkXStore
from loaders import maildir, mbox, publicinbox
from loaders.aliases import parse_aliases
from loaders.assemble import assemble
from loaders.assembled import Assembly
from loaders.companies import CompanyMap, company_map_with
from loaders.detect import SourceFormat, detect_format
from loaders.digest import read_digest
from loaders.errors import SourceError
from loaders.gitrepo import CodeCommit, repository_name
from loaders.mailmap import parse_mailmap
from loaders.maintainers import parse_maintainers
from loaders.parallel import parse_many
from loaders.records import Address, Message
from loaders.text import read_text_file

__all__ = ["LoadSummary", "load_into_store", "load_sources", "rebuild"]


@dataclass(slots=True)
class LoadSummary:
    """Counts for one load; `read == loaded + duplicates + skipped`."""

    read: int = 0
    loaded: int = 0
    duplicates: int = 0
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
            f"defective {self.defective} / skipped {self.skipped} "
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
    commits: list[CodeCommit] = field(default_factory=list)  # a code tree's (issue 16)
    heads: dict[str, tuple[str, str]] = field(default_factory=dict)  # tree -> (path, head)


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


def _read_source(path: Path, range_spec: str | None, corpus: Corpus) -> _Source:
    """Parse one source file or directory into messages (and people it names)."""
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    fmt = detect_format(path)
    if range_spec and fmt not in (SourceFormat.PUBLIC_INBOX, SourceFormat.CODE_REPO):
        raise SourceError(f"{path}: --range applies to git repositories only")
    if fmt is SourceFormat.CODE_REPO:
        commits, heads = read_tree(path, range_spec, corpus.code_heads)
        return _Source([], [], commits=commits, heads=heads)
    if fmt is SourceFormat.DIGEST:
        digest = read_digest(path)
        return _Source(list(digest.messages), [a for a, _ in digest.contributor_tally])
    if fmt in (SourceFormat.MBOX, SourceFormat.MAILDIR):
        source = _Source([], [])
        reader = mbox if fmt is SourceFormat.MBOX else maildir
        source.messages = _parse_raw(_non_blank(reader.iter_messages(path), source.skipped))
        return source
    if fmt is SourceFormat.PUBLIC_INBOX:
        return _read_inbox(path, range_spec, corpus)
    if fmt is SourceFormat.MAINTAINERS:
        text = read_text_file(path, "MAINTAINERS file")
        parse_maintainers(text, str(path))  # a file without any entry fails here, loudly
        return _Source([], [], files={"maintainers": text})
    if fmt is SourceFormat.MAILMAP:
        return _Source([], [], files={"mailmap": read_text_file(path, "mailmap")})
    raise SourceError(_unknown_reason(path, fmt))


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


def _unknown_reason(path: Path, fmt: SourceFormat) -> str:
    if path.is_dir():
        return f"{path}: a directory that is not a known archive (Maildir, public-inbox git)"
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not head.strip():
        return f"{path}: empty file"
    if b"\x00" in head:
        return f"{path}: binary file, not a mail archive or digest"
    return f"{path}: unknown format (expected a digest, mbox, Maildir or public-inbox git)"


@dataclass(slots=True)
class _Parsed:
    messages: list[Message]
    people: list[Address]
    skipped: dict[str, int]
    files: dict[str, str]
    commits: list[CodeCommit] = field(default_factory=list)
    heads: dict[str, tuple[str, str]] = field(default_factory=dict)


def _parse_sources(
    sources: Sequence[str | os.PathLike[str]], range_spec: str | None, corpus: Corpus
) -> _Parsed:
    parsed = [_read_source(Path(source), range_spec, corpus) for source in sources]
    skipped: dict[str, int] = {}
    for source in parsed:
        for reason, count in source.skipped.items():
            skipped[reason] = skipped.get(reason, 0) + count
    return _Parsed(
        [m for source in parsed for m in source.messages],
        [p for source in parsed for p in source.people],
        skipped,
        {name: text for source in parsed for name, text in source.files.items()},
        [c for source in parsed for c in source.commits],
        {name: head for source in parsed for name, head in source.heads.items()},
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
) -> LoadSummary:
    """Parse the sources, add their new messages to the corpus, rebuild the graph from it.

    `companies` defaults to the built-in map plus the user map kept in the corpus.
    """
    with paused_gc():  # millions of long-lived records: see graphapi.gcpause
        return _load_sources(store, sources, companies, range_spec)


def _load_sources(
    store: NetworkXStore,
    sources: Sequence[str | os.PathLike[str]],
    companies: CompanyMap | None,
    range_spec: str | None,
) -> LoadSummary:
    corpus = store.corpus
    parsed = _parse_sources(sources, range_spec, corpus)
    corpus.add_people(parsed.people)
    corpus.maintainers_text = parsed.files.get("maintainers", corpus.maintainers_text)
    corpus.mailmap_text = parsed.files.get("mailmap", corpus.mailmap_text)
    summary = _summary(parsed, corpus.add_messages(parsed.messages))
    summary.commits = len(corpus.add_commits(parsed.commits))
    corpus.code_heads.update({name: head for name, (_, head) in parsed.heads.items()})
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
    if corpus.commits:
        heads = {name: ("", head) for name, head in corpus.code_heads.items()}
        store.write(commit_batch(corpus.commits.values(), person_resolver(identities), heads))
        sync_merges(store)
    return assembly


def load_into_store(
    store: GraphStore,
    sources: Sequence[str | os.PathLike[str]],
    companies: CompanyMap | None = None,
    range_spec: str | None = None,
    *,
    company_map_text: str | None = None,
    aliases_text: str | None = None,
) -> LoadSummary:
    """Incremental load for a store that keeps no corpus (Neo4j): merge this load's records.

    The records are assembled from this load's messages only, then merged idempotently; a
    message already in the store counts as a duplicate. MAINTAINERS and .mailmap sources,
    `aliases_text` and `company_map_text` are kept in the store and apply to this load and
    later ones; one that changes is re-applied to what the store holds first
    (`graphapi.incremental`). `companies`, when given, is used instead of the kept map.
    """
    parsed = _parse_sources(sources, range_spec, _cursors(store, sources))
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
    summary.commits = _add_commits(store, parsed, identities)
    if wanted != kept:
        keep_files(store, wanted)  # last: a load that dies before re-applies them when re-run
    summary.series = sum(1 for s in assembly.series if s.resolved)
    summary.patches = len(assembly.patches)
    return summary


def _cursors(store: GraphStore, sources: Sequence[str | os.PathLike[str]]) -> Corpus:
    """A scratch corpus holding the stored head of each code tree among `sources`."""
    corpus = Corpus()
    for source in sources:
        if detect_format(source) is SourceFormat.CODE_REPO:
            name = repository_name(source)
            head = stored_head(store, name)
            if head is not None:
                corpus.code_heads[name] = head
    return corpus


def _add_commits(store: GraphStore, parsed: _Parsed, identities: Identities) -> int:
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
