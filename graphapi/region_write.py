"""Apply the re-assembly of a region (`graphapi.region`) to the graph a whole load built.

The region is assembled twice, from its messages before this load (`old`) and with them
(`new`); both become batches, as a whole load would write them, and the graph changes by
the difference. Which rows the region owns decides how:

- **owned rows** (messages, series, patches, dependency refs, and every edge that ends at
  one): only the region's records make them (the region is closed), so they are deleted
  and written again from the new batch;
- **people**: name sightings are counts summed over the whole corpus: stored - old + new;
  e-mail addresses and employment only grow, so the new batch is merged in, employment
  only for people new to the graph;
- **files**, and people named by a shortlog only (`name:` keys): shared by every series
  naming them; re-derived from the edges left (a file no series or patch touches is gone,
  with its subsystems; a new file gets them);
- **anything not invertible** (a person the new records no longer name, a shortlog name
  two people answer to, an owned row something outside the region points at): refused,
  and the caller rebuilds the whole graph. Every check runs before the first write.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from graphapi.identity import Identities
from graphapi.ingest import batch_from_assembly
from graphapi.model import EdgeKind, EdgeRecord, GraphBatch, NodeKind, NodeRecord, node_id
from graphapi.region import Region, completing
from graphapi.region_graph import RegionGraph
from graphapi.region_names import Lookup, Names
from graphapi.row_diff import Touched
from graphapi.store import nx_graph
from graphapi.store.networkx_store import NetworkXStore
from graphapi.store.node_merge import refresh_name
from loaders.assembly.assemble import assemble, normalise_title
from loaders.assembly.results import Assembly
from loaders.identity.companies import CompanyMap
from loaders.identity.maintainers import Maintainers
from loaders.mail.files import raw_files, shortened_tail
from loaders.records import Message

__all__ = ["apply_region"]

OWNED = frozenset({NodeKind.MESSAGE, NodeKind.SERIES, NodeKind.PATCH, NodeKind.REF})
#: Where an owned row's edge may end outside the region.
SHARED_ENDS = frozenset({NodeKind.PERSON, NodeKind.FILE})
_NAMED = "name:"


class _Side:
    """One batch (old or new) and what the checks ask of it."""

    def __init__(self, assembly: Assembly, batch: GraphBatch) -> None:
        self.counts = assembly.counts()
        self.batch = batch
        self.assembly = assembly
        self.owned: set[str] = set()
        self.emails: dict[str, set[str]] = defaultdict(set)  # real person -> addresses
        self.names: dict[str, dict[str, int]] = defaultdict(dict)  # real person -> counts
        self.named: set[str] = set()  # `name:` person keys
        self.files: set[str] = set()
        for record in batch.nodes:
            kind, key = record.kind, record.key
            if kind in OWNED:
                self.owned.add(node_id(kind, key))
            elif kind is NodeKind.PERSON:
                if key.startswith(_NAMED):
                    self.named.add(key)
                    continue
                self.emails[key].update(record.props.get("emails", ()))
                names = self.names[key]
                for name, count in record.name_counts.items():
                    names[name] = max(names.get(name, 0), count)
            elif kind is NodeKind.FILE:
                self.files.add(key)
        owned = self.owned
        # the most rows of a side: `node_id` spelt out (its enum lookup doubled this loop)
        for edge in batch.edges:
            (kind, key), (other, other_key) = edge.source, edge.target
            if kind in OWNED:
                owned.add(f"{kind._value_}:{key}")
            if other in OWNED:
                owned.add(f"{other._value_}:{other_key}")


def _side(
    messages: list[Message],
    known: set[str],
    companies: CompanyMap,
    identities: Identities,
    names: Lookup,
) -> _Side:
    assembly = assemble(messages, (), known_paths=known)
    batch = batch_from_assembly(assembly, companies, identities, None, bodies=False)
    return _Side(assembly, _with_names(assembly, batch, names))


def _with_names(assembly: Assembly, batch: GraphBatch, names: Lookup) -> GraphBatch:
    """`batch` with its shortlog names resolved as a whole load resolves them (`names`), not
    by the people of the region alone; the `name:` people made again to match."""
    wanted: dict[str, list[str]] = {}
    named: dict[str, dict[str, int]] = defaultdict(dict)
    for series in assembly.series:
        if not series.resolved or not series.contributors:
            continue
        keys = wanted[series.key] = []
        for name, _ in series.contributors:
            folded = normalise_title(name)
            key = names.get(folded) or _NAMED + folded
            keys.append(key)
            if key.startswith(_NAMED):
                named[key][name] = 1
    taken: dict[str, int] = defaultdict(int)
    edges = []
    for edge in batch.edges:
        if edge.kind is EdgeKind.CONTRIBUTED:
            series_key = edge.target[1]
            key = wanted[series_key][taken[series_key]]
            taken[series_key] += 1
            edge = dataclasses.replace(edge, source=(NodeKind.PERSON, key))
        edges.append(edge)
    nodes = [
        r for r in batch.nodes if r.kind is not NodeKind.PERSON or not r.key.startswith(_NAMED)
    ]
    nodes += [
        NodeRecord(NodeKind.PERSON, key, {"emails": []}, True, spellings)
        for key, spellings in named.items()
    ]
    return GraphBatch(nodes, edges)


def apply_region(
    store: NetworkXStore,
    region: Region,
    companies: CompanyMap,
    identities: Identities,
    maintainers: Maintainers | None,
    names: Names,
) -> str | None:
    """Change `store.graph` (the graph of the corpus before this load) into the graph of
    the corpus with it; None when done, else why not (the graph is then unchanged).
    `names`: how the whole corpus resolves shortlog names (`graphapi.region_names`)."""
    tails = {
        t for m in region.new for c in raw_files(m) if (t := shortened_tail(c.path)) is not None
    }
    known_before = completing(region.known_before, tails)
    known_after = known_before | completing(region.known_after - region.known_before, tails)
    old = _side(region.old, known_before, companies, identities, names.before)
    new = _side(region.new, known_after, companies, identities, names.after)
    outside: set[str] = set()  # files touched by a row not read
    if store.partial is not None:
        outside = _read_rows(store.partial, old, new, names)
    graph = store.graph
    refusal = _refusal(graph, old, new, companies, names)
    if refusal is not None:
        return refusal
    touched: Touched = (set(), set())
    if store.partial is not None and store.touched is not None:
        touched = store.touched  # a second update before the write: both rows' keys count
    store.touched = touched  # `NetworkXStore.write` adds what it writes; the rest below
    _write(store, old, new, touched)
    _rederive_named(graph, old.named | new.named, touched)
    _rederive_files(store, old.files | new.files, maintainers, touched, outside)
    nx_graph.invalidate(graph)
    series, patches = store.counts
    store.counts = (
        series - old.counts[0] + new.counts[0],
        patches - old.counts[1] + new.counts[1],
    )
    return None


def _read_rows(rows: RegionGraph, old: _Side, new: _Side, names: Names) -> set[str]:
    """Read every stored row the checks and writes below look at (`region_graph`): the
    owned rows, shortlog-only people and the people a moved shortlog name may leave, each
    with all its edges; files with their edges out (of their edges in, those from the
    owned rows are read with them; the files something else touches are returned); and
    what the new batch merges into."""
    person = NodeKind.PERSON
    rows.around(
        [
            *old.owned,
            *new.owned,
            *(node_id(person, key) for key in old.named | new.named),
            *(node_id(person, key) for _, key in _moved(names)),
        ]
    )
    files = (node_id(NodeKind.FILE, key) for key in old.files | new.files)
    outside = rows.around_out(files, EdgeKind.TOUCHES)
    rows.records(new.batch)
    return outside


def _moved(names: Names) -> list[tuple[str, str]]:
    """(folded name, person key) for each shortlog name that resolves otherwise after this
    load: its `name:` person, and whom it resolved to before."""
    moved: list[tuple[str, str]] = []
    for folded in names.candidates:
        before = names.before.get(folded)
        if before != names.after.get(folded):
            moved.append((folded, _NAMED + folded))
            if before is not None:
                moved.append((folded, before))
    return moved


# -- checks --------------------------------------------------------------------------------


def _refusal(graph: Any, old: _Side, new: _Side, companies: CompanyMap, names: Names) -> str | None:
    return (
        _not_closed(graph, old, new)
        or _people_shrink(old, new)
        or _employment_moves(graph, new, companies)
        or _shortlog_names_move(graph, old, new, names)
    )


def _not_closed(graph: Any, old: _Side, new: _Side) -> str | None:
    """An owned row that something outside the region makes or points at."""
    nodes = graph._node  # the adjacency itself: networkx's edge views cost more than the check
    for nid in new.owned - old.owned:
        if nid in nodes:
            return f"{nid} is already in the graph, made outside the region"
    owned = old.owned | new.owned
    pred, succ = graph._pred, graph._succ
    for nid in old.owned:
        if nid not in nodes:
            continue
        for other in (*pred[nid], *succ[nid]):  # a neighbour once, whatever its edges
            if other not in owned and nodes[other]["kind"] not in SHARED_ENDS:
                return f"{nid} is tied to {other}, outside the region"
    return None


def _people_shrink(old: _Side, new: _Side) -> str | None:
    for key, emails in old.emails.items():
        if key not in new.emails or not emails <= new.emails[key]:
            return f"the region names {key} (or an address of theirs) no more"
    return None


def _employment(companies: CompanyMap, key: str, email: str) -> tuple[Any, ...]:
    """What `ingest._Builder.employment` reads for a person first seen as `email`."""
    spans = companies.spans_for(key) or companies.spans_for(email)
    company = companies.company_for(key) or companies.company_for(email)
    return tuple(spans), company


def _employment_moves(graph: Any, new: _Side, companies: CompanyMap) -> str | None:
    """A known person whose employment could depend on which address is seen first."""
    nodes = graph.nodes
    for key, emails in new.emails.items():
        attrs = nodes.get(node_id(NodeKind.PERSON, key))
        if attrs is None:
            continue
        every = emails | set(attrs["props"].get("emails", ()))
        if len({_employment(companies, key, email) for email in every}) > 1:
            return f"the employment of {key} depends on the address seen first"
    return None


def _shortlog_names_move(graph: Any, old: _Side, new: _Side, names: Names) -> str | None:
    """A shortlog name the new messages make resolve otherwise (a first sighting under it)
    while shortlogs outside the region name it."""
    owned = old.owned | new.owned
    for folded, key in _moved(names):
        nid = node_id(NodeKind.PERSON, key)
        if nid in graph.nodes and _contributes_outside(graph, nid, owned):
            return f"shortlogs outside the region name {folded!r}"
    return None


def _contributes_outside(graph: Any, nid: str, owned: set[str]) -> bool:
    return any(
        data["kind"] is EdgeKind.CONTRIBUTED and target not in owned
        for _, target, data in graph.out_edges(nid, data=True)
    )


# -- writing -------------------------------------------------------------------------------


def _write(store: NetworkXStore, old: _Side, new: _Side, touched: Touched) -> None:
    """Owned rows out, the new batch in (employment only for new people), name counts
    summed."""
    graph = store.graph
    nodes = graph.nodes
    node_ids, edge_keys = touched
    stored_names = {
        key: dict(nodes[nid].get("names") or {})
        for key in new.emails
        if (nid := node_id(NodeKind.PERSON, key)) in nodes
    }
    doomed = [nid for nid in old.owned | new.owned if nid in nodes]
    edge_keys.update(_edge_keys(graph, doomed))
    graph.remove_nodes_from(doomed)
    node_ids.update(doomed)
    known = {node_id(NodeKind.PERSON, key) for key in stored_names}
    batch = GraphBatch(
        list(new.batch.nodes),
        [
            e
            for e in new.batch.edges
            if e.kind is not EdgeKind.EMPLOYED_BY or node_id(*e.source) not in known
        ],
    )
    store.write(batch, read=True)  # a part of `new.batch`, whose rows `_read_rows` read
    for key, counts in new.names.items():
        before = stored_names.get(key, {})
        taken = old.names.get(key, {})
        summed = {
            name: before.get(name, 0) - taken.get(name, 0) + counts.get(name, 0)
            for name in before.keys() | counts.keys()
        }
        attrs = nodes[node_id(NodeKind.PERSON, key)]
        attrs["names"] = {name: count for name, count in summed.items() if count > 0}
        refresh_name(attrs)


def _edge_keys(graph: Any, ids: list[str]) -> Iterator[tuple[str, str, str]]:
    """(source, target, key) of every edge in and out of these nodes, from the adjacency
    (networkx's edge views, two per node, cost more than the keys)."""
    pred, succ = graph._pred, graph._succ
    for nid in ids:
        for source, keyed in pred[nid].items():
            for key in keyed:
                yield source, nid, key
        for target, keyed in succ[nid].items():
            for key in keyed:
                yield nid, target, key


def _rederive_named(graph: Any, named: set[str], touched: Touched) -> None:
    """A `name:` person: the spellings of the shortlogs still naming them, or gone."""
    nodes = graph.nodes
    for key in named:
        nid = node_id(NodeKind.PERSON, key)
        if nid not in nodes:
            continue
        touched[0].add(nid)
        folded = key.removeprefix(_NAMED)
        spellings: dict[str, int] = {}
        for _, target, data in graph.out_edges(nid, data=True):
            if data["kind"] is EdgeKind.CONTRIBUTED:
                for name, _count in nodes[target]["props"].get("contributors", ()):
                    if normalise_title(name) == folded:
                        spellings[name] = 1
        if not spellings:
            touched[1].update(graph.in_edges(nid, keys=True))
            touched[1].update(graph.out_edges(nid, keys=True))
            graph.remove_node(nid)
            continue
        nodes[nid]["names"] = spellings
        refresh_name(nodes[nid])


def _rederive_files(
    store: NetworkXStore,
    files: set[str],
    maintainers: Maintainers | None,
    touched: Touched,
    outside: set[str],
) -> None:
    """A file no series or patch touches any more is gone (with its subsystem edges); a
    file new to the graph gets the subsystems MAINTAINERS gives it. `outside`: the
    files a row the graph does not hold touches (`_read_rows`)."""
    graph = store.graph
    added = GraphBatch()
    touches = EdgeKind.TOUCHES
    for path in files:
        nid = node_id(NodeKind.FILE, path)
        if nid not in graph.nodes:
            continue
        outs = list(graph.out_edges(nid, keys=True))
        touched_by = (d["kind"] for _, _, d in graph.in_edges(nid, data=True))
        if nid not in outside and touches not in touched_by:
            if store.partial is not None:  # removed whole: every edge in, too
                store.partial.around([nid])
            touched[0].add(nid)
            touched[1].update(outs)
            touched[1].update(graph.in_edges(nid, keys=True))
            graph.remove_node(nid)
        elif not outs and maintainers is not None:
            for rank, match in enumerate(maintainers.matches_for(path)):
                coverage = {"rank": rank, "precision": match.precision, "pattern": match.pattern}
                target = (NodeKind.SUBSYSTEM, match.subsystem.name)
                added.edge(
                    EdgeRecord(EdgeKind.IN_SUBSYSTEM, (NodeKind.FILE, path), target, coverage)
                )
    if added.edges:
        store.write(added)
