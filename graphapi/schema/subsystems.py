"""Subsystems from a kernel MAINTAINERS file: who maintains what a series touches."""

from __future__ import annotations

import strawberry

from graphapi.model import EdgeKind, NodeData, NodeKind
from graphapi.schema.common import Node
from graphapi.schema.context import Info
from graphapi.schema.relations import resolved_at_once
from graphapi.schema.types import Person

__all__ = ["SeriesSubsystem", "Subsystem"]


async def _people(info: Info, data: NodeData, edge: EdgeKind) -> list[Person]:
    found = await info.context.dataloaders.related(data.kind, edge, "in").load(data.key)
    return [Person.of(r.node) for r in found]


@strawberry.type(description="A MAINTAINERS entry: a part of the kernel and its people.")
class Subsystem(Node):
    name: str = strawberry.field(description="The entry's title line in MAINTAINERS.")
    status: str | None = strawberry.field(
        description="S: Supported, Maintained, Odd Fixes, Orphan, Obsolete ..."
    )
    lists: list[str] = strawberry.field(description="Mailing lists (L:).")
    trees: list[str] = strawberry.field(description="Git trees (T:).")
    _data: strawberry.Private[NodeData]

    @strawberry.field(description="Maintainers (M:).")
    @resolved_at_once
    async def maintainers(self, info: Info) -> list[Person]:
        return await _people(info, self._data, EdgeKind.MAINTAINS)

    @strawberry.field(description="Designated reviewers (R:).")
    @resolved_at_once
    async def reviewers(self, info: Info) -> list[Person]:
        return await _people(info, self._data, EdgeKind.REVIEWS_FOR)

    @staticmethod
    def of(data: NodeData) -> Subsystem:
        return Subsystem(
            id=strawberry.ID(data.id),
            name=data.get("name") or data.key,
            status=data.get("status"),
            lists=list(data.get("lists") or []),
            trees=list(data.get("trees") or []),
            _data=data,
        )


@strawberry.type(description="A subsystem a series touches, and whether its owners reviewed it.")
class SeriesSubsystem:
    subsystem: Subsystem = strawberry.field(description="The subsystem.")
    reviewed_by: list[Person] = strawberry.field(
        description="Maintainers or designated reviewers of the subsystem who gave "
        "Reviewed-by or Acked-by on the series' patches."
    )

    @strawberry.field(
        name="maintainerReviewed",
        description="True when a maintainer or designated reviewer of the subsystem gave "
        "Reviewed-by or Acked-by.",
    )
    def maintainer_reviewed(self) -> bool:
        return bool(self.reviewed_by)


async def file_subsystems(info: Info, path: str) -> list[Subsystem]:
    loader = info.context.dataloaders.related(NodeKind.FILE, EdgeKind.IN_SUBSYSTEM, "out")
    found = sorted(await loader.load(path), key=lambda r: (r.edge.get("rank", 0), r.node.key))
    return [Subsystem.of(r.node) for r in found]


async def series_subsystems(info: Info, series_key: str) -> list[SeriesSubsystem]:
    rows = await info.context.dataloaders.series_subsystems().load(series_key)
    return [
        SeriesSubsystem(subsystem=Subsystem.of(s), reviewed_by=[Person.of(p) for p in people])
        for s, people in rows
    ]
