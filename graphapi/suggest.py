"""Possible aliases: other people with the same full name, as suggestions a user confirms.

Two Person nodes with one name are often one person writing from two addresses (a new
employer, a personal address), but as often two people: the graph never merges them by
name. `possible_aliases` lists them with the evidence that they are one, strongest first,
for a user to confirm with a .mailmap or an aliases file. It reads the store only through
the `GraphStore` protocol, so both stores answer alike.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from graphapi.identity import name_key
from graphapi.model import EdgeKind, NodeData, NodeKind
from graphapi.store.base import GraphStore

__all__ = ["AliasEvidence", "Suggestion", "possible_aliases"]

#: How many people sharing a surname are looked at (a common surname stops being evidence).
CANDIDATES = 200


class AliasEvidence(enum.Enum):
    """Why two people with one name may be one person."""

    SAME_COMPANY = "SAME_COMPANY"
    SAME_FILES = "SAME_FILES"
    CC_IN_THREADS = "CC_IN_THREADS"


@dataclass(frozen=True)
class Suggestion:
    """Another person with the same normalised name, with the evidence found."""

    person: NodeData
    evidence: tuple[AliasEvidence, ...]
    shared_files: int


@dataclass(frozen=True)
class _Footprint:
    """What a person's work touches: companies, files, the patches and who is on them."""

    companies: frozenset[str]
    files: frozenset[str]  # touched by patches they authored or gave trailers on
    named_on_patches: frozenset[str]  # people with trailers (Cc, Reviewed-by...) on them


def _keys_of(person: NodeData) -> set[str]:
    names = [person.get("name") or "", *(person.get("names") or [])]
    return {key for name in names if (key := name_key(name))}


def _candidates(store: GraphStore, person: NodeData) -> list[NodeData]:
    keys = _keys_of(person)
    surnames = sorted({key.split()[-1] for key in keys})
    found: dict[str, NodeData] = {}
    for surname in surnames:
        page = store.list_nodes(NodeKind.PERSON, search=surname, first=CANDIDATES)
        for other in page.items:
            if other.key != person.key and _keys_of(other) & keys:
                found[other.key] = other
    return list(found.values())


#: Trailers that say a person worked on a patch (a Cc: only says they were told of it).
WORK_TRAILERS = frozenset({"REVIEWED_BY", "ACKED_BY", "TESTED_BY", "SIGNED_OFF_BY"})


def _patches(store: GraphStore, person: NodeData, edge: EdgeKind) -> list[str]:
    """Patches the person authored (AUTHORED) or worked on by a trailer (TRAILER)."""
    related = store.related_many(NodeKind.PERSON, [person.key], edge, "out")[0]
    return sorted(
        {
            r.node.key
            for r in related
            if r.node.kind is NodeKind.PATCH
            and (edge is EdgeKind.AUTHORED or r.edge.get("trailerKind") in WORK_TRAILERS)
        }
    )


def _footprint(store: GraphStore, person: NodeData) -> _Footprint:
    companies = store.related_many(NodeKind.PERSON, [person.key], EdgeKind.EMPLOYED_BY, "out")[0]
    authored = _patches(store, person, EdgeKind.AUTHORED)
    worked_on = sorted(set(authored) | set(_patches(store, person, EdgeKind.TRAILER)))
    touched = store.related_many(NodeKind.PATCH, worked_on, EdgeKind.TOUCHES, "out")
    named = store.related_many(NodeKind.PATCH, authored, EdgeKind.TRAILER, "in")
    return _Footprint(
        frozenset(r.node.key for r in companies),
        frozenset(r.node.key for rows in touched for r in rows),
        frozenset(r.node.key for rows in named for r in rows),
    )


def _evidence(
    me: NodeData, mine: _Footprint, other: NodeData, theirs: _Footprint
) -> tuple[AliasEvidence, ...]:
    found = []
    if mine.companies & theirs.companies:
        found.append(AliasEvidence.SAME_COMPANY)
    if mine.files & theirs.files:
        found.append(AliasEvidence.SAME_FILES)
    if me.key in theirs.named_on_patches or other.key in mine.named_on_patches:
        found.append(AliasEvidence.CC_IN_THREADS)
    return tuple(found)


def possible_aliases(store: GraphStore, person: NodeData) -> list[Suggestion]:
    """Other people with one of this person's full names, most evidence first."""
    others = _candidates(store, person)
    if not others:
        return []
    mine = _footprint(store, person)
    suggestions = []
    for other in others:
        theirs = _footprint(store, other)
        evidence = _evidence(person, mine, other, theirs)
        suggestions.append(Suggestion(other, evidence, len(mine.files & theirs.files)))
    return sorted(suggestions, key=lambda s: (-len(s.evidence), -s.shared_files, s.person.key))
