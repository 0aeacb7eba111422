"""Map assembled loader records onto the graph ontology (`GraphBatch`).

The only place that knows both vocabularies: loaders speak of series, patches and
trailers; the graph of nodes and edges keyed as `graphapi.model` says. Companies are
decided here too, from the configured `CompanyMap`, so one map applies to every source.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from graphapi.identity import Identities
from graphapi.model import (
    MESSAGE_BODY_LIMIT,
    EdgeKind,
    EdgeRecord,
    GraphBatch,
    NodeKind,
    NodeRecord,
)
from loaders.assembly.assemble import normalise_title
from loaders.assembly.results import Assembly, PatchRecord, SeriesRecord, TrailerUse
from loaders.assembly.versions import dependency_key
from loaders.identity.companies import INDEPENDENT, CompanyMap, company_slug
from loaders.identity.maintainers import Maintainers
from loaders.records import Address, FileChange, Message

__all__ = ["MESSAGE_BODY_LIMIT", "RecordSink", "batch_from_assembly", "emit_assembly", "person_key"]

MAILMAP_NAME_WEIGHT = 1_000  # a name the mailmap gives outranks any count of sightings
PERSON = NodeKind.PERSON


def person_key(address: Address) -> str:
    """A person's key: the canonical (lower-cased) address."""
    return address.email.lower()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class RecordSink(Protocol):
    """Where the mapping's records go, in the order it makes them: a `GraphBatch`, or the
    embedded store's `GraphWriter`, which merges them into its graph at once."""

    def node(self, record: NodeRecord) -> None: ...

    def edge(self, record: EdgeRecord) -> None: ...


class _Builder:
    """Emits one load's records into a sink; methods are the per-record mappings."""

    def __init__(
        self,
        companies: CompanyMap,
        aliases: dict[str, str],
        identities: Identities,
        sink: RecordSink,
    ) -> None:
        self.sink = sink
        self.aliases = aliases
        self.companies = companies
        self.identities = identities
        self.name_index: dict[str, str] = {}
        self.files: set[str] = set()
        self.bodies = True
        self.names: dict[str, dict[str, int]] = {}
        self._employed: set[str] = set()
        self._resolved: dict[Address, tuple[str, tuple[tuple[str, int], ...]]] = {}

    def person(self, written: Address) -> tuple[NodeKind, str]:
        """Count one sighting of a person; their node and employment are emitted once."""
        resolved = self._resolved.get(written)
        if resolved is None:
            resolved = self._resolved[written] = self._resolve(written)
        key, sightings = resolved
        counts = self.names.setdefault(key, {})
        for name, add in sightings:
            counts[name] = counts.get(name, 0) + add
        return PERSON, key

    def _resolve(self, written: Address) -> tuple[str, tuple[tuple[str, int], ...]]:
        """First sighting of an address as written: its person's key and the names it
        counts for (the same for every later sighting, so computed once per load)."""
        address, named_by_mailmap = self.identities.resolve(written)
        key = person_key(address)
        weight = MAILMAP_NAME_WEIGHT if named_by_mailmap else 1
        sightings = [(address.name, weight)]
        if named_by_mailmap and written.name != address.name:
            sightings.append((written.name, 1))  # the name as written is kept, not shown
        sightings = [(name, add) for name, add in sightings if name]
        for name, _ in sightings:
            self.name_index.setdefault(normalise_title(name), key)
        emails = sorted({key, written.email.lower()})
        self.sink.node(NodeRecord(PERSON, key, {"emails": emails}))
        if key not in self._employed:
            self._employed.add(key)
            self.employment(key, written.email.lower())
        return key, tuple(sightings)

    def employment(self, key: str, written_email: str) -> None:
        """EMPLOYED_BY edges: one per dated span of the company map, else the one company."""
        spans = self.companies.spans_for(key) or self.companies.spans_for(written_email)
        dated = [s for s in spans if s.start or s.end]
        if not dated:
            company = self.companies.company_for(key) or self.companies.company_for(written_email)
            dated_spans: list[tuple[str, str | None, str | None]] = (
                [(company, None, None)] if company else []
            )
        else:
            dated_spans = [
                (s.company, _iso(s.start), _iso(s.end))
                for s in dated
                if s.company.lower() != INDEPENDENT
            ]
        for company, start, end in dated_spans:
            self.company(company, key.rpartition("@")[2])
            props = {"from": start, "until": end}
            edge = EdgeRecord(
                EdgeKind.EMPLOYED_BY, (PERSON, key), self._company(company), props, start or ""
            )
            self.sink.edge(edge)

    def company(self, name: str, domain: str) -> None:
        domains = sorted({domain, *self.companies.domains_of(name)})
        props = {"name": name, "domains": domains}
        self.sink.node(NodeRecord(NodeKind.COMPANY, company_slug(name), props))

    @staticmethod
    def _company(name: str) -> tuple[NodeKind, str]:
        return NodeKind.COMPANY, company_slug(name)

    def person_by_name(self, name: str) -> tuple[NodeKind, str]:
        """A person named without address (a shortlog): matched by name, else name-only."""
        key = self.name_index.get(normalise_title(name))
        if key is not None:
            return PERSON, key
        key = "name:" + normalise_title(name)
        self.sink.node(NodeRecord(PERSON, key, {"emails": []}, True, {name: 1}))
        return PERSON, key

    def message(self, message: Message, is_patch: bool) -> None:
        props = {
            "messageId": message.message_id,
            "subject": message.subject.raw,
            "date": _iso(message.date),
            "origin": message.origin,
            "sourceKind": message.source_kind,
            "defects": list(message.defects),
            "isPatch": is_patch,
        }
        if self.bodies:
            props["body"] = message.body[:MESSAGE_BODY_LIMIT]
        self.sink.node(NodeRecord(NodeKind.MESSAGE, message.key, props))
        if message.author is not None:
            author = self.person(message.author)
            self.sink.edge(EdgeRecord(EdgeKind.AUTHORED, author, (NodeKind.MESSAGE, message.key)))
        if message.in_reply_to:
            ghost = NodeRecord(NodeKind.MESSAGE, message.in_reply_to, {"ghost": True}, False)
            self.sink.node(ghost)
            target = (NodeKind.MESSAGE, message.in_reply_to)
            self.sink.edge(EdgeRecord(EdgeKind.REPLY_TO, (NodeKind.MESSAGE, message.key), target))

    def file(self, change: FileChange) -> tuple[NodeKind, str]:
        self.files.add(change.path)
        props = {"path": change.path, "directory": posixpath.dirname(change.path)}
        self.sink.node(NodeRecord(NodeKind.FILE, change.path, props))
        return NodeKind.FILE, change.path

    def touches(self, source: tuple[NodeKind, str], files: Iterable[FileChange]) -> None:
        for change in files:
            props = {"insertions": change.insertions, "deletions": change.deletions}
            self.sink.edge(EdgeRecord(EdgeKind.TOUCHES, source, self.file(change), props))

    def series(self, record: SeriesRecord) -> None:
        props: dict[str, Any] = {
            "title": record.title,
            "version": record.version,
            "isRfc": record.is_rfc,
            "total": record.total,
            "resolved": record.resolved,
            "messageId": record.message_id,
            "date": _iso(record.date),
            "baseCommit": record.base_commit,
            "baseRef": record.base_ref,
            "changeId": record.change_id,
            "url": record.url,
            "numbersSeen": list(record.numbers_seen),
            "contributors": [list(c) for c in record.contributors],
            "seriesKind": record.kind.value,
        }
        if not record.resolved:
            props = {k: v for k, v in props.items() if v not in (None, [], "")}
        node = (NodeKind.SERIES, record.key)
        self.sink.node(NodeRecord(NodeKind.SERIES, record.key, props, record.resolved))
        if not record.resolved:
            return
        if record.author is not None:
            self.sink.edge(EdgeRecord(EdgeKind.AUTHORED, self.person(record.author), node))
        if record.cover_key is not None:
            self.sink.edge(EdgeRecord(EdgeKind.COVER, node, (NodeKind.MESSAGE, record.cover_key)))
        self.touches(node, record.files)
        self.dependencies(record)
        for name, count in record.contributors:
            edge = EdgeRecord(
                EdgeKind.CONTRIBUTED, self.person_by_name(name), node, {"count": count}
            )
            self.sink.edge(edge)

    def dependencies(self, record: SeriesRecord) -> None:
        source = (NodeKind.SERIES, record.key)
        unresolved = 0
        for index, ref in enumerate(record.dependencies):
            key = dependency_key(ref)
            if ref.patch_id and key not in self.aliases:
                unresolved += 1  # a bare patch-id names nothing to follow until it is loaded
                continue
            key = self.aliases.get(key, key) if key else None
            target = (NodeKind.SERIES, key) if key else self.ref(ref.url or ref.label, ref.label)
            props = {
                "depKind": ref.kind.value,
                "declared": ref.declared,
                "label": ref.label or None,
                "url": ref.url,
                "messageId": ref.message_id,
                "order": index,
            }
            disc = f"{ref.kind.value}:{ref.url or ref.label}"
            self.sink.edge(EdgeRecord(EdgeKind.DEPENDS_ON, source, target, props, disc))
        if unresolved:
            props = {"unresolvedPatchIds": unresolved}
            self.sink.node(NodeRecord(NodeKind.SERIES, record.key, props, authoritative=False))

    def ref(self, url: str, label: str) -> tuple[NodeKind, str]:
        self.sink.node(NodeRecord(NodeKind.REF, url, {"url": url, "title": label or url}))
        return NodeKind.REF, url

    def patch(self, record: PatchRecord, patch_id: str | None = None) -> None:
        node = (NodeKind.PATCH, record.key)
        author = self.person(record.author) if record.author is not None else None
        props = {
            "messageId": record.message_id,
            "subject": record.subject,
            "title": record.title,
            "number": record.number,
            "total": record.total,
            "version": record.version,
            "isRfc": record.is_rfc,
            "date": _iso(record.date),
            "insertions": record.insertions,
            "deletions": record.deletions,
            "lineage": record.lineage,
            "patchId": patch_id,  # matched against code trees' commits (graphapi.merge_graph)
            "authorKey": author[1] if author else None,
            "otherTrailers": [
                _trailer_props(use, i)
                for i, use in enumerate(record.trailers)
                if not use.trailer.person
            ],
        }
        self.sink.node(NodeRecord(NodeKind.PATCH, record.key, props))
        series = (NodeKind.SERIES, record.series_key)
        self.sink.edge(EdgeRecord(EdgeKind.PART_OF, node, series, {"number": record.number}))
        if author is not None:
            self.sink.edge(EdgeRecord(EdgeKind.AUTHORED, author, node))
        self.touches(node, record.files)
        for index, use in enumerate(record.trailers):
            self.trailer(node, use, index)

    def trailer(self, patch: tuple[NodeKind, str], use: TrailerUse, index: int) -> None:
        if use.trailer.person is None:
            return
        giver = self.person(use.trailer.person)
        disc = f"{use.trailer.kind.name}:{use.source.value}"
        edge = EdgeRecord(EdgeKind.TRAILER, giver, patch, _trailer_props(use, index), disc)
        self.sink.edge(edge)


def _trailer_props(use: TrailerUse, index: int) -> dict[str, Any]:
    trailer = use.trailer
    order = index if use.source.value == "BODY" else 10_000 + index
    return {
        "trailerKind": trailer.kind.name,
        "name": trailer.name,
        "value": trailer.value,
        "source": use.source.value,
        "mismatch": use.mismatch,
        "order": order,
        "messageKey": use.message_key,
        "date": _iso(use.date),
    }


def batch_from_assembly(
    assembly: Assembly,
    companies: CompanyMap,
    identities: Identities | None = None,
    maintainers: Maintainers | None = None,
    *,
    bodies: bool = True,
) -> GraphBatch:
    """The nodes and edges one load writes.

    With `bodies=False` message nodes carry no body: the embedded store keeps bodies in its
    database and reads one when a query asks for it (`GraphStore.message_bodies`).
    """
    batch = GraphBatch()
    emit_assembly(assembly, companies, batch, identities, maintainers, bodies=bodies)
    return batch


def emit_assembly(
    assembly: Assembly,
    companies: CompanyMap,
    sink: RecordSink,
    identities: Identities | None = None,
    maintainers: Maintainers | None = None,
    *,
    bodies: bool = True,
    consume: bool = False,
) -> None:
    """Give `sink` the records of `batch_from_assembly`, in its order, without holding them
    (the embedded store builds its graph from them as they come: `nx_write.GraphWriter`).

    `consume` (a rebuild's, whose assembly is spent): the assembly's messages, series and
    patches are taken out of it and each is dropped once mapped, so the graph grows into
    the memory they held instead of beside it."""
    builder = _Builder(companies, assembly.aliases, identities or Identities(), sink)
    builder.bodies = bodies
    for address in assembly.people:
        builder.person(address)
    shown = {p.key for p in assembly.patches}  # messages that are patches or covers
    shown.update(s.cover_key for s in assembly.series if s.cover_key)
    patch_ids = {m.key: m.info.patch_id for m in assembly.messages if m.info.patch_id}
    messages, series, patches = _taken(assembly, consume)
    _each(messages, lambda message: builder.message(message, message.key in shown), consume)
    _each(series, builder.series, consume)
    _each(patches, lambda patch: builder.patch(patch, patch_ids.get(patch.key)), consume)
    for edge in assembly.versions:
        source = (NodeKind.SERIES, edge.newer)
        target = (NodeKind.SERIES, edge.older)
        props = {"linkedBy": edge.linked_by.value}
        builder.sink.edge(EdgeRecord(EdgeKind.PREVIOUS_VERSION, source, target, props))
    if maintainers is not None:
        _subsystems(builder, maintainers)
    for key, counts in builder.names.items():  # names counted over the whole batch
        builder.sink.node(NodeRecord(PERSON, key, {}, True, counts))


def _taken(
    assembly: Assembly, consume: bool
) -> tuple[list[Message], list[SeriesRecord], list[PatchRecord]]:
    """The assembly's messages, series and patches; with `consume`, taken out of it (the
    caller's assembly no longer holds them: they die as they are mapped)."""
    taken = assembly.messages, assembly.series, assembly.patches
    if consume:
        assembly.messages, assembly.series, assembly.patches = [], [], []
    return taken


def _each(records: list[Any], take: Callable[[Any], None], consume: bool) -> None:
    """`take` each record in order; with `consume`, the list drops each one as it goes, so
    that a record nothing else holds is freed once mapped (a rebuild's memory peak is the
    graph: what assembly read should not be alive beside all of it)."""
    if not consume:
        for record in records:
            take(record)
        return
    for index, record in enumerate(records):
        records[index] = None
        take(record)
    records.clear()


def _subsystems(builder: _Builder, maintainers: Maintainers) -> None:
    """Subsystem nodes, who maintains and reviews them, and which files they cover."""
    for subsystem in maintainers.subsystems:
        node = (NodeKind.SUBSYSTEM, subsystem.name)
        props: dict[str, Any] = {
            "name": subsystem.name,
            "status": subsystem.status or None,
            "lists": list(subsystem.lists),
            "trees": list(subsystem.trees),
        }
        builder.sink.node(NodeRecord(NodeKind.SUBSYSTEM, subsystem.name, props))
        for kind, people in (
            (EdgeKind.MAINTAINS, subsystem.maintainers),
            (EdgeKind.REVIEWS_FOR, subsystem.reviewers),
        ):
            for person in people:
                builder.sink.edge(EdgeRecord(kind, builder.person(person), node))
    for path in sorted(builder.files):
        for rank, match in enumerate(maintainers.matches_for(path)):
            coverage = {"rank": rank, "precision": match.precision, "pattern": match.pattern}
            target = (NodeKind.SUBSYSTEM, match.subsystem.name)
            edge = EdgeRecord(EdgeKind.IN_SUBSYSTEM, (NodeKind.FILE, path), target, coverage)
            builder.sink.edge(edge)
