"""Map assembled loader records onto the graph ontology (`GraphBatch`).

The only place that knows both vocabularies: loaders speak of series, patches and
trailers; the graph of nodes and edges keyed as `graphapi.model` says. Companies are
decided here too, from the configured `CompanyMap`, so one map applies to every source.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from typing import Any

from graphapi.model import EdgeKind, EdgeRecord, GraphBatch, NodeKind, NodeRecord
from loaders.assemble import normalise_title
from loaders.assembled import Assembly, PatchRecord, SeriesRecord, TrailerUse
from loaders.companies import CompanyMap, company_slug
from loaders.records import Address, FileChange, Message
from loaders.versions import dependency_key

__all__ = ["MESSAGE_BODY_LIMIT", "batch_from_assembly", "person_key"]

MESSAGE_BODY_LIMIT = 256 * 1024
PERSON = NodeKind.PERSON


def person_key(address: Address) -> str:
    """A person's key: the canonical (lower-cased) address."""
    return address.email.lower()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class _Builder:
    """Accumulates one batch; methods are the per-record mappings."""

    def __init__(self, companies: CompanyMap, aliases: dict[str, str]) -> None:
        self.batch = GraphBatch()
        self.aliases = aliases
        self.companies = companies
        self.name_index: dict[str, str] = {}

    def person(self, address: Address) -> tuple[NodeKind, str]:
        key = person_key(address)
        names = {address.name: 1} if address.name else {}
        self.batch.node(NodeRecord(PERSON, key, {"emails": [key]}, True, names))
        if address.name:
            self.name_index.setdefault(normalise_title(address.name), key)
        company = self.companies.company_for(key)
        if company is not None:
            self.company(company, key.rpartition("@")[2])
            self.batch.edge(EdgeRecord(EdgeKind.EMPLOYED_BY, (PERSON, key), self._company(company)))
        return PERSON, key

    def company(self, name: str, domain: str) -> None:
        domains = sorted({domain, *self.companies.domains_of(name)})
        props = {"name": name, "domains": domains}
        self.batch.node(NodeRecord(NodeKind.COMPANY, company_slug(name), props))

    @staticmethod
    def _company(name: str) -> tuple[NodeKind, str]:
        return NodeKind.COMPANY, company_slug(name)

    def person_by_name(self, name: str) -> tuple[NodeKind, str]:
        """A person named without address (a shortlog): matched by name, else name-only."""
        key = self.name_index.get(normalise_title(name))
        if key is not None:
            return PERSON, key
        key = "name:" + normalise_title(name)
        self.batch.node(NodeRecord(PERSON, key, {"emails": []}, True, {name: 1}))
        return PERSON, key

    def message(self, message: Message, is_patch: bool) -> None:
        props = {
            "messageId": message.message_id,
            "subject": message.subject.raw,
            "date": _iso(message.date),
            "body": message.body[:MESSAGE_BODY_LIMIT],
            "origin": message.origin,
            "sourceKind": message.source_kind,
            "defects": list(message.defects),
            "isPatch": is_patch,
        }
        self.batch.node(NodeRecord(NodeKind.MESSAGE, message.key, props))
        if message.author is not None:
            author = self.person(message.author)
            self.batch.edge(EdgeRecord(EdgeKind.AUTHORED, author, (NodeKind.MESSAGE, message.key)))
        if message.in_reply_to:
            ghost = NodeRecord(NodeKind.MESSAGE, message.in_reply_to, {"ghost": True}, False)
            self.batch.node(ghost)
            target = (NodeKind.MESSAGE, message.in_reply_to)
            self.batch.edge(EdgeRecord(EdgeKind.REPLY_TO, (NodeKind.MESSAGE, message.key), target))

    def file(self, change: FileChange) -> tuple[NodeKind, str]:
        props = {"path": change.path, "directory": posixpath.dirname(change.path)}
        self.batch.node(NodeRecord(NodeKind.FILE, change.path, props))
        return NodeKind.FILE, change.path

    def touches(self, source: tuple[NodeKind, str], files: Iterable[FileChange]) -> None:
        for change in files:
            props = {"insertions": change.insertions, "deletions": change.deletions}
            self.batch.edge(EdgeRecord(EdgeKind.TOUCHES, source, self.file(change), props))

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
        }
        if not record.resolved:
            props = {k: v for k, v in props.items() if v not in (None, [], "")}
        node = (NodeKind.SERIES, record.key)
        self.batch.node(NodeRecord(NodeKind.SERIES, record.key, props, record.resolved))
        if not record.resolved:
            return
        if record.author is not None:
            self.batch.edge(EdgeRecord(EdgeKind.AUTHORED, self.person(record.author), node))
        if record.cover_key is not None:
            self.batch.edge(EdgeRecord(EdgeKind.COVER, node, (NodeKind.MESSAGE, record.cover_key)))
        self.touches(node, record.files)
        self.dependencies(record)
        for name, count in record.contributors:
            edge = EdgeRecord(
                EdgeKind.CONTRIBUTED, self.person_by_name(name), node, {"count": count}
            )
            self.batch.edge(edge)

    def dependencies(self, record: SeriesRecord) -> None:
        source = (NodeKind.SERIES, record.key)
        for index, ref in enumerate(record.dependencies):
            key = dependency_key(ref)
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
            self.batch.edge(EdgeRecord(EdgeKind.DEPENDS_ON, source, target, props, disc))

    def ref(self, url: str, label: str) -> tuple[NodeKind, str]:
        self.batch.node(NodeRecord(NodeKind.REF, url, {"url": url, "title": label or url}))
        return NodeKind.REF, url

    def patch(self, record: PatchRecord) -> None:
        node = (NodeKind.PATCH, record.key)
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
            "otherTrailers": [
                _trailer_props(use, i)
                for i, use in enumerate(record.trailers)
                if not use.trailer.person
            ],
        }
        self.batch.node(NodeRecord(NodeKind.PATCH, record.key, props))
        series = (NodeKind.SERIES, record.series_key)
        self.batch.edge(EdgeRecord(EdgeKind.PART_OF, node, series, {"number": record.number}))
        if record.author is not None:
            self.batch.edge(EdgeRecord(EdgeKind.AUTHORED, self.person(record.author), node))
        self.touches(node, record.files)
        for index, use in enumerate(record.trailers):
            self.trailer(node, use, index)

    def trailer(self, patch: tuple[NodeKind, str], use: TrailerUse, index: int) -> None:
        if use.trailer.person is None:
            return
        giver = self.person(use.trailer.person)
        disc = f"{use.trailer.kind.name}:{use.source.value}"
        edge = EdgeRecord(EdgeKind.TRAILER, giver, patch, _trailer_props(use, index), disc)
        self.batch.edge(edge)


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


def batch_from_assembly(assembly: Assembly, companies: CompanyMap) -> GraphBatch:
    """The nodes and edges one load writes."""
    builder = _Builder(companies, assembly.aliases)
    for address in assembly.people:
        builder.person(address)
    patch_keys = {p.key for p in assembly.patches}
    cover_keys = {s.cover_key for s in assembly.series if s.cover_key}
    for message in assembly.messages:
        builder.message(message, message.key in patch_keys or message.key in cover_keys)
    for series in assembly.series:
        builder.series(series)
    for patch in assembly.patches:
        builder.patch(patch)
    for edge in assembly.versions:
        source = (NodeKind.SERIES, edge.newer)
        builder.batch.edge(
            EdgeRecord(EdgeKind.PREVIOUS_VERSION, source, (NodeKind.SERIES, edge.older))
        )
    return builder.batch
