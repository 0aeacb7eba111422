"""Loading sources into a store: detect the format, parse, assemble, write, summarise.

The summary's counts always add up: every message read is loaded, a duplicate (already in
the graph or twice in the source), or skipped; `defective` counts loaded messages that
carried defects (they are loaded as far as they could be parsed).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graphapi.ingest import batch_from_assembly
from graphapi.model import NodeKind
from graphapi.store.base import GraphStore
from loaders.assemble import assemble
from loaders.companies import CompanyMap
from loaders.digest import is_digest, read_digest
from loaders.errors import SourceError
from loaders.records import Address, Message

__all__ = ["LoadSummary", "load_sources"]


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


def _read_source(path: Path) -> _Source:
    """Parse one source file or directory into messages (and people it names)."""
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    if path.is_dir():
        raise SourceError(f"{path}: a directory that is not a known archive (Maildir, public-inbox)")
    with path.open("rb") as handle:
        head = handle.read(4096)
    if b"\x00" in head:
        raise SourceError(f"{path}: binary file, not a mail archive or digest")
    if not head.strip():
        raise SourceError(f"{path}: empty file")
    if is_digest(head.decode("utf-8", "replace")):
        digest = read_digest(path)
        return _Source(list(digest.messages), [a for a, _ in digest.contributor_tally])
    raise SourceError(f"{path}: unknown format (expected a digest, mbox, Maildir or public-inbox)")


def load_sources(
    store: GraphStore, sources: Sequence[str | os.PathLike[str]], companies: CompanyMap
) -> LoadSummary:
    """Read every source, then write them to `store` as one batch."""
    parsed = [_read_source(Path(source)) for source in sources]
    messages = [m for source in parsed for m in source.messages]
    people = [p for source in parsed for p in source.people]
    summary = LoadSummary(read=len(messages))
    known = _already_loaded(store, messages)
    fresh = [m for m in messages if m.key not in known]
    assembly = assemble(messages, people)
    store.write(batch_from_assembly(assembly, companies))
    unique_fresh = _first_of_each(fresh)
    summary.duplicates = len(messages) - len(unique_fresh)
    summary.loaded = summary.read - summary.duplicates - summary.skipped
    _count_defects(summary, unique_fresh)
    summary.series = sum(1 for s in assembly.series if s.resolved)
    summary.patches = len(assembly.patches)
    return summary


def _already_loaded(store: GraphStore, messages: list[Message]) -> set[str]:
    keys = list({m.key for m in messages})
    found = store.get_many(NodeKind.MESSAGE, keys)
    return {k for k, node in zip(keys, found, strict=True) if node and not node.get("placeholder")}


def _first_of_each(messages: Iterable[Message]) -> list[Message]:
    seen: set[str] = set()
    unique = []
    for message in messages:
        if message.key not in seen:
            seen.add(message.key)
            unique.append(message)
    return unique


def _count_defects(summary: LoadSummary, messages: list[Message]) -> None:
    for message in messages:
        if message.defects:
            summary.defective += 1
            for reason in message.defects:
                summary.defect_reasons[reason] = summary.defect_reasons.get(reason, 0) + 1
