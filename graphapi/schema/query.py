"""The root Query type: the entry points of the API (its result types: `types`, `figures`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from graphapi.model import NodeData, NodeKind, split_node_id
from graphapi.schema.commits import Commit, MergeState, commit_by_sha
from graphapi.schema.common import (
    After,
    Connection,
    Direction,
    First,
    NetworkLevel,
    Node,
    ReviewKinds,
    build_connection,
    decode_cursor,
)
from graphapi.schema.context import Info
from graphapi.schema.dates import window_until
from graphapi.schema.errors import MAX_FIRST, ApiError, check_first
from graphapi.schema.figures import (
    DIRECTIONS,
    GROUPS,
    LEVELS,
    GraphView,
    ReviewGroup,
    ReviewStatsRow,
    Stats,
)
from graphapi.schema.relations import kind_names
from graphapi.schema.subsystems import Subsystem
from graphapi.schema.types import (
    Company,
    File,
    Patch,
    Person,
    Series,
    to_node,
)
from graphapi.store.rules import MAX_NEIGHBORHOOD_FIRST, NEIGHBORHOOD_FIRST, NEIGHBORHOOD_ORDER

__all__ = ["Query"]

MAX_DEPTH = 10
MAX_NEIGHBORHOOD_DEPTH = 3
MAX_IDS = 100


def _nodes(info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
    """The nodes of global IDs in their order: one store call per kind asked for."""
    wanted: list[tuple[NodeKind, str]] = []
    for id in ids:
        parsed = split_node_id(str(id))
        if parsed is None:
            raise ApiError(f"malformed node id {id!r}: expected 'Kind:key'")
        wanted.append(parsed)
    found: dict[tuple[NodeKind, str], NodeData | None] = {}
    for kind in dict.fromkeys(k for k, _ in wanted):
        keys = list(dict.fromkeys(key for k, key in wanted if k is kind))
        answers = info.context.store.get_many(kind, keys)
        found.update(zip([(kind, key) for key in keys], answers, strict=True))
    return [_as_node(found[item]) for item in wanted]


def _as_node(found: NodeData | None) -> Node | None:
    """The API type of a stored node (None for none)."""
    if found is not None and found.kind is NodeKind.SUBSYSTEM:
        return Subsystem.of(found)
    return to_node(found) if found else None


def _series_key(info: Info, id_or_message: str) -> str:
    parsed = split_node_id(id_or_message)
    if parsed is not None and parsed[0] is NodeKind.SERIES:
        return parsed[1]
    found = info.context.store.series_by_message(id_or_message)
    if found is None:
        raise ApiError(f"no series with id or message-id {id_or_message!r}")
    return found.key


NodeIdArg = Annotated[strawberry.ID, strawberry.argument(description="A global ID, `Kind:key`.")]
SearchArg = Annotated[
    str | None,
    strawberry.argument(description="Words that must all appear (case-insensitive)."),
]
Since = Annotated[
    datetime | None,
    strawberry.argument(
        description="Only reviews or series from this instant on (no offset: UTC; a date "
        "alone: from the start of that day)."
    ),
]
Until = Annotated[
    datetime | None,
    strawberry.argument(
        description="Only reviews or series up to this instant (no offset: UTC; a date "
        "alone: to the end of that day)."
    ),
]


@strawberry.type(description="Questions about the patch traffic of the loaded lists.")
class Query:
    @strawberry.field(description="Any node by its global ID.")
    def node(self, info: Info, id: NodeIdArg) -> Node | None:
        return _nodes(info, [id])[0]

    @strawberry.field(
        description="Nodes by their global IDs, in the order given, null for an ID that names "
        f"no node; at most {MAX_IDS} IDs. Refetches the items of a page in one request."
    )
    def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description=f"Global IDs (`Kind:key`), at most {MAX_IDS}."),
        ],
    ) -> list[Node | None]:
        if len(ids) > MAX_IDS:
            raise ApiError(f"'ids' takes at most {MAX_IDS} IDs, got {len(ids)}")
        return _nodes(info, ids)

    @strawberry.field(description="A MAINTAINERS subsystem by its exact name.")
    def subsystem(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="As in MAINTAINERS.")],
    ) -> Subsystem | None:
        found = info.context.store.get_many(NodeKind.SUBSYSTEM, [name])[0]
        return Subsystem.of(found) if found else None

    @strawberry.field(description="MAINTAINERS subsystems, optionally searched by name words.")
    def subsystems(
        self,
        info: Info,
        search: SearchArg = None,
        first: First = 20,
        after: After = None,
    ) -> Connection[Subsystem]:
        page = info.context.store.list_nodes(
            NodeKind.SUBSYSTEM, search=search, after=decode_cursor(after), first=check_first(first)
        )
        return build_connection(page, Subsystem.of, info.context.objects)

    @strawberry.field(description="A person by any of their addresses (case-insensitive).")
    def person(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="Any address of the person.")],
    ) -> Person | None:
        found = info.context.store.get_many(NodeKind.PERSON, [email], by="address")[0]
        return Person.of(found) if found else None

    @strawberry.field(
        description="People, optionally searched by name or address fragment, or by company."
    )
    def people(
        self,
        info: Info,
        search: SearchArg = None,
        company: Annotated[
            str | None,
            strawberry.argument(description="Only people employed by this company (a name)."),
        ] = None,
        first: First = 20,
        after: After = None,
    ) -> Connection[Person]:
        store = info.context.store
        related = None
        if company is not None:
            found = store.company_by_name(company)
            if found is None:
                raise ApiError(f"no company named {company!r}")
            from graphapi.model import EdgeKind

            related = (EdgeKind.EMPLOYED_BY, NodeKind.COMPANY, found.key)
        page = store.list_nodes(
            NodeKind.PERSON,
            search=search,
            related_to=related,
            after=decode_cursor(after),
            first=check_first(first),
        )
        return build_connection(page, Person.of, info.context.objects)

    @strawberry.field(description="A company by name or by any of its domains.")
    def company(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="A company name or domain.")],
    ) -> Company | None:
        found = info.context.store.company_by_name(name)
        return Company.of(found) if found else None

    @strawberry.field(description="Every company, by name.")
    def companies(self, info: Info, first: First = 20, after: After = None) -> Connection[Company]:
        page = info.context.store.list_nodes(
            NodeKind.COMPANY, after=decode_cursor(after), first=check_first(first)
        )
        return build_connection(page, Company.of, info.context.objects)

    @strawberry.field(
        description="A series by the message-id of its cover or of any of its patches, or by ID."
    )
    def series(
        self,
        info: Info,
        message_id: Annotated[
            str | None,
            strawberry.argument(description="The Message-ID of the cover or of any patch."),
        ] = None,
        id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The series' global ID.")
        ] = None,
    ) -> Series | None:
        if (message_id is None) == (id is None):
            raise ApiError("give exactly one of 'messageId' or 'id'")
        store = info.context.store
        if id is not None:
            parsed = split_node_id(str(id))
            if parsed is None or parsed[0] is not NodeKind.SERIES:
                raise ApiError(f"{id!r} is not a series id")
            found = store.get_many(NodeKind.SERIES, [parsed[1]])[0]
        else:
            found = store.series_by_message(message_id or "")
        return Series.of(found) if found else None

    @strawberry.field(
        name="allSeries",
        description="Series, newest first, optionally searched by title words or author, or "
        "limited to a merge state (needs a loaded code tree).",
    )
    def all_series(
        self,
        info: Info,
        search: SearchArg = None,
        author: Annotated[
            str | None,
            strawberry.argument(description="Only series sent by the person with this address."),
        ] = None,
        first: First = 20,
        after: After = None,
        merged: Annotated[
            MergeState | None,
            strawberry.argument(description="Only series in this merge state."),
        ] = None,
    ) -> Connection[Series]:
        store = info.context.store
        related = None
        if author is not None:
            person = store.get_many(NodeKind.PERSON, [author], by="address")[0]
            if person is None:
                raise ApiError(f"no person with address {author!r}")
            from graphapi.model import EdgeKind

            related = (EdgeKind.AUTHORED, NodeKind.PERSON, person.key)
        page = store.list_nodes(
            NodeKind.SERIES,
            search=search,
            related_to=related,
            after=decode_cursor(after),
            first=check_first(first),
            where={"mergeState": merged.value} if merged is not None else None,
        )
        return build_connection(page, Series.of, info.context.objects)

    @strawberry.field(description="A commit of a loaded code tree by sha (or a 7+ digit prefix).")
    def commit(
        self,
        info: Info,
        sha: Annotated[str, strawberry.argument(description="The full sha, or 7+ digits.")],
    ) -> Commit | None:
        return commit_by_sha(info, sha)

    @strawberry.field(description="A patch by its Message-ID (with or without <>).")
    def patch(
        self,
        info: Info,
        message_id: Annotated[str, strawberry.argument(description="The Message-ID.")],
    ) -> Patch | None:
        found = info.context.store.get_many(NodeKind.PATCH, [message_id.strip().strip("<>")])[0]
        return Patch.of(found) if found else None

    @strawberry.field(description="A file by its exact path.")
    def file(
        self,
        info: Info,
        path: Annotated[str, strawberry.argument(description="e.g. arch/x86/kvm/x86.c")],
    ) -> File | None:
        found = info.context.store.get_many(NodeKind.FILE, [path])[0]
        return File.of(found) if found else None

    @strawberry.field(
        description="Files whose path starts with `pathPrefix` (e.g. `arch/x86/kvm/`)."
    )
    def files(
        self,
        info: Info,
        path_prefix: Annotated[str, strawberry.argument(description="The start of the paths.")],
        first: First = 20,
        after: After = None,
    ) -> Connection[File]:
        page = info.context.store.list_nodes(
            NodeKind.FILE, prefix=path_prefix, after=decode_cursor(after), first=check_first(first)
        )
        return build_connection(page, File.of, info.context.objects)

    @strawberry.field(
        name="reviewNetwork", description="Who reviews whom, weighted by distinct patches."
    )
    def review_network(
        self,
        info: Info,
        level: Annotated[
            NetworkLevel, strawberry.argument(description="People or companies as nodes.")
        ] = NetworkLevel.PERSON,
        kinds: ReviewKinds = None,
        since: Since = None,
        until: Until = None,
        min_weight: Annotated[
            int, strawberry.argument(description="Leave out edges of fewer distinct patches.")
        ] = 1,
        first: Annotated[
            int, strawberry.argument(description="Keep the heaviest edges, at most 100.")
        ] = 100,
    ) -> GraphView:
        view = info.context.store.review_network(
            level=LEVELS[level],
            kinds=kind_names(kinds),
            since=since,
            until=window_until(until),
            min_weight=min_weight,
            first=check_first(first, MAX_FIRST),
        )
        return GraphView.of(view)

    @strawberry.field(
        name="dependencyGraph",
        description="Series a series depends on (or that depend on it), transitively.",
    )
    def dependency_graph(
        self,
        info: Info,
        series: Annotated[
            strawberry.ID,
            strawberry.argument(description="The series' global ID or a Message-ID of it."),
        ],
        direction: Annotated[
            Direction, strawberry.argument(description="Which way to follow dependencies.")
        ] = Direction.UPSTREAM,
        max_depth: Annotated[
            int, strawberry.argument(description="How many steps to follow, 0 to 10.")
        ] = 10,
    ) -> GraphView:
        if not 0 <= max_depth <= MAX_DEPTH:
            raise ApiError(f"'maxDepth' must be between 0 and {MAX_DEPTH}, got {max_depth}")
        key = _series_key(info, str(series))
        return GraphView.of(
            info.context.store.dependency_graph(key, DIRECTIONS[direction], max_depth)
        )

    @strawberry.field(
        description="The nodes within `depth` edges of a node (either direction), at most "
        f"`first` of them, and the edges among those. Kept: {NEIGHBORHOOD_ORDER}. "
        "`truncated` and `totalNodes` say whether and how much was left out; ask again with "
        "a larger `first` (or from another node) for more."
    )
    def neighborhood(
        self,
        info: Info,
        id: NodeIdArg,
        depth: Annotated[int, strawberry.argument(description="Edges to walk, 0 to 3.")] = 1,
        first: Annotated[
            int,
            strawberry.argument(
                description=f"The most nodes to keep, 1 to {MAX_NEIGHBORHOOD_FIRST}; the "
                "start node counts."
            ),
        ] = NEIGHBORHOOD_FIRST,
    ) -> GraphView:
        if not 0 <= depth <= MAX_NEIGHBORHOOD_DEPTH:
            raise ApiError(f"'depth' must be between 0 and {MAX_NEIGHBORHOOD_DEPTH}, got {depth}")
        if not 1 <= first <= MAX_NEIGHBORHOOD_FIRST:
            raise ApiError(f"'first' must be between 1 and {MAX_NEIGHBORHOOD_FIRST}, got {first}")
        parsed = split_node_id(str(id))
        if parsed is None:
            raise ApiError(f"malformed node id {id!r}: expected 'Kind:key'")
        store = info.context.store
        return GraphView.of(store.neighborhood(parsed[0], parsed[1], depth, first))

    @strawberry.field(
        name="reviewStats",
        description="Series posted, share reviewed and median time to first review, share merged "
        "and median time to merge, per company (of the author) or per subsystem (of the touched "
        "files), for series (each version counts) posted in the window.",
    )
    def review_stats(
        self,
        info: Info,
        group_by: Annotated[
            ReviewGroup, strawberry.argument(description="Per company or per subsystem.")
        ] = ReviewGroup.COMPANY,
        since: Since = None,
        until: Until = None,
        include_pull_requests: Annotated[
            bool,
            strawberry.argument(
                description="Count pull requests ([GIT PULL]) too; they are not reviewed as "
                "patches, so by default they are left out."
            ),
        ] = False,
    ) -> list[ReviewStatsRow]:
        rows = info.context.store.review_stats(
            group_by=GROUPS[group_by],
            since=since,
            until=window_until(until),
            include_pull_requests=include_pull_requests,
        )
        return [
            ReviewStatsRow(
                name=r["name"],
                series_posted=r["seriesPosted"],
                series_reviewed=r["seriesReviewed"],
                share_reviewed=r["shareReviewed"],
                median_hours_to_first_review=r["medianHoursToFirstReview"],
                series_merged=r["seriesMerged"],
                share_merged=r["shareMerged"],
                median_hours_to_merge=r["medianHoursToMerge"],
            )
            for r in rows
        ]

    @strawberry.field(description="Totals of the graph and the tallies a list digest prints.")
    def stats(self, info: Info) -> Stats:
        raw = info.context.store.stats(MAX_FIRST)
        counts = raw["counts"]
        return Stats(
            messages=counts["Message"],
            people=counts["Person"],
            companies=counts["Company"],
            series=counts["Series"],
            patches=counts["Patch"],
            files=counts["File"],
            _top_domains=raw["topDomains"],
            _top_companies=raw["topCompanies"],
            _top_contributors=raw["topContributors"],
        )
