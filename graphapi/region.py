"""The region of the corpus a load's new messages can change (issue 13 item 2).

Assembly lets messages meet each other only through a few kinds of evidence: a thread
(In-Reply-To, References, a duplicate key), the Patchwork fallback of series grouping (same
author, version, RFC flag and total, sent within two hours), version and dependency links
(a Message-ID, a change-id, a patch-id, a URL), and lineage keys (same author and title, b4
slug, same patch-ids, same patch titles). Each message is given *link keys*, one per piece
of evidence it could share with another message, such that two messages assembly can
relate always share a key, directly or through others. The messages joined to a new one
through shared keys (a union-find over every message's keys) are the region: assembling
only them gives the records a whole assembly gives them, and nothing outside it changes.

Two things are not local and are handled apart: shortened diffstat paths (`.../tail`) are
completed from every full path in the corpus (the region is assembled with the corpus'
paths, and a new full path pulls in the messages whose tails it completes), and digest
entries and undated messages, which the fallback matches at any distance in time (a corpus
holding any is rebuilt whole: `Region.refusal`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from graphapi.corpus import fetch
from loaders.assembly.assemble import normalise_title
from loaders.assembly.lineage import b4_slug
from loaders.assembly.threads import is_patch_message, thread_parents
from loaders.mail.files import suffixes
from loaders.records import Message

if TYPE_CHECKING:
    from graphapi.message_index import Entry, StoredIndex

__all__ = [
    "MAX_SHARE",
    "UNDATED",
    "UNDATED_REFUSAL",
    "Region",
    "completing",
    "find_region",
    "links_of",
    "walk_region",
]

#: The `message_keys` token of a message no region can hold (the grouping fallback matches
#: an undated message or a digest entry at any distance in time).
UNDATED = "undated:"

#: A region holding more than this share of the corpus is rebuilt whole (as fast, simpler);
#: `GRAPHAPI_REGION_SHARE` sets another (tests set 1.0 to take every update the short way).
MAX_SHARE = 0.2
#: The link key earlier databases stored for a dependency naming neither a URL nor a label
#: (a b4 prerequisite): it joined every such message, one region of them all. Not made any
#: more, and not followed where stored.
_NAMELESS_REF = "ref:"
#: Why a corpus holding such a message has no region.
UNDATED_REFUSAL = "the corpus holds digest entries or undated messages"
_BUCKET_SECONDS = 2 * 3600  # the grouping fallback's window (`threads._FALLBACK_WINDOW`)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class Region:
    """The messages to re-assemble (`keys`, in the corpus' order; `changed`: this load's);
    the full paths known before and after this load (for `.../tail` completion). `refusal`
    says why there is no region (the whole corpus must be rebuilt)."""

    keys: list[str] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)
    known_before: set[str] = field(default_factory=set)
    known_after: set[str] = field(default_factory=set)
    refusal: str | None = None
    old: list[Message] = field(default_factory=list)  # as the graph was built from them
    new: list[Message] = field(default_factory=list)  # with this load's

    def read(self, messages: Mapping[str, Message]) -> None:
        """Take the region's messages from the corpus (only they are decoded)."""
        self.new = fetch(messages, self.keys)
        self.old = [m for m in self.new if m.key not in self.changed]


def links_of(message: Message) -> Iterator[str]:
    """The link keys of one message (see the module docstring); a superset is safe."""
    yield "t:" + message.key
    if message.message_id:
        yield "t:" + message.message_id
    for parent in thread_parents(message):
        yield "t:" + parent
    info = message.info
    for link in info.version_links:
        if link.message_id:
            yield "t:" + link.message_id
    for ref in info.dependencies:
        if ref.message_id:
            yield "t:" + ref.message_id
        if ref.change_id:
            yield "cid:" + ref.change_id
        if ref.patch_id:
            yield "pid:" + ref.patch_id
        if ref.url or ref.label:
            yield "ref:" + (ref.url or ref.label)
    if info.change_id:
        yield "cid:" + info.change_id
    if info.patch_id:
        yield "pid:" + info.patch_id
    if is_patch_message(message):
        yield from _patch_links(message)


def _patch_links(message: Message) -> Iterator[str]:
    """Grouping-fallback buckets and lineage keys: patches, covers and pull requests."""
    subject = message.subject
    email = message.author.email if message.author else ""
    fallback = f"fb:{email}|{subject.version}|{subject.is_rfc}|{subject.total or 0}|"
    if message.date is not None:  # two sends within the window share a bucket key
        bucket = int((message.date - _EPOCH).total_seconds() // _BUCKET_SECONDS)
        yield fallback + str(bucket)
        yield fallback + str(bucket + 1)
    author = message.info.from_override or message.author
    title = normalise_title(subject.title)
    yield "pt:" + title  # the same patch titles (any author: the series' may differ)
    if author is not None:
        yield f"title:{author.email}:{title}"
        slug = b4_slug(message.message_id)
        if slug:
            yield f"b4:{author.email}:{slug}"


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent
        root = parent.setdefault(item, item)
        while root != parent[root]:
            root = parent[root]
        while item != root:  # path compression
            parent[item], item = root, parent[item]
        return root

    def join(self, items: Iterable[str]) -> str:
        iterator = iter(items)
        root = self.find(next(iterator))
        for item in iterator:
            other = self.find(item)
            if other != root:
                self.parent[other] = root
        return root


@dataclass(slots=True)
class _Scan:
    """One pass over the corpus: each message's component, the known full paths and
    where each shortened tail is used."""

    union: _Union = field(default_factory=_Union)
    known_before: set[str] = field(default_factory=set)
    new_paths: set[str] = field(default_factory=set)
    tails: dict[str, list[str]] = field(default_factory=dict)  # tail -> message keys
    refusal: str | None = None


def _scan(entries: Mapping[str, Entry], changed: set[str]) -> _Scan:
    scan = _Scan()
    join = scan.union.join
    for key, entry in entries.items():
        if entry.date is None or entry.digest:
            scan.refusal = UNDATED_REFUSAL
            return scan
        links = entry.links
        if _NAMELESS_REF in links:  # stored by an earlier version
            links = tuple(link for link in links if link != _NAMELESS_REF)
        join(links)  # the first is the message's own, "t:" + key (`links_of`)
        for tail in entry.tails:
            scan.tails.setdefault(tail, []).append(key)
        (scan.new_paths if key in changed else scan.known_before).update(entry.known)
    scan.new_paths -= scan.known_before
    return scan


def _nothing_to_region(changed: set[str], total: int) -> str | None:
    """Why `changed` (new keys, of `total` in the corpus) cannot have a region at all."""
    if not changed:
        return "nothing new"
    return "a fresh load" if len(changed) >= total else None


def _max_share() -> float:
    return float(os.environ.get("GRAPHAPI_REGION_SHARE", MAX_SHARE))


def walk_region(index: StoredIndex, order: Iterable[str], total: int, changed: set[str]) -> Region:
    """`find_region` on a database whose `message_keys` are complete, reading only the
    region's rows: from the new messages (`changed`) and those whose shortened tails a new
    full path completes, follow shared link keys until nothing new is reached (the
    component the union-find of `find_region` gives them). `order`: the corpus' keys in
    its order, `total` of them. Stops, refusing, once past the share a region may hold."""
    refusal = _nothing_to_region(changed, total)
    if refusal is not None:
        return Region(refusal=refusal)
    if index.holds(UNDATED):
        return Region(refusal=UNDATED_REFUSAL)
    known_before, new_paths = _known_paths(index, changed)
    pulled = index.keys_with("tail:" + tail for path in new_paths for tail in suffixes(path))
    keys = changed | pulled
    limit = _max_share() * total
    frontier, followed = list(keys), set[str]()
    while frontier:
        links = set(index.links(frontier)) - followed
        links.discard(_NAMELESS_REF)  # stored by an earlier version
        followed |= links
        reached = index.keys_with("link:" + link for link in links) - keys
        keys |= reached
        if len(keys) > limit:
            return Region(refusal=f"the region holds over {int(limit)} of {total} messages")
        frontier = list(reached)
    return Region(
        keys=[key for key in order if key in keys],
        changed=changed,
        known_before=known_before,
        known_after=known_before | new_paths,
    )


def _known_paths(index: StoredIndex, changed: set[str]) -> tuple[set[str], set[str]]:
    """The full paths known before this load (stated by a message not in `changed`), and
    those only this load's messages state. Every path is read once (`distinct`), not once
    per message naming it; only the new messages' own paths are looked up by holder."""
    theirs = {p for e in index.entries(changed).values() for p in e.known}
    held = {
        token for token, key in index.holders("path:" + p for p in theirs) if key not in changed
    }
    new_paths = {p for p in theirs if "path:" + p not in held}
    return set(index.distinct("path:")) - new_paths, new_paths


def completing(paths: Iterable[str], tails: Iterable[str]) -> set[str]:
    """The `paths` that can complete any of `tails` (a path equal to a tail or ending with
    `/tail`: `files.FileResolver`): only they matter to assembling messages whose
    shortened paths are `tails`, so a region is assembled with them, not every path of the
    corpus (whose suffixes each assembly would index)."""
    wanted = set(tails)
    if not wanted:
        return set()
    return {path for path in paths if any(s in wanted for s in suffixes(path))}


def find_region(entries: Mapping[str, Entry], changed: set[str]) -> Region:
    """The region of the corpus (`entries`: every message's `message_index.Entry`, this
    load's included, in the corpus' order) that the messages of `changed` (keys added by
    this load) can change; `refusal` set when there is none. Its messages are given by
    `Region.read`."""
    refusal = _nothing_to_region(changed, len(entries))
    if refusal is not None:
        return Region(refusal=refusal)
    scan = _scan(entries, changed)
    if scan.refusal is not None:
        return Region(refusal=scan.refusal)

    def find(key: str) -> str:  # a message's component
        return scan.union.find("t:" + key)

    wanted = {find(key) for key in changed}
    pulled = {
        key
        for path in scan.new_paths
        for tail in suffixes(path)
        for key in scan.tails.get(tail, ())
    }
    wanted |= {find(key) for key in pulled}
    keys = [key for key in entries if find(key) in wanted]
    if len(keys) > _max_share() * len(entries):
        return Region(refusal=f"the region holds {len(keys)} of {len(entries)} messages")
    return Region(
        keys=keys,
        changed=changed,
        known_before=scan.known_before,
        known_after=scan.known_before | scan.new_paths,
    )
