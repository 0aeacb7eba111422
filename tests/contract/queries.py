"""The GraphQL queries of the contract: every Query field and every field of every type.

`entity_cases`, `list_cases` and `view_cases` derive the concrete queries (with variables)
from what a graph holds, so each person, company, series, patch, message, file and
subsystem of a scenario is asked about. The `*_DEEP` lists ask for the relations of every
item of a page (answered by batched store calls) and must answer as the entity queries do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphapi.model import NodeKind, node_id
from graphapi.store.networkx_store import NetworkXStore


def fill(template: str, **parts: str) -> str:
    """`template` with each `@name` replaced by the fragment `parts[name]`."""
    for name, text in parts.items():
        template = template.replace("@" + name, text)
    return template


PAGE = "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
TIE = "person { id name } count lineages patches { id number title } "
SUBSYSTEM = "id name status lists trees maintainers { id name } reviewers { id }"
VIEW = (
    "nodes { id kind label weight resolved merged } "
    "edges { source target kind weight declared } "
    "truncated totalNodes cytoscape graphology"
)

PERSON = fill(
    """query($email: String!) { person(email: $email) {
  id name emails names company { id name domains }
  series(first: 3) { @page edges { cursor node { id title date } } nodes { id } }
  patches(first: 3) { @page edges { cursor node { id subject } } }
} }""",
    page=PAGE,
)

PERSON_TIES = fill(
    """query($email: String!) { person(email: $email) {
  reviewers { @tie } reviewees { @tie }
  onlyReviewed: reviewers(kinds: [REVIEWED_BY], first: 1) { person { id } count lineages }
  signedOff: reviewees(kinds: [SIGNED_OFF_BY, ACKED_BY, TESTED_BY]) { person { id } count }
  firstOnly: reviewers(first: 1) { person { id } count patches(first: 1) { id } }
} }""",
    tie=TIE,
)

PERSON_PAGES = fill(
    """query($email: String!, $after: String) { person(email: $email) {
  series(first: 1, after: $after) { @page nodes { id } }
  patches(first: 2, after: $after) { @page nodes { id } }
} }""",
    page=PAGE,
)

COMPANY = fill(
    """query($name: String!) { company(name: $name) {
  id name domains
  people(first: 3) { @page edges { cursor node { id name } } }
  reviewers { company { id name } count } reviewees { company { id name } count }
  topReviewer: reviewers(first: 1) { company { id } count }
} }""",
    page=PAGE,
)

SERIES_SCALARS = """id messageId title version isRfc total resolved date baseCommit baseRef
  changeId received missing kind linkedBy"""

SERIES = fill(
    """query($id: ID) { series(id: $id) {
  @scalars
  author { id name }
  coverLetter { id messageId subject date body author { id } inReplyTo { id } replies { id } }
  patches { id number title }
  previousVersion { id version } nextVersion { id version } versions { id version }
  merge { state mergedPatches totalPatches firstCommitAt lastCommitAt hoursToMerge
          hoursFromFirstVersion }
} }""",
    scalars=SERIES_SCALARS,
)

SERIES_LINKS = fill(
    """query($id: ID) { series(id: $id) {
  dependencies { kind declared label url messageId series { id resolved title } }
  dependents { kind declared label url messageId series { id } }
  files { file { id path directory } insertions deletions }
  reviewers { @tie }
  oneReviewer: reviewers(first: 1) { person { id } count }
  firstReview { person { id name } date hoursAfterPosting }
  contributors { person { id name } count }
  subsystems { subsystem { @subsystem } reviewedBy { id name } maintainerReviewed }
} }""",
    tie=TIE,
    subsystem=SUBSYSTEM,
)

SERIES_BY_MESSAGE = """query($messageId: String) { series(messageId: $messageId) {
  id title version patches { id } } }"""

PATCH = """query($messageId: String!) { patch(messageId: $messageId) {
  id messageId subject title number total version date insertions deletions
  series { id title } author { id name }
  trailers { kind name value person { id name } source mismatch }
  reviews: trailers(kinds: [REVIEWED_BY, ACKED_BY, FIXES, LINK]) { kind value source }
  files { file { id path } insertions deletions }
  fixes
  commits { matchedBy commit { id sha title committedAt patches { id } } }
} }"""

COMMIT = """query($sha: String!) { commit(sha: $sha) {
  id sha title repository authorName authorEmail committerName committerEmail
  authoredAt committedAt author { id name } committer { id }
  patches { id messageId series { id merge { state } } }
} }"""

FILE = fill(
    """query($path: String!) { file(path: $path) {
  id path directory
  subsystems { @subsystem }
  patches(first: 3) { @page edges { cursor node { id title } } }
  authors { person { id name } count } reviewers { person { id name } count }
  topAuthor: authors(first: 1) { person { id } count }
} }""",
    page=PAGE,
    subsystem=SUBSYSTEM,
)

NODE = fill(
    """query($id: ID!) { node(id: $id) {
  id __typename
  ... on Person { name emails }
  ... on Company { name domains }
  ... on Series { title version resolved }
  ... on Patch { subject number }
  ... on Message { messageId subject date body author { id } inReplyTo { id } replies { id } }
  ... on File { path directory }
  ... on Subsystem { @subsystem }
  ... on Commit { sha title committedAt }
} }""",
    subsystem=SUBSYSTEM,
)

PEOPLE = fill(
    """query($search: String, $company: String, $first: Int, $after: String) {
  people(search: $search, company: $company, first: $first, after: $after) {
    @page edges { cursor node { id name emails } } nodes { id }
} }""",
    page=PAGE,
)

COMPANIES = fill(
    """query($first: Int, $after: String) { companies(first: $first, after: $after) {
  @page edges { cursor node { id name domains } } } }""",
    page=PAGE,
)

ALL_SERIES = fill(
    """query($search: String, $author: String, $first: Int, $after: String,
  $merged: MergeState) {
  allSeries(search: $search, author: $author, first: $first, after: $after, merged: $merged) {
    @page edges { cursor node { id title version date merge { state } } } } }""",
    page=PAGE,
)

SUBSYSTEMS = fill(
    """query($search: String, $first: Int, $after: String) {
  subsystems(search: $search, first: $first, after: $after) {
    @page edges { cursor node { @subsystem } } } }""",
    page=PAGE,
    subsystem=SUBSYSTEM,
)

FILES = fill(
    """query($prefix: String!, $first: Int, $after: String) {
  files(pathPrefix: $prefix, first: $first, after: $after) {
    @page edges { cursor node { id path } } } }""",
    page=PAGE,
)

SERIES_DEEP = fill(
    """id author { id name company { name } } versions { id }
  previousVersion { id } nextVersion { id }
  coverLetter { id author { id } inReplyTo { id } replies { id author { id } } }
  patches { id author { id } series { id } files { file { path } insertions }
    trailers { kind person { id } source } fixes }
  files { file { id } insertions deletions } reviewers { @tie }
  firstReview { person { id } date hoursAfterPosting } contributors { person { id } count }
  dependencies { kind label series { id } } dependents { kind series { id } }
  subsystems { subsystem { name maintainers { id } reviewers { id } } reviewedBy { id } }""",
    tie=TIE,
)

PERSON_DEEP = fill(
    """id company { id name }
  series(first: 2) { @page nodes { id author { id } } }
  patches(first: 2, after: "azpbIk0iLCAiIl0=") { totalCount nodes { id } }
  reviewers { @tie } reviewees(kinds: [REVIEWED_BY], first: 2) { person { id } count }""",
    page=PAGE,
    tie=TIE,
)

COMPANY_DEEP = fill(
    """id name people(first: 2) { @page nodes { id company { name } } }
  reviewers { company { name } count } reviewees(first: 1) { company { name } count }""",
    page=PAGE,
)

FILE_DEEP = fill(
    """id path subsystems { @subsystem } patches(first: 2) { @page nodes { id } }
  authors { person { id } count } reviewers(first: 1) { person { id } count }""",
    page=PAGE,
    subsystem=SUBSYSTEM,
)

_DEEP_LIST = """query($first: Int, $after: String@params) {
  @list(first: $first, after: $after@args) { @page nodes { @fields } } }"""


def deep_list(field: str, fields: str, params: str = "", args: str = "") -> str:
    """A page of `field` asking `fields` of every item."""
    return fill(_DEEP_LIST, params=params, list=field, args=args, page=PAGE, fields=fields)


def node_as(type_name: str, fields: str) -> str:
    """`fields` asked of one node of `type_name`, by id."""
    return fill(
        "query($id: ID!) { node(id: $id) { ... on @type { @fields } } }",
        type=type_name,
        fields=fields,
    )


#: (list field, its item type, the fields asked of each item, extra parameters, arguments)
DEEP_LISTS = [
    ("allSeries", "Series", SERIES_DEEP, "", ""),
    ("people", "Person", PERSON_DEEP, "", ""),
    ("companies", "Company", COMPANY_DEEP, "", ""),
    ("files", "File", FILE_DEEP, ", $prefix: String!", ", pathPrefix: $prefix"),
]

REVIEW_NETWORK = fill(
    """query($level: NetworkLevel!, $kinds: [TrailerKind!], $since: DateTime,
  $until: DateTime, $minWeight: Int!, $first: Int!) {
  reviewNetwork(level: $level, kinds: $kinds, since: $since, until: $until,
                minWeight: $minWeight, first: $first) { @view } }""",
    view=VIEW,
)

DEPENDENCY_GRAPH = fill(
    """query($series: ID!, $direction: Direction!, $maxDepth: Int!) {
  dependencyGraph(series: $series, direction: $direction, maxDepth: $maxDepth) { @view } }""",
    view=VIEW,
)

NEIGHBORHOOD = fill(
    """query($id: ID!, $depth: Int!, $first: Int! = 200) {
  neighborhood(id: $id, depth: $depth, first: $first) { @view } }""",
    view=VIEW,
)

STATS = """{ stats { messages people companies series patches files
  topDomains { name count } topCompanies { name count }
  topContributors { person { id name } count }
  fewDomains: topDomains(first: 2) { name count }
  oneContributor: topContributors(first: 1) { person { id } count } } }"""

REVIEW_STATS = """query($groupBy: ReviewGroup!, $since: DateTime, $until: DateTime,
  $pulls: Boolean! = false) {
  reviewStats(groupBy: $groupBy, since: $since, until: $until, includePullRequests: $pulls) {
    name seriesPosted seriesReviewed shareReviewed medianHoursToFirstReview
    seriesMerged shareMerged medianHoursToMerge } }"""


@dataclass(frozen=True, slots=True)
class Case:
    """One query with its variables; `follow` names a connection to page through."""

    name: str
    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    follow: tuple[str, ...] = ()


def _nodes(store: NetworkXStore, kind: NodeKind) -> list[dict[str, Any]]:
    found = [a for _, a in store.graph.nodes(data=True) if a["kind"] is kind]
    return sorted(found, key=lambda a: str(a["key"]))


def _dates(store: NetworkXStore) -> list[str]:
    return sorted(
        str(a["props"]["date"]) for a in _nodes(store, NodeKind.PATCH) if a["props"].get("date")
    )


def sample_ids(store: NetworkXStore, per_kind: int) -> list[str]:
    """Up to `per_kind` node ids of each kind, spread over the sorted ids."""
    ids = []
    for kind in NodeKind:
        keys = [node_id(kind, a["key"]) for a in _nodes(store, kind)]
        ids += keys[:: max(len(keys) // per_kind, 1)][:per_kind]
    return ids


def _has_dependencies(store: NetworkXStore, nid: str) -> bool:
    edges = [*store.graph.out_edges(nid, data=True), *store.graph.in_edges(nid, data=True)]
    return any(d["kind"].value == "DEPENDS_ON" for _, _, d in edges)


def entity_cases(store: NetworkXStore) -> Iterator[Case]:
    """Every person, company, series, patch, file and node of the graph."""
    for attrs in _nodes(store, NodeKind.PERSON):
        email = attrs["key"]
        yield Case(f"person {email}", PERSON, {"email": email})
        yield Case(f"person ties {email}", PERSON_TIES, {"email": email})
        yield Case(f"person pages {email}", PERSON_PAGES, {"email": email}, ("person", "series"))
    yield Case("person unknown", PERSON, {"email": "Nobody@Example.ORG"})
    for attrs in _nodes(store, NodeKind.COMPANY):
        yield Case(f"company {attrs['key']}", COMPANY, {"name": attrs["props"].get("name", "")})
        for domain in attrs["props"].get("domains", [])[:2]:
            yield Case(f"company by domain {domain}", COMPANY, {"name": domain.upper()})
    yield Case("company unknown", COMPANY, {"name": "no such company"})
    yield from _series_cases(store)
    for attrs in _nodes(store, NodeKind.PATCH):
        yield Case(f"patch {attrs['key']}", PATCH, {"messageId": f"<{attrs['key']}>"})
    for attrs in _nodes(store, NodeKind.FILE):
        yield Case(f"file {attrs['key']}", FILE, {"path": attrs["key"]})
    for attrs in _nodes(store, NodeKind.COMMIT):
        yield Case(f"commit {attrs['key']}", COMMIT, {"sha": attrs["key"]})
        yield Case(f"commit prefix {attrs['key']}", COMMIT, {"sha": attrs["key"][:8].upper()})
    yield Case("commit unknown", COMMIT, {"sha": "0" * 40})
    yield Case("commit malformed", COMMIT, {"sha": "xyz"})
    for nid in sample_ids(store, 6):
        yield Case(f"node {nid}", NODE, {"id": nid})
    yield Case("node malformed", NODE, {"id": "no-kind"})
    yield Case("node unknown", NODE, {"id": "Person:nobody@example.org"})


def _series_cases(store: NetworkXStore) -> Iterator[Case]:
    for attrs in _nodes(store, NodeKind.SERIES):
        sid = node_id(NodeKind.SERIES, attrs["key"])
        yield Case(f"series {sid}", SERIES, {"id": sid})
        yield Case(f"series links {sid}", SERIES_LINKS, {"id": sid})
        yield Case(f"series by message {sid}", SERIES_BY_MESSAGE, {"messageId": attrs["key"]})
    for attrs in _nodes(store, NodeKind.PATCH)[:30]:
        key = attrs["key"]
        yield Case(f"series by patch {key}", SERIES_BY_MESSAGE, {"messageId": f" <{key}> "})
    yield Case("series unknown", SERIES_BY_MESSAGE, {"messageId": "nothing@example.org"})


def list_cases(store: NetworkXStore) -> Iterator[Case]:
    """The root lists: searches, filters and every page of each, after cursors included."""
    people = _nodes(store, NodeKind.PERSON)
    words = sorted({w for a in people for w in str(a["props"].get("name", "")).split()})[:6]
    yield Case("people", PEOPLE, {}, ("people",))
    yield Case("people paged", PEOPLE, {"first": 2}, ("people",))
    yield Case("people first 0", PEOPLE, {"first": 0})
    for word in [*words, "intel.com", "['", "no-such-person", "a e"]:
        yield Case(f"people search {word!r}", PEOPLE, {"search": word, "first": 3}, ("people",))
    for attrs in _nodes(store, NodeKind.COMPANY):
        name = attrs["props"].get("name", "")
        yield Case(f"people of {name}", PEOPLE, {"company": name, "first": 2}, ("people",))
    yield Case("companies", COMPANIES, {"first": 2}, ("companies",))
    titles = sorted(
        {
            w
            for a in _nodes(store, NodeKind.SERIES)
            for w in str(a["props"].get("title", "")).split()
        }
    )[:6]
    yield Case("all series", ALL_SERIES, {}, ("allSeries",))
    yield Case("all series paged", ALL_SERIES, {"first": 3}, ("allSeries",))
    for word in [*titles, "kvm: x86", "no-such-title"]:
        yield Case(
            f"series search {word!r}", ALL_SERIES, {"search": word, "first": 4}, ("allSeries",)
        )
    for state in ("MERGED", "PARTIALLY_MERGED", "NOT_MERGED"):
        variables = {"merged": state, "first": 2}
        yield Case(f"series {state}", ALL_SERIES, variables, ("allSeries",))
    for attrs in people[:6]:
        variables = {"author": attrs["key"].upper(), "first": 2}
        yield Case(f"series of {attrs['key']}", ALL_SERIES, variables, ("allSeries",))
    for search in [None, "kvm", "x86 kvm", "nothing-like-this"]:
        variables = {"search": search, "first": 2}
        yield Case(f"subsystems {search!r}", SUBSYSTEMS, variables, ("subsystems",))
    for prefix in ["", "arch/", "arch/x86/kvm/", "tools/", "virt/kvm/kvm_main.c", "zzz"]:
        yield Case(f"files {prefix!r}", FILES, {"prefix": prefix, "first": 3}, ("files",))
    yield from deep_list_cases()


def deep_list_cases() -> Iterator[Case]:
    """Pages of lists with the relations of each item (batched per resolver level)."""
    for name, _, fields, params, args in DEEP_LISTS:
        query = deep_list(name, fields, params, args)
        for first in (20, 7):
            variables: dict[str, Any] = {"first": first}
            if params:
                variables["prefix"] = "" if first == 20 else "arch/x86/kvm/"
            yield Case(f"{name} deep, first {first}", query, variables, (name,))


def view_cases(store: NetworkXStore) -> Iterator[Case]:
    """Review networks, dependency graphs, neighbourhoods, stats, review stats."""
    dates = _dates(store)
    middle = dates[len(dates) // 2] if dates else "2025-01-01T00:00:00+00:00"
    windows = [(None, None), (middle, None), (None, middle), (dates[0] if dates else None, middle)]
    # without an offset (UTC), and a date alone (its whole UTC day), as clients send them
    windows += [(middle[:19], None), (None, middle[:19]), (middle[:10], middle[:10])]
    options: list[tuple[list[str] | None, int, int]] = [
        (None, 1, 100),
        (["REVIEWED_BY"], 1, 100),
        (["ACKED_BY", "TESTED_BY"], 1, 100),
        (None, 2, 100),
        (None, 1, 3),
    ]
    for level in ("PERSON", "COMPANY"):
        for since, until in windows:
            for kinds, min_weight, first in (
                options if since is None and until is None else options[:1]
            ):
                variables = {
                    "level": level,
                    "kinds": kinds,
                    "since": since,
                    "until": until,
                    "minWeight": min_weight,
                    "first": first,
                }
                yield Case(f"network {variables}", REVIEW_NETWORK, variables)
    for attrs in _nodes(store, NodeKind.SERIES):
        sid = node_id(NodeKind.SERIES, attrs["key"])
        combos = [("UPSTREAM", 10)]
        if _has_dependencies(store, sid):
            combos = [(d, n) for d in ("UPSTREAM", "DOWNSTREAM", "BOTH") for n in (0, 1, 10)]
        for direction, depth in combos:
            variables = {"series": sid, "direction": direction, "maxDepth": depth}
            yield Case(f"dependencies {variables}", DEPENDENCY_GRAPH, variables)
    yield from _neighborhood_cases(store)
    yield Case("stats", STATS)
    for group in ("COMPANY", "SUBSYSTEM"):
        for since, until in windows:
            for pulls in (False, True):
                variables = {"groupBy": group, "since": since, "until": until, "pulls": pulls}
                yield Case(f"review stats {variables}", REVIEW_STATS, variables)


def _neighborhood_cases(store: NetworkXStore) -> Iterator[Case]:
    for nid in sample_ids(store, 4):
        yield Case(f"neighborhood {nid} 1", NEIGHBORHOOD, {"id": nid, "depth": 1})
    for nid in sample_ids(store, 1):
        for depth in (0, 2, 3):
            yield Case(f"neighborhood {nid} {depth}", NEIGHBORHOOD, {"id": nid, "depth": depth})
    yield Case("neighborhood unknown", NEIGHBORHOOD, {"id": "File:no/such/file.c", "depth": 2})
    for nid, depth, first in bounded_neighborhoods(store):
        variables = {"id": nid, "depth": depth, "first": first}
        yield Case(f"neighborhood {nid} {depth}, first {first}", NEIGHBORHOOD, variables)


def busiest_ids(store: NetworkXStore, count: int) -> list[str]:
    """The `count` nodes with the most distinct neighbours (then by id): hubs whose
    neighbourhoods a bound cuts."""
    graph = store.graph
    degree = {n: len(set(graph.successors(n)) | set(graph.predecessors(n))) for n in graph}
    return sorted(degree, key=lambda n: (-degree[n], n))[:count]


def bounded_neighborhoods(store: NetworkXStore) -> list[tuple[str, int, int]]:
    """(id, depth, first) of neighbourhoods cut inside a ring (at 1, 2, 7 and 30 nodes) and
    of the same ones with room to spare (5000): hubs, and the first person."""
    person = _first_person(store)
    found = []
    for nid in [*busiest_ids(store, 2), *([person] if person else [])]:
        for depth in (1, 2, 3):
            found += [(nid, depth, first) for first in (1, 2, 7, 30, 5000)]
    return found


def _first_person(store: NetworkXStore) -> str | None:
    people = _nodes(store, NodeKind.PERSON)
    return node_id(NodeKind.PERSON, people[0]["key"]) if people else None
