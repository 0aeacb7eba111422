"""The Cypher statements of `Neo4jStore`'s reads, written once (built once, cached),
parameterised; the review questions' are in `neo4j_cypher_reviews`. The write path's
statements (node and edge merges, the meta node, constraints) live with it in
`neo4j_write`; `Neo4jStore.counts` has the one count query.

Labels and relationship types are the values of `NodeKind` and `EdgeKind` and depth bounds
are small integers the store chooses from a fixed range; everything a user sends (keys,
search words, dates, limits) travels as a parameter, never as Cypher text. Node `key` is
unique per label (a constraint, hence an index); the discriminator of parallel edges is the
relationship property `disc`. Internal node properties are described in `neo4j_codec`.

The batched reads (`*_many`, `related_pages`) are the single-key statements run per key
(`per_key`): one statement, `UNWIND $keys`, each key's rows exactly the single statement's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from graphapi.model import EdgeKind, NodeKind

__all__ = [
    "AUTHORED",
    "CLEAR",
    "COMPANY_BY_NAME",
    "COUNTED",
    "EMPLOYED_BY",
    "KEY_ORDER",
    "LINEAGE",
    "LINEAGE_MANY",
    "MAX_DEPENDENCY_DEPTH",
    "MAX_NEIGHBORHOOD_DEPTH",
    "PERSON_BY_ADDRESS",
    "REVIEW",
    "SERIES_BY_MESSAGE",
    "WRITE_NODES",
    "constraint",
    "create_edges",
    "cypher_name",
    "dependency_graph",
    "get_many",
    "list_nodes",
    "neighborhood",
    "per_key",
    "related",
    "related_many",
    "related_pages",
    "view_of",
    "write_edges",
]

MAX_DEPENDENCY_DEPTH = 10
MAX_NEIGHBORHOOD_DEPTH = 3
REVIEW = EdgeKind.TRAILER.value
#: A review trailer `t` that counts: not one CARRIED over from an earlier version's patch.
COUNTED = "coalesce(t.source, '') <> 'CARRIED'"
AUTHORED = EdgeKind.AUTHORED.value
EMPLOYED_BY = EdgeKind.EMPLOYED_BY.value

#: A node's sort position among nodes of its kind: `rules.list_position` (see neo4j_codec).
KEY_ORDER = "coalesce({0}._ks, {0}.key)"

#: What a graph view needs of a node (`rules.node_label`, `rules.view_node`).
_VIEW_PROPS = (
    *("name", "title", "path", "subject", "url"),
    *("resolved", "version", "isRfc", "messageId", "mergeState"),
)


def _name(kind: NodeKind | EdgeKind) -> str:
    value = str(kind.value)
    if not value.isidentifier():  # never: the enums are ours; a guard against an edit
        raise ValueError(f"{value!r} cannot be a Neo4j label or type")
    return value


#: `_name` for the statement modules built on this one.
cypher_name = _name


def view_of(var: str) -> str:
    """A map projection of what a graph view needs of node `var` (no message bodies)."""
    fields = ", ".join(f".{p}, .{p}_json" for p in _VIEW_PROPS)
    return f"{var} {{.key, ._placeholder, ._nulls, {fields}, _labels: labels({var})}}"


_ONE_KEY = re.compile(r"\$key\b")


def per_key(statement: str, columns: Sequence[str]) -> str:
    """`statement`, written for one `$key`, run for every key of `$keys` in one statement.

    The statement becomes a subquery run once per key, so its aggregations, ORDER BY and
    LIMIT stay per key; its rows come back with their `key` (`columns` are its RETURN
    names). Every other parameter is shared by all keys.
    """
    if "$keys" in statement or not _ONE_KEY.search(statement):
        raise ValueError("per_key needs a statement about one $key")
    body = _ONE_KEY.sub("key", statement)
    return f"UNWIND $keys AS key CALL (key) {{ {body} }} RETURN key, {', '.join(columns)}"


# -- schema and writes ------------------------------------------------------------------------
@cache
def constraint(kind: NodeKind) -> str:
    label = _name(kind)
    return (
        f"CREATE CONSTRAINT graphapi_{label.lower()}_key IF NOT EXISTS "
        f"FOR (n:{label}) REQUIRE n.key IS UNIQUE"
    )


#: Every property of each node, replaced (`_lock` goes with the old ones; the nodes were
#: created or write-locked by `neo4j_write.upsert_nodes` in the same transaction).
WRITE_NODES = "UNWIND $rows AS row MATCH (n) WHERE elementId(n) = row.id SET n = row.props"


@cache
def write_edges(kind: EdgeKind) -> str:
    """Merge edges by (source, type, target, disc); props update like networkx' add_edge.

    Endpoints come by element id (the node phase of the same write returned them).
    """
    return (
        "UNWIND $rows AS row "
        "MATCH (a) WHERE elementId(a) = row.s "
        "MATCH (b) WHERE elementId(b) = row.t "
        f"MERGE (a)-[r:{_name(kind)} {{disc: row.d}}]->(b) "
        "WITH r, row, [x IN coalesce(r._nulls, []) WHERE NOT x IN keys(row.p)] + row.n AS nulls "
        "SET r += row.p, r._nulls = CASE WHEN size(nulls) = 0 THEN null ELSE nulls END"
    )


@cache
def create_edges(kind: EdgeKind) -> str:
    """Create edges known not to exist (an endpoint was created by the same transaction):
    the relationship `write_edges` would create, without looking for one first."""
    return (
        "UNWIND $rows AS row "
        "MATCH (a) WHERE elementId(a) = row.s "
        "MATCH (b) WHERE elementId(b) = row.t "
        f"CREATE (a)-[r:{_name(kind)} {{disc: row.d}}]->(b) "
        "SET r += row.p, r._nulls = CASE WHEN size(row.n) = 0 THEN null ELSE row.n END"
    )


CLEAR = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"


# -- lookups ------------------------------------------------------------------------------------
@cache
def get_many(kind: NodeKind) -> str:
    return (
        f"UNWIND $keys AS k MATCH (n:{_name(kind)} {{key: k}}) "
        "RETURN n.key AS key, properties(n) AS props"
    )


COMPANY_BY_NAME = (
    f"MATCH (c:{_name(NodeKind.COMPANY)}) WHERE c._lname = $name OR $name IN c.domains "
    f"RETURN properties(c) AS props ORDER BY {KEY_ORDER.format('c')} LIMIT 1"
)

#: A person by an address merged into them (not their key): the smallest key, as networkx.
PERSON_BY_ADDRESS = (
    f"MATCH (p:{_name(NodeKind.PERSON)}) WHERE $email IN p.emails "
    f"RETURN properties(p) AS props ORDER BY p.key LIMIT 1"
)

SERIES_BY_MESSAGE = (
    f"OPTIONAL MATCH (s:{_name(NodeKind.SERIES)} {{key: $key}}) "
    "CALL () { "
    f"  OPTIONAL MATCH (:{_name(NodeKind.PATCH)} {{key: $key}})"
    f"-[:{_name(EdgeKind.PART_OF)}]->(t) "
    f"  RETURN t ORDER BY {KEY_ORDER.format('t')} LIMIT 1 "
    "} "
    "RETURN properties(s) AS series, properties(t) AS other, labels(t) AS labels"
)


@cache
def list_nodes(
    kind: NodeKind, related: tuple[EdgeKind, NodeKind] | None, *, filtered: bool = False
) -> str:
    """The page of a kind after the position `$after` ([sort, key] as stored, or null) in
    `rules.list_position` order (a keyset: reloads that insert before it shift nothing),
    the total, and whether items come before and after the page; `filtered` keeps the nodes
    whose properties equal `$where`'s values."""
    label = _name(kind)
    if related is None:
        match = f"MATCH (n:{label}) WHERE NOT n._placeholder AND "
    else:
        edge, other = related
        match = (
            f"MATCH (:{_name(other)} {{key: $key}})-[:{_name(edge)}]-(m:{label}) "
            "WITH DISTINCT m AS n WHERE "
        )
    return (
        match + "all(w IN $words WHERE n._search CONTAINS w) "
        "AND ($prefix IS NULL OR n.key STARTS WITH $prefix) "
        + ("AND all(k IN keys($where) WHERE n[k] = $where[k]) " if filtered else "")
        + f"WITH n ORDER BY n._sort, {KEY_ORDER.format('n')} "
        "WITH collect(n) AS found "
        "WITH found, [x IN found WHERE $after IS NULL OR x._sort > $after[0] "
        f"OR (x._sort = $after[0] AND {KEY_ORDER.format('x')} > $after[1])] AS rest "
        "RETURN size(found) AS total, size(rest) < size(found) AS before, "
        "size(rest) > $first AS more, [x IN rest[0..$first] | properties(x)] AS items"
    )


@cache
def related(kind: NodeKind, edge: EdgeKind, out: bool) -> str:
    left, right = ("-", "->") if out else ("<-", "-")
    return (
        f"MATCH (a:{_name(kind)} {{key: $key}}){left}[r:{_name(edge)}]{right}(b) "
        "RETURN properties(r) AS edge, properties(b) AS props, labels(b) AS labels"
    )


@cache
def related_many(kind: NodeKind, edge: EdgeKind, out: bool) -> str:
    return per_key(related(kind, edge, out), ("edge", "props", "labels"))


@cache
def related_pages(kind: NodeKind, edge: EdgeKind, owner: NodeKind) -> str:
    """`list_nodes(kind, (edge, owner))` for each owner key: one row per key."""
    return per_key(list_nodes(kind, (edge, owner)), ("total", "before", "more", "items"))


# -- review ties ---------------------------------------------------------------------------------
# -- walks -----------------------------------------------------------------------------------------
_PREVIOUS = _name(EdgeKind.PREVIOUS_VERSION)
LINEAGE = (
    f"MATCH (s:{_name(NodeKind.SERIES)} {{key: $key}}) "
    f"CALL (s) {{ OPTIONAL MATCH (s)-[:{_PREVIOUS}*1..]->(o) "
    "RETURN collect(DISTINCT o) AS older } "
    f"CALL (s) {{ OPTIONAL MATCH (s)<-[:{_PREVIOUS}*1..]-(o) "
    "RETURN collect(DISTINCT o) AS newer } "
    "WITH [s] + older + newer AS chain "
    "UNWIND chain AS x "
    "RETURN properties(x) AS props, labels(x) AS labels, "
    f"[(x)-[:{_PREVIOUS}]->(y) WHERE y IN chain | [labels(y)[0], y.key]] AS out"
)
LINEAGE_MANY = per_key(LINEAGE, ("props", "labels", "out"))


@cache
def dependency_graph(direction: str, depth: int) -> str:
    """Nodes within `depth` DEPENDS_ON steps of `$key` and the DEPENDS_ON edges among them."""
    if not 0 <= depth <= MAX_DEPENDENCY_DEPTH:
        raise ValueError(f"dependency depth must be between 0 and {MAX_DEPENDENCY_DEPTH}")
    dep = _name(EdgeKind.DEPENDS_ON)
    left, right = {"UPSTREAM": ("-", "->"), "DOWNSTREAM": ("<-", "-")}.get(direction, ("-", "-"))
    reach = (
        f"CALL (s) {{ OPTIONAL MATCH (s){left}[:{dep}*1..{depth}]{right}(o) "
        "RETURN collect(DISTINCT o) AS found } "
        if depth
        else "WITH s, [] AS found "
    )
    return (
        f"MATCH (s:{_name(NodeKind.SERIES)} {{key: $key}}) "
        + reach
        + "WITH [s] + [x IN found WHERE x <> s] AS ns "
        "UNWIND ns AS x "
        f"RETURN {view_of('x')} AS node, "
        f"[(x)-[r:{dep}]->(y) WHERE y IN ns | [labels(y)[0], y.key, properties(r)]] AS out"
    )


@cache
def neighborhood(kind: NodeKind, depth: int) -> str:
    """The `$first` nodes nearest `$key` within `depth` steps (any edge, either way), in the
    order of `rules.NEIGHBORHOOD_ORDER`, the edges among them and the unbounded count.

    Each ring is found from the one before it (breadth first: a neighbour of ring k-1 not
    in ring k-1 or k-2 is in ring k), as a list of nodes. The rings that fit are kept whole;
    only the ring the bound cuts is ranked, each of its nodes' edges read once for its ties
    to the ring before and its neighbours. Only the kept nodes' properties and edges leave
    the server, whatever the neighbourhood's size.
    """
    if not 0 <= depth <= MAX_NEIGHBORHOOD_DEPTH:
        raise ValueError(f"neighbourhood depth must be between 0 and {MAX_NEIGHBORHOOD_DEPTH}")
    rings = "".join(_ring(d) for d in range(1, depth + 1))
    listed = ", ".join(["[s]", *(f"ring{d}" for d in range(1, depth + 1))])
    return (
        f"MATCH (s:{_name(kind)} {{key: $key}}) {rings}"
        f"WITH s, [{listed}] AS rings "
        f"WITH s, rings, [k IN range(1, {depth}) | "
        "reduce(c = 0, r IN rings[1..k + 1] | c + size(r))] AS upto "
        "WITH s, rings, size([c IN upto WHERE c <= $first - 1]) AS whole "
        "WITH s, rings, whole, reduce(acc = [], r IN rings[1..whole + 1] | acc + r) AS near "
        "CALL (rings, whole) { "
        f"  UNWIND (CASE WHEN whole < {depth} THEN rings[whole + 1] ELSE [] END) AS n "
        "  WITH n, rings[whole] AS nearer "
        "  CALL (n, nearer) { MATCH (n)-[r]-(m) RETURN count(DISTINCT m) AS degree, "
        "    count(DISTINCT CASE WHEN m IN nearer "
        "      THEN [elementId(m), type(r), startNode(r) = n] END) AS t } "
        "  WITH n, t, degree ORDER BY t DESC, degree DESC, labels(n)[0] + ':' + n.key "
        "  RETURN collect(n) AS ranked } "
        "WITH reduce(c = 1, r IN rings[1..] | c + size(r)) AS total, "
        "[s] + near + ranked[..($first - 1 - size(near))] AS ns "
        "UNWIND ns AS x "
        f"RETURN {view_of('x')} AS node, total, "
        "[(x)-[r]->(y) WHERE y IN ns | [labels(y)[0], y.key, type(r)]] AS out"
    )


def _ring(distance: int) -> str:
    """Ring `distance` of `s` as the list `ring<d>`, the rings before it in scope. Membership
    in a list, not a pattern check (`NOT (s)--(n)` made a hub's second ring ~6x slower)."""
    before = [f"ring{k}" for k in range(max(distance - 2, 1), distance)]
    walk = "" if distance == 1 else f"UNWIND ring{distance - 1} AS a "
    guards = " AND ".join(["n <> s", *(f"NOT n IN {ring}" for ring in before)])
    return (
        f"CALL ({', '.join(['s', *before])}) {{ {walk}"
        f"MATCH ({'s' if distance == 1 else 'a'})--(n) WHERE {guards} "
        f"RETURN collect(DISTINCT n) AS ring{distance} }} "
    )
