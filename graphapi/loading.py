"""Loading sources into a store: detect the format, parse, assemble, write, summarise.

The summary's counts always add up: every message read is loaded, a duplicate (already in
the graph or twice in the source), or skipped; `defective` counts loaded messages that
carried defects (they are loaded as far as they could be parsed).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from graphapi.corpus import Corpus, StoredMessages
from graphapi.gcpause import paused_gc
from graphapi.identity import Identities
from graphapi.incremental import KeptFiles, ParsedFiles, kept_files_of, rederive
from graphapi.ingest import batch_from_assembly, emit_assembly
from graphapi.merge_graph import commit_batch, sync_merges
from graphapi.merging import person_resolver
from graphapi.message_index import entries
from graphapi.model import NodeKind
from graphapi.progress import Reporter, silent
from graphapi.reading import BLANK_ENTRY, Intake, Parsed, check_sources, parse_sources
from graphapi.region import Region, find_region, walk_region
from graphapi.region_names import Names, name_indexes, stored_names
from graphapi.region_write import apply_region
from graphapi.store.base import MaintainedStore, StoreMaintenance
from graphapi.store.networkx_store import NetworkXStore
from loaders.assembly.assemble import assemble
from loaders.identity.companies import CompanyMap
from loaders.records import Message
from loaders.sources.detect import SourceFormat

__all__ = [
    "BLANK_ENTRY",
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
    #: Why the embedded store rebuilt its whole graph (None: it changed only the region the
    #: new messages touch, `graphapi.region`, or there was nothing to do).
    rebuilt_because: str | None = None
    #: How many messages an in-place update re-assembled (its region, old and new), of how
    #: many in the corpus; None when the graph was rebuilt whole or left as it was.
    reassembled: tuple[int, int] | None = None

    def graph_line(self) -> str | None:
        """How the graph took this load, for a user wondering why an update was slow:
        in place (the region's size) or rebuilt whole (why); None if nothing changed."""
        if self.reassembled is not None:
            region, corpus = self.reassembled
            return f"graph: updated in place, {region:,} of {corpus:,} messages re-assembled"
        if self.rebuilt_because is not None:
            return f"graph: rebuilt whole ({self.rebuilt_because})"
        return None

    def line(self) -> str:
        return (
            f"read {self.read} / loaded {self.loaded} / duplicates {self.duplicates} / "
            f"defective {self.defective} / skipped {self.skipped} / "
            f"reused Message-ID {self.reused_ids} "
            f"({self.series} series, {self.patches} patches"
            + (f", {self.commits} commits" if self.commits else "")
            + ")"
        )


def _summary(parsed: Parsed, added: list[Message], reused: int = 0) -> LoadSummary:
    return _summary_of(parsed, _Tally(added, reused))


def _summary_of(parsed: Parsed, tally: _Tally) -> LoadSummary:
    skipped = sum(parsed.skipped.values())
    summary = LoadSummary(read=parsed.count + parsed.known + skipped, skipped=skipped)
    summary.skip_reasons = parsed.skipped
    summary.duplicates = parsed.count - tally.loaded + parsed.known
    summary.loaded = tally.loaded
    summary.reused_ids = tally.reused
    summary.defective, summary.defect_reasons = tally.defective, tally.defect_reasons
    return summary


class _Tally:
    """What a summary says of the messages a load added, counted as they were added (the
    messages themselves are not kept)."""

    def __init__(self, added: Sequence[Message] = (), reused: int = 0) -> None:
        self.loaded, self.reused, self.defective = 0, reused, 0
        self.defect_reasons: dict[str, int] = {}
        self.count(added)

    def count(self, added: Sequence[Message]) -> None:
        self.loaded += len(added)
        for message in added:
            if message.defects:
                self.defective += 1
                for reason in message.defects:
                    self.defect_reasons[reason] = self.defect_reasons.get(reason, 0) + 1


class _CorpusIntake:
    """The embedded store's intake (`graphapi.reading.Intake`): new messages go into the
    corpus as they are parsed, and the corpus spills them to the database (`Corpus.spill`),
    so a load holds each message slim, never all of them whole."""

    def __init__(self, store: NetworkXStore) -> None:
        self.store = store
        self.tally = _Tally()
        self.added: set[str] = set()  # keys of the messages this load added
        #: How many messages the corpus held before this load's first (None: none came).
        self.held_before: int | None = None

    def __call__(self, messages: list[Message]) -> None:
        corpus = self.store.corpus
        if self.held_before is None:
            self.held_before = len(corpus.messages)
        reused: list[Message] = []
        added = corpus.add_messages(messages, reused)
        self.tally.count(added)
        self.added.update(message.key for message in added)
        self.tally.reused += len(reused)
        corpus.spill()


@dataclass(frozen=True, slots=True)
class _Given:
    """What a load was asked to apply besides its sources."""

    companies: CompanyMap | None = None  # instead of the kept company map
    company_map_text: str | None = None  # a company map to keep
    aliases_text: str | None = None  # an aliases file to keep

    def any_file(self) -> bool:
        return self.company_map_text is not None or self.aliases_text is not None

    def wanted(self, kept: KeptFiles, parsed: Parsed) -> KeptFiles:
        """The kept files with this load's replacing theirs."""
        return kept.updated(
            maintainers=parsed.files.get("maintainers"),
            mailmap=parsed.files.get("mailmap"),
            aliases=self.aliases_text,
            company_map=self.company_map_text,
        )


#: How a store takes a load's parsed sources: its summary, and the files to keep (None:
#: unchanged). `_rebuild_corpus` (embedded) or `_merge_records` (Neo4j).
Apply = Callable[[Any, "Parsed", _Given], tuple[LoadSummary, KeptFiles | None]]


def _load(
    store: StoreMaintenance,
    apply: Apply,
    sources: Sequence[str | os.PathLike[str]],
    range_spec: str | None,
    given: _Given,
    report: Reporter,
    fmt: SourceFormat | None,
    intake: Intake | None = None,
) -> LoadSummary:
    """The one load path: read the store's cursors, parse only what they say is new, let
    the store apply it, then record the files and cursors (last: a load that dies before
    re-reads, when re-run, what it had not recorded)."""
    with paused_gc():  # millions of long-lived records: see graphapi.gcpause
        cursors = store.load_cursors()
        before = dict(cursors)
        parsed = parse_sources(sources, range_spec, cursors, report, fmt, intake)
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
    intake = _CorpusIntake(store)

    def apply(
        store: NetworkXStore, parsed: Parsed, given: _Given
    ) -> tuple[LoadSummary, KeptFiles | None]:
        return _rebuild_corpus(store, parsed, given, intake)

    return _load(store, apply, sources, range_spec, given, report, fmt, intake)


def _rebuild_corpus(
    store: NetworkXStore, parsed: Parsed, given: _Given, intake: _CorpusIntake
) -> tuple[LoadSummary, KeptFiles | None]:
    """The embedded store's way: the graph rebuilt from the corpus, into which the intake
    put the new messages as they were parsed (only the region they touch, when it can be:
    `_update`)."""
    tally = intake.tally
    if parsed.nothing_new() and not given.any_file() and not store.materialised:
        summary = _summary_of(parsed, tally)  # not even the graph was read: nothing to rebuild
        summary.series, summary.patches = store.counts
        return summary, None
    kept = kept_files_of(store)
    wanted = given.wanted(kept, parsed)
    store.keep_files(wanted.as_dict())  # the rebuild applies them to every message
    corpus = store.corpus
    held = intake.held_before  # not counted from `added`: a reused id adds a derived key too
    before = len(corpus.messages) if held is None else held, len(corpus.people)
    corpus.add_people(parsed.people)
    summary = _summary_of(parsed, tally)
    summary.commits = len(corpus.add_commits(parsed.commits))
    corpus.code_heads.update({name: head for name, (_, head) in parsed.heads.items()})
    if store.partial is None:  # a partial graph's hint holds the updates made before
        store.touched = None
    changed = _whole_change(before, corpus, wanted != kept, tally.reused)
    files = ParsedFiles(wanted)  # what the store now keeps, parsed once for either way
    outcome = changed or _update(store, given.companies, intake.added, files)
    if isinstance(outcome, str):
        summary.rebuilt_because = outcome
        store.counts = rebuild(store, given.companies, files)
    else:
        summary.reassembled = (outcome, len(corpus.messages))
    summary.series, summary.patches = store.counts
    return summary, None if wanted == kept else wanted


def _whole_change(before: tuple[int, int], corpus: Corpus, files: bool, reused: int) -> str:
    """Why this load changes the whole graph ("": it may not), given the corpus' messages
    and people `before` it: a first load, identity or ownership files that changed, new
    people records (shortlogs), or a reused Message-ID (keys of other messages move)."""
    messages, people = before
    if not messages:
        return "a fresh load"
    if files:
        return "MAINTAINERS, .mailmap, aliases or the company map changed"
    if people != len(corpus.people):
        return "new people records"
    return "a Message-ID was reused" if reused else ""


def incremental_enabled() -> bool:
    """`GRAPHAPI_INCREMENTAL=0` turns incremental updates off (every load rebuilds)."""
    return os.environ.get("GRAPHAPI_INCREMENTAL", "1") != "0"


def _update(
    store: NetworkXStore, companies: CompanyMap | None, added: set[str], files: ParsedFiles
) -> str | int:
    """Re-assemble only the region the added messages touch and change the stored graph by
    the difference (`graphapi.region`); how many messages the region held when done, else
    why the graph must be rebuilt whole (the files and people kept are unchanged: the
    caller checked; `files`: the kept ones)."""
    if not incremental_enabled():
        return "incremental updates are off"
    corpus = store.corpus
    if corpus.commits:
        return "the corpus holds code trees' commits"
    kept_map = files.companies
    if companies is not None and companies != kept_map:
        return "a company map other than the kept one"
    identities, maintainers = files.identities, files.ownership
    region, names = _region(store, added, identities)
    if region.refusal is not None:
        return region.refusal
    region.read(corpus.messages)
    if store.region_reader is not None and not store.graph.number_of_nodes():
        rows = store.region_reader()  # the database's graph: only the rows the update reads
        rows.graph.graph["corpus"] = corpus
        store.graph, store.partial = rows.graph, rows
    refusal = apply_region(store, region, kept_map, identities, maintainers, names())
    return len(region.new) if refusal is None else refusal


def _region(
    store: NetworkXStore, added: set[str], identities: Identities
) -> tuple[Region, Callable[[], Names]]:
    """The region of the added messages, and how to know the corpus' shortlog names: from
    the database's `message_keys` when complete (reading only the region's rows), else from
    every message's index entry (which then completes them, `StoredIndex.fill`)."""
    corpus, stored = store.corpus, store.message_index
    people = corpus.people.values()
    if stored is not None and stored.complete:
        region = walk_region(stored, corpus.messages, len(corpus.messages), added)
        return region, partial(stored_names, stored, people, added, identities)
    index = entries(corpus.messages, stored)
    if stored is not None:
        stored.fill(index.values())
    region = find_region(index, added)
    return region, partial(name_indexes, index, people, added, identities)


def rebuild(
    store: NetworkXStore, companies: CompanyMap | None = None, files: ParsedFiles | None = None
) -> tuple[int, int]:
    """Re-assemble the whole graph from the store's corpus and swap it in; returns how
    many series (resolved) and patches it holds. Memory: the graph is built from the
    assembly's records as they are made (`ingest.emit_assembly`), never from a whole batch,
    and what assembly read dies as it is mapped (the corpus' decoded messages are dropped:
    the database has them). `files`: the store's kept files, parsed already (an update that
    was refused)."""
    corpus = store.corpus
    if files is None:
        files = ParsedFiles(kept_files_of(store))
    identities, maintainers = files.identities, files.ownership
    assembly = assemble(corpus.messages.values(), corpus.people.values())
    counts = assembly.counts()
    if isinstance(corpus.messages, StoredMessages):
        corpus.messages.forget()  # the database has them: only the assembly holds them now
    # bodies stay in the corpus (and the database), not in the graph; no whole batch is held,
    # and the assembly's messages, series and patches are freed as they are mapped
    store.replace_with(
        partial(
            emit_assembly,
            assembly,
            files.companies if companies is None else companies,
            identities=identities,
            maintainers=maintainers,
            bodies=False,
            consume=True,
        )
    )
    del assembly
    if corpus.commits:
        heads = {name: ("", head) for name, head in corpus.code_heads.items()}
        store.write(commit_batch(corpus.commits.values(), person_resolver(identities), heads))
        sync_merges(store)
    return counts


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
    store: MaintainedStore, parsed: Parsed, given: _Given
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
    summary.series, summary.patches = assembly.counts()
    return summary, None if wanted == kept else wanted


def _add_commits(store: MaintainedStore, parsed: Parsed, identities: Identities) -> int:
    """Write this load's commits and tree heads, then re-match if the store holds a tree."""
    known = store.get_many(NodeKind.COMMIT, [c.sha for c in parsed.commits])
    fresh = [c for c, node in zip(parsed.commits, known, strict=True) if node is None]
    if parsed.commits or parsed.heads:
        store.write(commit_batch(parsed.commits, person_resolver(identities), parsed.heads))
    sync_merges(store)  # new mail may land in commits loaded before, too
    return len(fresh)
