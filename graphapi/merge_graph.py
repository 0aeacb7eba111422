"""Code trees in the graph: Commit nodes, Patch -[MERGED_AS]-> Commit, each series' merge.

Why matching reads the store rather than the load: a tree and the mail it took may arrive in
either order and in many loads (and Neo4j keeps no corpus), so after any load that brings
commits, or into a store that holds some, `sync_merges` reads every patch and commit the store
holds through the `GraphStore` protocol, matches them (`loaders.assembly.merges`) and writes
the pairs and every series' merge summary. The same code runs on both stores, so they agree.

A tree is also a `Ref` node (`tree:<name>`) whose `head` is the last commit read: the cursor
that lets a reload read only new commits, kept in the graph as MAINTAINERS is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from graphapi.model import EdgeKind, EdgeRecord, GraphBatch, NodeData, NodeKind, NodeRecord
from graphapi.store.base import GraphStore, MaintainedStore
from loaders.assembly.merges import CommitMatch, PostedPatch, match_commits
from loaders.records import Address
from loaders.sources.gitrepo import CodeCommit

__all__ = [
    "MERGED",
    "NOT_MERGED",
    "PARTIALLY_MERGED",
    "commit_batch",
    "stored_head",
    "sync_merges",
    "tree_key",
]

MERGED, PARTIALLY_MERGED, NOT_MERGED = "MERGED", "PARTIALLY_MERGED", "NOT_MERGED"
_ALL = 2**30  # "every item" as a page size (Neo4j slices take 32-bit ints)
_HOUR = 3600.0
_NEVER = datetime.min.replace(tzinfo=UTC)


def tree_key(name: str) -> str:
    """The key of a code tree's `Ref` node."""
    return f"tree:{name}"


def stored_head(store: GraphStore, name: str) -> str | None:
    """The last commit of tree `name` a load read into the store (the reload cursor)."""
    found = store.get_many(NodeKind.REF, [tree_key(name)])[0]
    head = found.get("head") if found else None
    return str(head) if head else None


def commit_batch(
    commits: Iterable[CodeCommit],
    person: Callable[[Address], str],
    heads: dict[str, tuple[str, str]],
) -> GraphBatch:
    """Commit nodes (authors as person keys after identity merging: `person(Address)`), and
    each tree's Ref node with its head (`heads`: name -> (path, head sha))."""
    batch = GraphBatch()
    for commit in commits:
        batch.node(NodeRecord(NodeKind.COMMIT, commit.sha, _commit_props(commit, person)))
    for name, (path, head) in heads.items():
        props = {"url": path or name, "title": name, "head": head, "codeTree": True}
        batch.node(NodeRecord(NodeKind.REF, tree_key(name), props))
    return batch


def _commit_props(commit: CodeCommit, person: Callable[[Address], str]) -> dict[str, Any]:
    return {
        "sha": commit.sha,
        "title": commit.title,
        "authorName": commit.author.name,
        "authorEmail": commit.author.email,
        "authorKey": person(commit.author),
        "committerName": commit.committer.name,
        "committerEmail": commit.committer.email,
        "committerKey": person(commit.committer),
        "authoredAt": commit.authored_at.isoformat(),
        "committedAt": commit.committed_at.isoformat(),
        "repository": commit.repository,
        "patchId": commit.patch_id,
        "links": list(commit.links),
    }


def sync_merges(store: MaintainedStore) -> int:
    """Match every stored patch with every stored commit; write pairs and series summaries.

    Returns the number of pairs; does nothing (0) when the store holds no commit, so a
    mail-only graph carries no merge data at all (`Series.merge` is then null).
    """
    commits = store.list_nodes(NodeKind.COMMIT, first=_ALL).items
    if not commits:
        return 0
    patches = store.list_nodes(NodeKind.PATCH, first=_ALL).items
    keys = [p.key for p in patches]
    series_of = {
        key: (found[0].node.key if found else "")
        for key, found in zip(
            keys, store.related_many(NodeKind.PATCH, keys, EdgeKind.PART_OF, "out"), strict=True
        )
    }
    posted = [_posted(p, series_of[p.key]) for p in patches]
    matches = match_commits(posted, [_code_commit(c) for c in commits])
    store.delete_edges(EdgeKind.MERGED_AS)  # a later version may have won since the last match
    batch = GraphBatch()
    for match in matches:
        props = {"matchedBy": [s.value for s in match.signals]}
        edge = EdgeRecord(
            EdgeKind.MERGED_AS,
            (NodeKind.PATCH, match.patch_key),
            (NodeKind.COMMIT, match.sha),
            props,
        )
        batch.edge(edge)
    _series_summaries(store, batch, posted, matches, {c.key: c for c in commits})
    store.write(batch)
    return len(matches)


def _posted(patch: NodeData, series_key: str) -> PostedPatch:
    return PostedPatch(
        key=patch.key,
        posted_at=_date(patch.get("date")),
        author=str(patch.get("authorKey") or ""),
        title=str(patch.get("title") or ""),
        patch_id=patch.get("patchId"),
        message_id=patch.get("messageId"),
        series_key=series_key,
    )


def _code_commit(node: NodeData) -> CodeCommit:
    """A stored commit as the matcher takes it; the author's email is already the person key."""
    author = Address(str(node.get("authorName") or ""), str(node.get("authorKey") or ""))
    committer = Address(str(node.get("committerName") or ""), str(node.get("committerKey") or ""))
    return CodeCommit(
        sha=node.key,
        title=str(node.get("title") or ""),
        author=author,
        committer=committer,
        authored_at=_date(node.get("authoredAt")) or _NEVER,
        committed_at=_date(node.get("committedAt")) or _NEVER,
        repository=str(node.get("repository") or ""),
        patch_id=node.get("patchId"),
        links=tuple(node.get("links") or ()),
    )


def _date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # as the matcher


def _series_summaries(
    store: GraphStore,
    batch: GraphBatch,
    posted: Sequence[PostedPatch],
    matches: Sequence[CommitMatch],
    commits: dict[str, NodeData],
) -> None:
    """Each resolved series' merge state, counts, commit dates and hours to merge."""
    landed: dict[str, list[datetime]] = defaultdict(list)
    for match in matches:
        when = _date(commits[match.sha].get("committedAt"))
        if when is not None:
            landed[match.patch_key].append(when)
    members: dict[str, list[str]] = defaultdict(list)
    for patch in posted:
        members[patch.series_key].append(patch.key)
    series = store.list_nodes(NodeKind.SERIES, first=_ALL).items
    lineages = store.lineage_many([s.key for s in series])
    for node, lineage in zip(series, lineages, strict=True):
        dates = [d for key in members.get(node.key, []) for d in landed.get(key, [])]
        merged = sum(1 for key in members.get(node.key, []) if landed.get(key))
        props = _summary(node, lineage, merged, len(members.get(node.key, [])), dates)
        batch.node(NodeRecord(NodeKind.SERIES, node.key, props))


def _summary(
    node: NodeData, lineage: list[NodeData], merged: int, seen: int, dates: list[datetime]
) -> dict[str, Any]:
    total = max(int(node.get("total") or 0), seen, 1)
    state = NOT_MERGED if not merged else MERGED if merged >= total else PARTIALLY_MERGED
    first = min(dates) if dates else None
    posted = _date(node.get("date"))
    earliest = [d for d in (_date(v.get("date")) for v in lineage) if d is not None]
    origin = min(earliest) if earliest else posted
    return {
        "mergeState": state,
        "mergedPatches": merged,
        "mergeTotal": total,
        "firstCommitAt": first.isoformat() if first else None,
        "lastCommitAt": max(dates).isoformat() if dates else None,
        "hoursToMerge": _hours(posted, first),
        "hoursToMergeFromFirstVersion": _hours(origin, first),
    }


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / _HOUR, 2)
