"""Shared GraphQL pieces: the Node interface, Relay connections, enums, cursors."""

from __future__ import annotations

import base64
import enum
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Generic, TypeVar

import strawberry

from graphapi.model import NodeData
from graphapi.schema.errors import ApiError
from graphapi.store.base import Page
from loaders.assembled import LinkedBy, SeriesKind
from loaders.records import DependencyKind, TrailerKind, TrailerSource

__all__ = [
    "Connection",
    "Direction",
    "Edge",
    "NetworkLevel",
    "Node",
    "PageInfo",
    "build_connection",
    "decode_cursor",
    "parse_date",
]

T = TypeVar("T")

# Registering the loaders' enums with Strawberry (in place): the GraphQL enum values are the
# member names (REVIEWED_BY, ...), the Python values stay the trailer spellings.
strawberry.enum(TrailerKind, name="TrailerKind", description="Kinds of trailer lines.")
strawberry.enum(
    TrailerSource,
    name="TrailerSource",
    description="Where a trailer was found: the patch body, a reply, or a reply to the cover; "
    "CARRIED: given by reply to an earlier version of this unchanged patch (same patch-id) "
    "and carried over as b4 does; never counted as a new review.",
)
strawberry.enum(
    SeriesKind,
    name="SeriesKind",
    description="A patch series, or a pull request ([GIT PULL], [GIT PULL n/N]).",
)
strawberry.enum(
    LinkedBy,
    name="LinkedBy",
    description="How a series was linked to its previous version: a changelog link, b4 "
    "change-id, b4 message-id slug, shared patch-ids, the same set of patch titles, or the "
    "same title (same author).",
)
strawberry.enum(DependencyKind, name="DependencyKind", description="How one series needs another.")


@strawberry.enum(description="Aggregate a review network by person or by company.")
class NetworkLevel(enum.Enum):
    PERSON = "PERSON"
    COMPANY = "COMPANY"


@strawberry.enum(
    description="Follow dependencies towards what is needed (UPSTREAM) or what needs it."
)
class Direction(enum.Enum):
    UPSTREAM = "UPSTREAM"
    DOWNSTREAM = "DOWNSTREAM"
    BOTH = "BOTH"


@strawberry.interface(description="Anything with a global ID, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A Relay connection: one page of a longer list.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo
    total_count: int


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    """The offset after `cursor` (0 without one); a forged cursor is a clear error."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith("o:"):
            raise ValueError(text)
        return int(text[2:]) + 1
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(f"invalid cursor {cursor!r}") from exc


def build_connection(page: Page, convert: Callable[[NodeData], T]) -> Connection[T]:
    nodes = [convert(item) for item in page.items]
    cursors = [encode_cursor(page.offset + i) for i in range(len(nodes))]
    return Connection(
        edges=[Edge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)],
        nodes=nodes,
        page_info=PageInfo(
            has_next_page=page.offset + len(nodes) < page.total,
            has_previous_page=page.offset > 0,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        total_count=page.total,
    )


def slice_page(items: Sequence[NodeData], offset: int, first: int) -> Page:
    return Page(list(items[offset : offset + first]), len(items), offset)


def parse_date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
