"""Identity and ownership files for a store that keeps no corpus (Neo4j), kept and re-applied.

The embedded store rebuilds its graph from every message at each load, so a MAINTAINERS file,
a .mailmap, an aliases file or a company map applies to all mail whatever the load order.
Neo4j keeps no messages to rebuild from, so for it (`loading.load_into_store`):

- **Kept.** The text of each file is kept in the store (`Neo4jStore.kept_files`: one
  `GraphapiMeta` node), read back at each load and applied to that load's records, as the
  embedded store keeps them in its corpus. A file given again replaces the kept one.
- **Re-applied to what is already loaded** when a file changes (`rederive`):
  - MAINTAINERS: every `Subsystem` node goes, the new file's subsystems, maintainers and
    reviewers are written, and every `File` node of the graph gets its `IN_SUBSYSTEM` edges
    from the new file (`subsystem_batch`);
  - .mailmap or aliases: every person whose address the new identities map to another
    address is merged into that person (`merge_plan`): addresses and name sightings are
    combined (a name the mailmap gives outranks the others, as in a rebuild), every
    relationship moves to the merged person, the old node goes; the merged people's
    employers are worked out again;
  - company map: every person's employers (`EMPLOYED_BY`) are worked out again, and
    companies nobody works for any more go.
  The kept text is written last, so a load that dies half-way re-applies it when re-run.

Limits (a rebuild from the messages would differ; not in the embedded store):
- identities only **merge**: a person merged by an earlier mailmap or aliases line stays one
  person when a later file drops that line (which address wrote what is not kept);
- a merged person's name sightings are the sum of the merged people's;
- employers worked out again (merged people; everybody when the company map changes) come
  from the person's canonical address alone (a rebuild falls back on the first address
  they were seen with when the canonical one names no company);
- people and companies only an old MAINTAINERS named stay in the graph (without subsystems).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import cached_property

from graphapi.errors import UsageError
from graphapi.identity import Identities
from graphapi.ingest import MAILMAP_NAME_WEIGHT, batch_from_assembly, person_key
from graphapi.model import EdgeKind, EdgeRecord, GraphBatch, NodeKind, NodeRecord
from graphapi.store.base import GraphStore, MaintainedStore, Rederiving, StoreMaintenance
from loaders.assembly.results import Assembly
from loaders.identity.aliases import canonical_email, parse_aliases
from loaders.identity.companies import CompanyMap, company_map_with
from loaders.identity.mailmap import parse_mailmap
from loaders.identity.maintainers import Maintainers, parse_maintainers
from loaders.records import Address

__all__ = [
    "KeptFiles",
    "ParsedFiles",
    "PersonState",
    "keep_files",
    "kept_files_of",
    "merge_plan",
    "rederive",
    "subsystem_batch",
]

NAME_ONLY = "name:"  # the key prefix of a person known by name only (a shortlog line)


@dataclass(frozen=True, slots=True)
class KeptFiles:
    """The text of the identity and ownership files a store keeps (None: never given)."""

    maintainers: str | None = None
    mailmap: str | None = None
    aliases: str | None = None
    company_map: str | None = None

    @classmethod
    def from_dict(cls, values: Mapping[str, str]) -> KeptFiles:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names and v is not None})

    def as_dict(self) -> dict[str, str]:
        """The files given, by name (what `Neo4jStore.keep_files` stores)."""
        values = ((f.name, getattr(self, f.name)) for f in fields(self))
        return {name: text for name, text in values if text is not None}

    def updated(self, **texts: str | None) -> KeptFiles:
        """These files with the given ones replacing theirs (None: keep the old one)."""
        return replace(self, **{name: text for name, text in texts.items() if text is not None})

    def companies(self) -> CompanyMap:
        """The built-in company map overridden by the kept one."""
        return company_map_with(self.company_map, "company map")

    def identities(self) -> Identities:
        return Identities(
            parse_mailmap(self.mailmap) if self.mailmap else None,
            parse_aliases(self.aliases) if self.aliases else {},
        )

    def ownership(self) -> Maintainers | None:
        return parse_maintainers(self.maintainers) if self.maintainers else None


class ParsedFiles:
    """Kept files, each parsed when first asked for and then kept: a load asks in more
    than one place (an update, then the whole rebuild it may give way to), and the
    kernel's MAINTAINERS alone is some 25,000 lines."""

    def __init__(self, kept: KeptFiles) -> None:
        self.kept = kept

    @cached_property
    def companies(self) -> CompanyMap:
        return self.kept.companies()

    @cached_property
    def identities(self) -> Identities:
        return self.kept.identities()

    @cached_property
    def ownership(self) -> Maintainers | None:
        return self.kept.ownership()


@dataclass(frozen=True, slots=True)
class PersonState:
    """What re-merging people needs of a stored person."""

    key: str
    emails: list[str]
    names: dict[str, int]


def kept_files_of(store: StoreMaintenance) -> KeptFiles:
    """The files the store keeps (Neo4j's meta node, the embedded store's corpus)."""
    return KeptFiles.from_dict(store.kept_files())


def keep_files(store: StoreMaintenance, files: KeptFiles) -> None:
    """Store the files for later loads."""
    store.keep_files(files.as_dict())


def rederive(
    store: MaintainedStore,
    old: KeptFiles,
    new: KeptFiles,
    companies: CompanyMap,
    company_map_changed: bool,
) -> None:
    """Apply what changed between `old` and `new` to the graph already in the store.

    `company_map_changed`: whether the company map in use differs from the last load's.
    """
    identities_changed = (old.mailmap, old.aliases) != (new.mailmap, new.aliases)
    maintainers = new.ownership() if old.maintainers != new.maintainers else None
    if not (identities_changed or maintainers or company_map_changed):
        return
    writer = store.rederiving()
    if writer is None:
        if not _holds_people_or_files(store):
            return  # nothing loaded yet: the files apply to the records to come
        raise UsageError(
            f"{type(store).__name__} cannot re-apply changed identity or ownership files to "
            "what it holds; load them into the embedded store with load_sources"
        )
    identities = new.identities()
    merged: list[str] = []
    if identities_changed:
        people = [PersonState(*person) for person in writer.person_identities()]
        targets, moves = merge_plan(people, identities)
        writer.write(GraphBatch(nodes=targets))
        writer.move_people(moves)
        merged = sorted({record.key for record in targets})
    if company_map_changed:
        _re_employ(writer, None, companies, identities)
    elif merged:
        _re_employ(writer, merged, companies, identities)
    if maintainers is not None:
        writer.delete_nodes(NodeKind.SUBSYSTEM)
        paths = writer.node_keys(NodeKind.FILE)
        writer.write(subsystem_batch(maintainers, paths, companies, identities))


def _holds_people_or_files(store: GraphStore) -> bool:
    kinds = (NodeKind.PERSON, NodeKind.FILE)
    return any(store.list_nodes(kind, first=1).total for kind in kinds)


def merge_plan(
    people: Sequence[PersonState], identities: Identities
) -> tuple[list[NodeRecord], dict[str, str]]:
    """Who merges into whom under `identities`: the merged people's records, old -> new key.

    A person moves to the address their own key resolves to, else to the one address their
    other addresses resolve to; never split. The name sightings of everyone merging into one
    person (that person included) are summed; a name the mailmap gives gets its weight.
    """
    stored = {p.key: p for p in people}
    moves: dict[str, str] = {}
    proper: dict[str, str] = {}
    for person in people:
        if person.key.startswith(NAME_ONLY):
            continue
        target, name = _resolve(person, identities)
        if target != person.key:
            moves[person.key] = target
        if name:
            proper[target] = name
    groups: dict[str, list[PersonState]] = {key: [] for key in proper}
    for old, new in moves.items():
        groups.setdefault(new, []).append(stored[old])
    records = []
    for key, merging in sorted(groups.items()):
        members = merging + ([stored[key]] if key in stored else [])
        emails = sorted({key}.union(*(p.emails for p in members)))
        counts: dict[str, int] = {}
        for member in members:
            for name, count in member.names.items():
                counts[name] = counts.get(name, 0) + count
        given = proper.get(key)
        if given and counts.get(given, 0) < MAILMAP_NAME_WEIGHT:
            counts[given] = counts.get(given, 0) + MAILMAP_NAME_WEIGHT
        records.append(NodeRecord(NodeKind.PERSON, key, {"emails": emails}, True, counts))
    return records, moves


def _resolve(person: PersonState, identities: Identities) -> tuple[str, str | None]:
    """The key `person` belongs under, and the name the mailmap gives them (if it does)."""
    names = sorted(person.names, key=lambda n: (-person.names[n], n)) or [""]
    target, name = _resolve_address(person.key, names, identities)
    if target != person.key or name:
        return target, name
    elsewhere: dict[str, str | None] = {}
    for email in sorted(set(person.emails) - {person.key}):
        other, other_name = _resolve_address(email, names, identities)
        if other != person.key:
            elsewhere.setdefault(other, other_name)
    if len(elsewhere) == 1:
        return next(iter(elsewhere.items()))
    return person.key, None


def _resolve_address(
    email: str, names: Sequence[str], identities: Identities
) -> tuple[str, str | None]:
    """Where `email` goes, written with any of `names` (a line that names the person, or
    one that moves the address, wins), and the name the mailmap gives."""
    keys = []
    for name in names:
        address, named = identities.resolve(Address(name, email))
        if named:
            return person_key(address), address.name
        keys.append(person_key(address))
    plain = canonical_email(email)
    return next((key for key in keys if key != plain), keys[0]), None


def _re_employ(
    store: Rederiving, keys: list[str] | None, companies: CompanyMap, identities: Identities
) -> None:
    """Work out the employers of `keys` (None: every person) again from the company map."""
    people = keys if keys is not None else store.node_keys(NodeKind.PERSON)
    store.delete_employment(keys)
    addresses = [Address("", key) for key in people if not key.startswith(NAME_ONLY)]
    built = batch_from_assembly(Assembly(people=addresses), companies, identities)
    store.write(
        GraphBatch(
            nodes=[n for n in built.nodes if n.kind is NodeKind.COMPANY],
            edges=[e for e in built.edges if e.kind is EdgeKind.EMPLOYED_BY],
        )
    )
    store.delete_unemployed_companies()


def subsystem_batch(
    maintainers: Maintainers, paths: Sequence[str], companies: CompanyMap, identities: Identities
) -> GraphBatch:
    """The subsystems, their maintainers and reviewers, and the `IN_SUBSYSTEM` edges of every
    path, as `ingest.batch_from_assembly` writes them for the files of one load."""
    batch = batch_from_assembly(Assembly(), companies, identities, maintainers)
    for path in sorted(paths):
        for rank, match in enumerate(maintainers.matches_for(path)):
            coverage = {"rank": rank, "precision": match.precision, "pattern": match.pattern}
            target = (NodeKind.SUBSYSTEM, match.subsystem.name)
            batch.edge(EdgeRecord(EdgeKind.IN_SUBSYSTEM, (NodeKind.FILE, path), target, coverage))
    return batch
