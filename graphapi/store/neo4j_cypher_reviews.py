"""The Cypher statements of `Neo4jStore`'s review questions: ties between people, companies
and files, first reviews, subsystem owners' reviews, review networks and statistics, and the
graph's totals. Built on the helpers of `neo4j_cypher` (labels, key order, `per_key`), with
the same rules: names from the ontology, everything a user sends as a parameter.
"""

from __future__ import annotations

from functools import cache

from graphapi.model import EdgeKind, NodeKind
from graphapi.store.neo4j_cypher import (
    AUTHORED,
    COUNTED,
    EMPLOYED_BY,
    KEY_ORDER,
    REVIEW,
    cypher_name,
    per_key,
    view_of,
)

_name = cypher_name

__all__ = [
    "FIRST_REVIEW",
    "FIRST_REVIEW_MANY",
    "REVIEW_STATS",
    "SERIES_REVIEWERS",
    "SERIES_REVIEWERS_MANY",
    "SERIES_SUBSYSTEMS",
    "SERIES_SUBSYSTEMS_MANY",
    "STATS",
    "company_at",
    "company_ties",
    "company_ties_many",
    "file_people",
    "file_people_many",
    "review_network",
    "review_ties",
    "review_ties_many",
]


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
    return f"MATCH {pattern} WHERE {COUNTED} AND t.trailerKind IN $kinds AND o <> me " + _TIE_RETURN


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
        f"MATCH {pattern} WHERE {COUNTED} AND t.trailerKind IN $kinds AND a <> r "
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
            f"WHERE {COUNTED} AND t.trailerKind IN $kinds "
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
    f"WHERE {COUNTED} AND t.trailerKind IN $kinds AND NOT (o)-[:{AUTHORED}]->(p) " + _TIE_RETURN
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
    f"WHERE {COUNTED} AND t.trailerKind IN $kinds | o] AS reviewers "
    "UNWIND files AS f "
    f"MATCH (f)-[r:{_name(EdgeKind.IN_SUBSYSTEM)}]->(u) "
    "WITH u, reviewers, collect(coalesce(r.rank, 0)) AS ranks "
    "RETURN properties(u) AS props, labels(u) AS labels, ranks, "
    f"[(u)<-[:{_name(EdgeKind.MAINTAINS)}|{_name(EdgeKind.REVIEWS_FOR)}]-(o) "
    "WHERE o IN reviewers | [properties(o), labels(o)]] AS given"
)
SERIES_SUBSYSTEMS_MANY = per_key(SERIES_SUBSYSTEMS, ("props", "labels", "ranks", "given"))


# -- network and stats ------------------------------------------------------------------------
_WINDOW = (
    "(($since IS NULL AND $until IS NULL) OR (coalesce(date, '') <> '' "
    "AND ($since IS NULL OR datetime(date) >= datetime($since)) "
    "AND ($until IS NULL OR datetime(date) <= datetime($until))))"
)


@cache
def review_network(company_level: bool) -> str:
    """Reviewer -> author pairs weighted by distinct patches (people or their companies):
    one row, the `$first` heaviest (`top`) and how many pairs and nodes there are in all.

    A review counts at its date (the trailer's, else the patch's): for the window and for
    the companies people were with then.
    """
    head = (
        f"MATCH (r)-[t:{REVIEW}]->(p)<-[:{AUTHORED}]-(a) "
        f"WHERE {COUNTED} AND t.trailerKind IN $kinds AND r <> a "
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
        "WITH collect([r, a, w]) AS pairs "
        "CALL (pairs) { UNWIND pairs AS pair UNWIND pair[0..2] AS n "
        "  RETURN count(DISTINCT n) AS people } "
        "CALL (pairs) { UNWIND pairs AS pair WITH pair[0] AS r, pair[1] AS a, pair[2] AS w "
        f"  ORDER BY w DESC, {KEY_ORDER.format('r')}, {KEY_ORDER.format('a')} LIMIT $first "
        f"  RETURN collect({{source: {view_of('r')}, target: {view_of('a')}, w: w}}) AS top }} "
        "RETURN top, size(pairs) AS pairs, people"
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
