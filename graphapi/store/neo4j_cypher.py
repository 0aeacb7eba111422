"""Every Cypher statement the read queries of `Neo4jStore` run, written once (built once,
cached), parameterised. The write path's statements (node and edge merges, the meta node,
constraints) live with it in `neo4j_write`; `Neo4jStore.counts` has the one count query.

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
    "CLEAR",
    "COMPANY_BY_NAME",
    "FIRST_REVIEW",
    "FIRST_REVIEW_MANY",
    "LINEAGE",
    "LINEAGE_MANY",
    "MAX_DEPENDENCY_DEPTH",
    "MAX_NEIGHBORHOOD_DEPTH",
    "PERSON_BY_ADDRESS",
    "REVIEW_STATS",
    "SERIES_BY_MESSAGE",
    "SERIES_REVIEWERS",
    "SERIES_REVIEWERS_MANY",
    "SERIES_SUBSYSTEMS",
    "SERIES_SUBSYSTEMS_MANY",
    "STATS",
    "WRITE_NODES",
    "company_at",
    "company_ties",
    "company_ties_many",
    "constraint",
    "dependency_graph",
    "file_people",
    "file_people_many",
    "get_many",
    "list_nodes",
    "neighborhood",
    "per_key",
    "related",
    "related_many",
    "related_pages",
    "review_network",
    "review_ties",
    "review_ties_many",
    "view_of",
    "write_edges",
]

MAX_DEPENDENCY_DEPTH = 10
MAX_NEIGHBORHOOD_DEPTH = 3
REVIEW = EdgeKind.TRAILER.value
#: A review trailer `t` that counts: not one CARRIED over from an earlier version's patch.
_COUNTED = "coalesce(t.source, '') <> 'CARRIED'"
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
_TIE_COLUMNS = ("props", "labels", "patches")
_TIE_RETURN = (
    "WITH o, collect(DISTINCT p) AS ps "
    f"ORDER BY size(ps) DESC, {KEY_ORDER.format('o')} LIMIT $first "
    "RETURN properties(o) AS props, labels(o) AS labels, "
    "[x IN ps | [x.key, x.lineage, 'lineage' IN coalesce(x._nulls, [])]] AS patches"
)
_PERSON = _name(NodeKind.PERSON)
_SERIES_LABEL = _name(NodeKind.SERIES)


@cache
def review_ties(as_reviewer: bool) -> str:
    """People whose patches `$key` reviewed (as_reviewer), or who reviewed `$key`'s."""
    if as_reviewer:
        pattern = f"(me:{_PERSON} {{key: $key}})-[t:{REVIEW}]->(p)<-[:{AUTHORED}]-(o)"
    else:
        pattern = f"(me:{_PERSON} {{key: $key}})-[:{AUTHORED}]->(p)<-[t:{REVIEW}]-(o)"
    return (
        f"MATCH {pattern} WHERE {_COUNTED} AND t.trailerKind IN $kinds AND o <> me " + _TIE_RETURN
    )


@cache
def review_ties_many(as_reviewer: bool) -> str:
    return per_key(review_ties(as_reviewer), _TIE_COLUMNS)


def company_at(person: str, day: str) -> str:
    """The company node of `person` on `day` (null: the latest), as `nx_reviews.company_of`.

    EMPLOYED_BY edges may carry `from` (inclusive) and `until` (exclusive) dates; of the
    spans valid on the day, the one ending last (then starting last) wins.
    """
    spans = (
        f"[({person})-[_job:{EMPLOYED_BY}]->(_employer) "
        f"WHERE {day} IS NULL OR (coalesce(_job.`from`, '') <= {day} "
        f"AND {day} < coalesce(_job.`until`, '9999')) "
        "| [coalesce(_job.`until`, '9999'), coalesce(_job.`from`, ''), _employer]]"
    )
    return (
        f"reduce(_best = null, _span IN {spans} | CASE WHEN _best IS NULL "
        "OR _span[0] > _best[0] OR (_span[0] = _best[0] AND _span[1] > _best[1]) "
        "THEN _span ELSE _best END)[2]"
    )


#: The date a review counts at (`nx_reviews.review_index`): the trailer's, else the patch's.
_REVIEW_DATE = "CASE WHEN coalesce(t.date, '') = '' THEN p.date ELSE t.date END"
#: The day companies are looked up on: none (the latest company) without a date.
_DAY = "CASE WHEN coalesce(date, '') = '' THEN null ELSE left(date, 10) END"


@cache
def company_ties(as_reviewer: bool) -> str:
    """Companies whose patches company `$key` reviewed (as_reviewer), or the reverse.

    Companies are those of the reviewer and the author on the day of the review.
    """
    company = f"(c:{_name(NodeKind.COMPANY)} {{key: $key}})"
    if as_reviewer:
        pattern = f"(r)-[t:{REVIEW}]->(p)<-[:{AUTHORED}]-(a)"
        mine, theirs = "r", "a"
    else:
        pattern = f"(a)-[:{AUTHORED}]->(p)<-[t:{REVIEW}]-(r)"
        mine, theirs = "a", "r"
    return (
        f"MATCH {company}<-[:{EMPLOYED_BY}]-({mine}) WITH DISTINCT c, {mine} "
        f"MATCH {pattern} WHERE {_COUNTED} AND t.trailerKind IN $kinds AND a <> r "
        f"WITH c, p, r, a, {_REVIEW_DATE} AS date "
        f"WITH c, p, r, a, {_DAY} AS day "
        f"WITH c, p, {company_at(mine, 'day')} AS own, {company_at(theirs, 'day')} AS o "
        "WHERE own = c AND o IS NOT NULL AND o <> c " + _TIE_RETURN
    )


@cache
def company_ties_many(as_reviewer: bool) -> str:
    return per_key(company_ties(as_reviewer), _TIE_COLUMNS)


@cache
def file_people(reviewers: bool) -> str:
    file = f"(f:{_name(NodeKind.FILE)} {{key: $key}})"
    touches = f"-[:{_name(EdgeKind.TOUCHES)}]-"
    patch = f"(p:{_name(NodeKind.PATCH)})"
    if reviewers:
        pattern = (
            f"{file}<{touches}{patch}<-[t:{REVIEW}]-(o) "
            f"WHERE {_COUNTED} AND t.trailerKind IN $kinds "
        )
    else:
        pattern = f"{file}<{touches}{patch}<-[:{AUTHORED}]-(o) "
    return "MATCH " + pattern + _TIE_RETURN


@cache
def file_people_many(reviewers: bool) -> str:
    return per_key(file_people(reviewers), _TIE_COLUMNS)


SERIES_REVIEWERS = (
    f"MATCH (s:{_name(NodeKind.SERIES)} {{key: $key}})<-[:{_name(EdgeKind.PART_OF)}]-(p)"
    f"<-[t:{REVIEW}]-(o) "
    f"WHERE {_COUNTED} AND t.trailerKind IN $kinds AND NOT (o)-[:{AUTHORED}]->(p) " + _TIE_RETURN
)
SERIES_REVIEWERS_MANY = per_key(SERIES_REVIEWERS, _TIE_COLUMNS)


_FIRST_REVIEW_OF_S = (
    f"MATCH (s)<-[:{_name(EdgeKind.PART_OF)}]-()<-[t:{REVIEW}]-(o) "
    "WHERE t.trailerKind IN $kinds AND NOT coalesce(t.source, '') IN ['BODY', 'CARRIED'] "
    "AND t.date IS NOT NULL AND t.date <> '' "
    f"AND NOT (o)-[:{AUTHORED}]->(s) "
)

FIRST_REVIEW = (
    f"MATCH (s:{_SERIES_LABEL} {{key: $key}}) "
    + _FIRST_REVIEW_OF_S
    + "RETURN properties(o) AS props, labels(o) AS labels, t.date AS date "
    f"ORDER BY t.date, {KEY_ORDER.format('o')} LIMIT 1"
)
FIRST_REVIEW_MANY = per_key(FIRST_REVIEW, ("props", "labels", "date"))

REVIEW_STATS = (
    f"MATCH (s:{_SERIES_LABEL}) WHERE NOT s._placeholder AND s.date IS NOT NULL AND s.date <> '' "
    "AND ($since IS NULL OR datetime(s.date) >= datetime($since)) "
    "AND ($until IS NULL OR datetime(s.date) <= datetime($until)) "
    "AND ($pulls OR coalesce(s.seriesKind, '') <> 'PULL_REQUEST') "
    "CALL (s) { " + _FIRST_REVIEW_OF_S + "RETURN min(t.date) AS reviewed } "
    "CALL (s) { "
    f"  OPTIONAL MATCH (s)<-[:{AUTHORED}]-(a) WITH a LIMIT 1 "
    f"  RETURN {company_at('a', 'null')}.name AS company }} "
    "RETURN s.date AS posted, reviewed, company, s.mergeState AS mergeState, "
    "s.hoursToMerge AS hoursToMerge, "
    f"[(s)-[:{_name(EdgeKind.TOUCHES)}]->()-[:{_name(EdgeKind.IN_SUBSYSTEM)}]->(u) | u.name] "
    "AS subsystems"
)


_TOUCHES = _name(EdgeKind.TOUCHES)
SERIES_SUBSYSTEMS = (
    f"MATCH (s:{_SERIES_LABEL} {{key: $key}}) "
    f"WITH s, [(s)-[:{_TOUCHES}]->(f) | f] "
    f"+ [(s)<-[:{_name(EdgeKind.PART_OF)}]-()-[:{_TOUCHES}]->(f) | f] AS files, "
    f"[(s)<-[:{_name(EdgeKind.PART_OF)}]-()<-[t:{REVIEW}]-(o) "
    f"WHERE {_COUNTED} AND t.trailerKind IN $kinds | o] AS reviewers "
    "UNWIND files AS f "
    f"MATCH (f)-[r:{_name(EdgeKind.IN_SUBSYSTEM)}]->(u) "
    "WITH u, reviewers, collect(coalesce(r.rank, 0)) AS ranks "
    "RETURN properties(u) AS props, labels(u) AS labels, ranks, "
    f"[(u)<-[:{_name(EdgeKind.MAINTAINS)}|{_name(EdgeKind.REVIEWS_FOR)}]-(o) "
    "WHERE o IN reviewers | [properties(o), labels(o)]] AS given"
)
SERIES_SUBSYSTEMS_MANY = per_key(SERIES_SUBSYSTEMS, ("props", "labels", "ranks", "given"))


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
    """Nodes within `depth` steps of `$key` (any edge, either way) and the edges among them."""
    if not 0 <= depth <= MAX_NEIGHBORHOOD_DEPTH:
        raise ValueError(f"neighbourhood depth must be between 0 and {MAX_NEIGHBORHOOD_DEPTH}")
    reach = (
        f"CALL (s) {{ OPTIONAL MATCH (s)-[*1..{depth}]-(o) RETURN collect(DISTINCT o) AS found }} "
        if depth
        else "WITH s, [] AS found "
    )
    return (
        f"MATCH (s:{_name(kind)} {{key: $key}}) "
        + reach
        + "WITH [s] + [x IN found WHERE x <> s] AS ns "
        "UNWIND ns AS x "
        f"RETURN {view_of('x')} AS node, "
        "[(x)-[r]->(y) WHERE y IN ns | [labels(y)[0], y.key, type(r)]] AS out"
    )


# -- network and stats ------------------------------------------------------------------------
_WINDOW = (
    "(($since IS NULL AND $until IS NULL) OR (coalesce(date, '') <> '' "
    "AND ($since IS NULL OR datetime(date) >= datetime($since)) "
    "AND ($until IS NULL OR datetime(date) <= datetime($until))))"
)


@cache
def review_network(company_level: bool) -> str:
    """Reviewer -> author pairs weighted by distinct patches (people or their companies).

    A review counts at its date (the trailer's, else the patch's): for the window and for
    the companies people were with then.
    """
    head = (
        f"MATCH (r)-[t:{REVIEW}]->(p)<-[:{AUTHORED}]-(a) "
        f"WHERE {_COUNTED} AND t.trailerKind IN $kinds AND r <> a "
        f"WITH r, a, p, {_REVIEW_DATE} AS date WHERE {_WINDOW} "
    )
    if company_level:
        head += (
            f"WITH r, a, p, {_DAY} AS day "
            f"WITH p, {company_at('r', 'day')} AS rc, {company_at('a', 'day')} AS ac "
            "WHERE rc IS NOT NULL AND ac IS NOT NULL AND rc <> ac "
            "WITH rc AS r, ac AS a, p "
        )
    return head + (
        "WITH r, a, count(DISTINCT p) AS w WHERE w >= $min "
        f"ORDER BY w DESC, {KEY_ORDER.format('r')}, {KEY_ORDER.format('a')} LIMIT $first "
        f"RETURN {view_of('r')} AS source, {view_of('a')} AS target, w"
    )


_CONTRIBUTED = _name(EdgeKind.CONTRIBUTED)
_SERIES = _name(NodeKind.SERIES)
STATS = (
    "CALL () { MATCH (n) WHERE NOT n._placeholder "
    "  WITH labels(n)[0] AS kind, count(*) AS c RETURN collect([kind, c]) AS counts } "
    "CALL () { "
    "  CALL () { "
    f"    MATCH (:{_SERIES})<-[c:{_CONTRIBUTED}]-(person) "
    "    RETURN person, coalesce(c.count, 0) AS n "
    "    UNION ALL "
    f"    MATCH (s:{_SERIES})<-[:{_name(EdgeKind.PART_OF)}]-()<-[:{AUTHORED}]-(person) "
    f"    WHERE NOT EXISTS {{ (s)<-[:{_CONTRIBUTED}]-() }} "
    "    RETURN person, 1 AS n "
    "  } "
    "  WITH person, sum(n) AS total "
    f"  RETURN collect([person, total, {company_at('person', 'null')}.name]) AS totals "
    "} "
    "CALL (totals) { UNWIND totals AS row WITH row WHERE size(coalesce(row[0].emails, [])) > 0 "
    "  WITH last(split(row[0].emails[0], '@')) AS domain, sum(row[1]) AS c "
    "  RETURN collect([domain, c]) AS domains } "
    "CALL (totals) { UNWIND totals AS row WITH row WHERE row[2] IS NOT NULL "
    "  WITH row[2] AS company, sum(row[1]) AS c RETURN collect([company, c]) AS companies } "
    "CALL (totals) { UNWIND totals AS row "
    f"  WITH row ORDER BY row[1] DESC, {KEY_ORDER.format('row[0]')} LIMIT $first "
    "  RETURN collect([properties(row[0]), row[1]]) AS top } "
    "RETURN counts, domains, companies, top"
)
