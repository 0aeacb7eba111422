"""Files in the API: who writes and reviews the patches touching a path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from graphapi.model import (
    EdgeKind,
    NodeData,
    NodeKind,
)
from graphapi.schema.common import (
    After,
    Connection,
    First,
    Node,
    Top,
    build_connection,
)
from graphapi.schema.context import Info
from graphapi.schema.errors import check_first
from graphapi.schema.people import Person, PersonCount
from graphapi.schema.relations import page_of, related, resolved_at_once
from graphapi.store.base import TieQuery, TieSide

if TYPE_CHECKING:
    from graphapi.schema.series import Patch
    from graphapi.schema.subsystems import Subsystem

__all__ = ["File", "FileTouch", "touches"]


@strawberry.type(description="A file touched by a patch or series, with line counts when known.")
class FileTouch:
    file: File = strawberry.field(description="The file.")
    insertions: int | None = strawberry.field(
        description="Lines added, from the diff or diffstat; null when unknown."
    )
    deletions: int | None = strawberry.field(
        description="Lines removed, from the diff or diffstat; null when unknown."
    )


async def touches(info: Info, data: NodeData) -> list[FileTouch]:
    found = await related(info, data, EdgeKind.TOUCHES, "out")
    return [
        FileTouch(
            file=File.of(r.node),
            insertions=r.edge.get("insertions"),
            deletions=r.edge.get("deletions"),
        )
        for r in sorted(found, key=lambda r: r.node.key)
    ]


@strawberry.type(description="A file path touched by patches.")
class File(Node):
    path: str = strawberry.field(description="The path in the tree, as the diff names it.")
    directory: str = strawberry.field(description="The directory part of the path.")
    _data: strawberry.Private[NodeData]

    @strawberry.field(description="Patches touching this file.")
    @resolved_at_once
    async def patches(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Annotated[Patch, strawberry.lazy("graphapi.schema.series")]]:
        from graphapi.schema.series import Patch

        page = await page_of(info, NodeKind.PATCH, self._data, EdgeKind.TOUCHES, first, after)
        return build_connection(page, Patch.of, info.context.objects)

    @strawberry.field(description="Authors of patches touching this file, by patch count.")
    @resolved_at_once
    async def authors(self, info: Info, first: Top = 20) -> list[PersonCount]:
        return await _file_people(info, self._data, "authors", first)

    @strawberry.field(description="Reviewers of patches touching this file, by patch count.")
    @resolved_at_once
    async def reviewers(self, info: Info, first: Top = 20) -> list[PersonCount]:
        return await _file_people(info, self._data, "reviewers", first)

    @strawberry.field(description="MAINTAINERS subsystems covering this file, most precise first.")
    @resolved_at_once
    async def subsystems(
        self, info: Info
    ) -> list[Annotated[Subsystem, strawberry.lazy("graphapi.schema.subsystems")]]:
        from graphapi.schema.subsystems import file_subsystems

        return await file_subsystems(info, self._data.key)

    @staticmethod
    def of(data: NodeData) -> File:
        return File(
            id=strawberry.ID(data.id),
            path=data.get("path") or data.key,
            directory=data.get("directory") or "",
            _data=data,
        )


async def _file_people(info: Info, file: NodeData, side: TieSide, first: int) -> list[PersonCount]:
    loader = info.context.dataloaders.ties(TieQuery("file", side), check_first(first))
    ties = await loader.load(file.key)
    person_of = info.context.objects.converter(Person.of)
    return [PersonCount(person=person_of(t.node), count=t.count) for t in ties]
