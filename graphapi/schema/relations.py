"""How a node type reads its relations: through the request's DataLoaders
(`Context.dataloaders`), so the same field of every item of a list is one batched store call.

On the embedded store the loaders answer at once (`dataloaders.Immediate`), so a relation
resolver, though written `async`, never waits. `resolved_at_once` runs such a resolver to its
end on the spot and hands graphql-core the value rather than a coroutine: graphql-core then
completes the whole query synchronously, instead of scheduling every relation field of every
list item as an awaitable and gathering them (what made a page of twenty series cost ten
times its store calls). On a store whose reads pay a round trip the coroutine is handed over
as before, and DataLoaders batch it with its siblings.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

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

__all__ = ["kind_names", "neighbour", "page_of", "related", "resolved_at_once"]

T = TypeVar("T")
P = ParamSpec("P")


def resolved_at_once(resolver: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, T]:
    """A synchronous resolver of an `async` one (its `info` passed by keyword, as Strawberry
    does): on a store whose loaders answer at once, the coroutine runs to its end here and
    its value is returned; otherwise the coroutine itself is (graphql-core awaits it).

    Strawberry reads the signature and annotations through `functools.wraps`, so the field's
    arguments and type are the resolver's own.
    """

    @functools.wraps(resolver)
    def resolve(*args: P.args, **kwargs: P.kwargs) -> T:
        coroutine = resolver(*args, **kwargs)
        info: Any = kwargs.get("info")
        if info is None or not info.context.dataloaders.immediate:
            return coroutine  # type: ignore[return-value]  # awaited by graphql-core
        try:
            coroutine.send(None)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        coroutine.close()
        raise RuntimeError(f"{resolver.__qualname__} waited on a store that answers at once")

    return resolve


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
