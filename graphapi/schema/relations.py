"""How a node type reads its relations: through the request's DataLoaders
(`Context.dataloaders`), so the same field of every item of a list is one batched store call."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from graphapi.model import (
    REVIEW_KINDS,
    EdgeKind,
    NodeData,
    NodeKind,
    TrailerKind,
)
from graphapi.schema.common import (
    decode_cursor,
)
from graphapi.schema.context import Info
from graphapi.schema.errors import check_first
from graphapi.store.base import Direction, Page, Related

__all__ = ["kind_names", "neighbour", "optional", "page_of", "related"]

T = TypeVar("T")


def kind_names(kinds: list[TrailerKind] | None) -> list[str]:
    return [k.name for k in (kinds if kinds else REVIEW_KINDS)]


async def related(
    info: Info, data: NodeData, edge: EdgeKind, direction: Direction
) -> list[Related]:
    """`data`'s neighbours over `edge`, batched with the same question about its siblings."""
    return await info.context.dataloaders.related(data.kind, edge, direction).load(data.key)


async def neighbour(
    info: Info, data: NodeData, edge: EdgeKind, direction: Direction
) -> NodeData | None:
    """The first neighbour over `edge` (author, cover letter, ...), if any."""
    found = await related(info, data, edge, direction)
    return found[0].node if found else None


async def page_of(
    info: Info,
    kind: NodeKind,
    owner: NodeData,
    edge: EdgeKind,
    first: int | None,
    after: str | None,
) -> Page:
    size, position = check_first(first), decode_cursor(after)
    loader = info.context.dataloaders.pages(kind, edge, owner.kind, position, size)
    return await loader.load(owner.key)


def optional(convert: Callable[[NodeData], T], data: NodeData | None) -> T | None:
    return convert(data) if data is not None else None
