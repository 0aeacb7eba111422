"""Patches of an assembly -> matcher input, and the honest evaluation of the matcher.

`posted_patches` gives the matcher each assembled patch with its patch-id and its author's
person key after identity merging (the same key the graph uses), so SUBJECT compares people,
not spellings. `evaluate` runs the matcher with the `Link:`/`Message-Id:` trailers withheld and
scores its pairs against the pairs those trailers name, counting only commits whose trailers
name a patch present in the loaded mail: the trailers are the ground truth, never an input.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from graphapi.identity import Identities
from graphapi.ingest import person_key
from loaders.assembly.merges import CommitMatch, PostedPatch, match_commits, normalise_subject
from loaders.assembly.results import Assembly
from loaders.records import Address
from loaders.sources.gitrepo import CodeCommit, head_of, is_ancestor, iter_commits, repository_name

__all__ = [
    "Evaluation",
    "cover_ids_of",
    "evaluate",
    "person_resolver",
    "posted_patches",
    "read_tree",
]


def person_resolver(identities: Identities) -> _Resolver:
    """The person key an address resolves to, as `graphapi.ingest` computes it."""
    return _Resolver(identities)


class _Resolver:
    """Callable address -> person key, cached (a tree repeats a few hundred authors)."""

    def __init__(self, identities: Identities) -> None:
        self.identities = identities
        self.cache: dict[Address, str] = {}

    def __call__(self, address: Address) -> str:
        key = self.cache.get(address)
        if key is None:
            key = self.cache[address] = person_key(self.identities.resolve(address)[0])
        return key


def read_tree(
    path: str | os.PathLike[str], range_spec: str | None, heads: Mapping[str, str]
) -> tuple[list[CodeCommit], dict[str, tuple[str, str]]]:
    """A code tree's commits to load and its new head (`{name: (path, head)}`).

    Without a range, a tree read before (its head in `heads`) is read from there on: a reload
    reads only new commits. A head that is no longer in the tree's history (a rewritten
    branch) is not trusted: the whole tree is read again, and duplicates are dropped later.
    """
    name = repository_name(path)
    head = head_of(path)
    if head is None:
        return [], {}
    last = heads.get(name)
    if range_spec is None and last is not None:
        if last == head:
            return [], {name: (os.path.realpath(path), head)}
        if is_ancestor(path, last, head):
            range_spec = f"{last}..{head}"
    commits = list(iter_commits(path, range_spec))
    return commits, {name: (os.path.realpath(path), head)}


def posted_patches(assembly: Assembly, identities: Identities) -> list[PostedPatch]:
    """Each assembled patch as the matcher sees it."""
    resolve = person_resolver(identities)
    ids = {m.key: m.info.patch_id for m in assembly.messages}
    return [
        PostedPatch(
            key=p.key,
            posted_at=p.date,
            author=resolve(p.author) if p.author else "",
            title=p.title,
            patch_id=ids.get(p.key),
            message_id=p.message_id,
            series_key=p.series_key,
        )
        for p in assembly.patches
    ]


@dataclass(slots=True)
class Evaluation:
    """Precision and recall of trailer-blind matching, and what went wrong, by class."""

    truth: int = 0
    found: int = 0
    correct: int = 0
    misses: Counter[str] = field(default_factory=Counter)
    wrong: Counter[str] = field(default_factory=Counter)
    by_signal: Counter[str] = field(default_factory=Counter)
    cover_named: int = 0
    all_found: int = 0  # pairs over every commit, trailers or not (no truth to score them)

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.truth if self.truth else 1.0

    def lines(self) -> list[str]:
        """A printable report."""
        out = [
            f"truth pairs {self.truth}, found {self.found}, correct {self.correct}",
            f"precision {self.precision:.1%}, recall {self.recall:.1%}",
            "correct pairs by signals: " + _counts(self.by_signal),
            "misses by class: " + _counts(self.misses),
            "wrong pairs by class: " + _counts(self.wrong),
            f"commits whose trailers name only a cover letter (not scored): {self.cover_named}",
            f"pairs found over all commits (most carry no trailer): {self.all_found}",
        ]
        return out


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counter.most_common()) or "none"


def evaluate(
    patches: Sequence[PostedPatch],
    commits: Sequence[CodeCommit],
    identities: Identities,
    cover_ids: Mapping[str, str],
) -> Evaluation:
    """Match without the trailers; score against the trailers that name loaded patches.

    A trailer naming a cover letter (`cover_ids`: cover Message-ID -> series key) names a
    series, not the patch that became the commit (kvm-unit-tests commits link the kernel
    series they test, too), so such commits are counted apart (`cover_named`), not scored.
    """
    by_message = {p.message_id: p for p in patches if p.message_id}
    truth = {
        c.sha: {m for m in c.links if m in by_message}
        for c in commits
        if any(m in by_message for m in c.links)
    }
    cover_named = sum(
        1 for c in commits if c.sha not in truth and any(m in cover_ids for m in c.links)
    )
    resolve = person_resolver(identities)
    matches = match_commits(patches, commits, use_links=False, person=resolve)
    found = {m.sha: m for m in matches if m.sha in truth}
    result = Evaluation(truth=len(truth), found=len(found), cover_named=cover_named)
    result.all_found = len(matches)
    keys = {p.key: p for p in patches}
    commit_of = {c.sha: c for c in commits}
    for sha, named in truth.items():
        match = found.get(sha)
        if match is not None and keys[match.patch_key].message_id in named:
            result.correct += 1
            result.by_signal["+".join(s.value for s in match.signals)] += 1
            continue
        commit = commit_of[sha]
        expected = max((by_message[m] for m in named), key=_posted)
        result.misses[_miss_class(expected, commit, match, keys, resolve)] += 1
        if match is not None:
            result.wrong[_wrong_class(expected, keys[match.patch_key])] += 1
    return result


def _miss_class(
    expected: PostedPatch,
    commit: CodeCommit,
    match: CommitMatch | None,
    keys: dict[str, PostedPatch],
    resolve: _Resolver,
) -> str:
    """Why the named patch was not the one paired with its commit."""
    if match is not None:
        return "another posting won"
    same_title = normalise_subject(expected.title) == normalise_subject(commit.title)
    same_author = expected.author == resolve(commit.author)
    if same_title and same_author:
        return "title and author agree, dates do not"
    if same_author:
        return "title changed on the way in, diff too"
    if same_title:
        return "author differs (identity not merged), diff changed"
    return "title and author differ, diff changed"


def _posted(patch: PostedPatch) -> float:
    return patch.posted_at.timestamp() if patch.posted_at else 0.0


def cover_ids_of(assembly: Assembly) -> dict[str, str]:
    """Cover letter Message-ID -> its series' key."""
    covers = {s.cover_key: s.key for s in assembly.series if s.cover_key}
    return {
        m.message_id: covers[m.key] for m in assembly.messages if m.key in covers and m.message_id
    }


def _wrong_class(expected: PostedPatch, chosen: PostedPatch) -> str:
    if normalise_subject(expected.title) == normalise_subject(chosen.title):
        return "another version or resend of the same patch"
    return "a different patch"
