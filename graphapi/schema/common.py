"""Shared GraphQL pieces: the Node interface, Relay connections, enums, cursors."""

from __future__ import annotations

import base64
import enum
import json
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Generic, TypeVar

import strawberry
from strawberry.types.enum import has_enum_definition

from graphapi.model import (
    DependencyKind,
    LinkedBy,
    NodeData,
    SeriesKind,
    TrailerKind,
    TrailerSource,
)
from graphapi.schema.errors import ApiError
from graphapi.schema.kept import KeptObjects
from graphapi.store.base import Page, Position
from graphapi.store.rules import list_position

__all__ = [
    "After",
    "Connection",
    "Direction",
    "Edge",
    "First",
    "NetworkLevel",
    "Node",
    "PageInfo",
    "ReviewKinds",
    "Top",
    "build_connection",
    "decode_cursor",
    "parse_date",
    "register_enum",
]

T = TypeVar("T")

#: What each trailer kind means on real mail, shown on the enum values.
_TRAILER_KINDS = {
    "SIGNED_OFF_BY": "Signed-off-by: the Developer's Certificate of Origin. The first is "
    "normally the author, the last whoever sent the patch, those between handled it.",
    "CO_DEVELOPED_BY": "Co-developed-by: a co-author (followed by that person's Signed-off-by).",
    "REVIEWED_BY": "Reviewed-by: reviewed under the Reviewer's Statement of Oversight.",
    "ACKED_BY": "Acked-by: approval, usually by a maintainer of the touched code; it may "
    "cover only part of the patch.",
    "TESTED_BY": "Tested-by: the person tested the patch.",
    "REPORTED_BY": "Reported-by: the person found the bug the patch fixes.",
    "SUGGESTED_BY": "Suggested-by: the person had the idea.",
    "CC": "Cc: the person was given the chance to comment (also Cc: stable@ for backports).",
    "FIXES": "Fixes: the commit (12+ hex digits and its subject) this patch fixes.",
    "LINK": "Link: a URL, usually the lore or patch.msgid.link address of a discussion.",
    "CLOSES": "Closes: the URL of the bug report the patch closes.",
    "OTHER": "Any other trailer (kept with its name as written, typos included).",
}
_TRAILER_SOURCES = {
    "BODY": "In the patch's own commit message (given to an earlier version and carried, or "
    "added by the author).",
    "REPLY": "In an unquoted line of a reply to the patch (the reviewer's own mail).",
    "COVER_REPLY": "In a reply to the cover letter: it applies to every patch of the series, as "
    "b4 applies it.",
    "CARRIED": "Given by reply to an earlier version whose patch this one repeats unchanged "
    "(same patch-id), carried forward as b4 does; not counted again as a review.",
}
_DEPENDENCY_KINDS = {
    "PREREQUISITE": "A b4 prerequisite-message-id, -change-id or -patch-id line.",
    "DEPENDS_ON": "A Depends-on: line, or a series cited in prose as needed first.",
    "BASED_ON": "A Based-on: line, base-commit, or 'based on' prose: the work it is built on.",
    "FIXUP": "Fixup patches carried along from another series or tree.",
}


def register_enum(
    cls: type[enum.Enum], name: str, description: str, values: dict[str, str]
) -> None:
    """Register a loader enum with Strawberry in place, with a description for every value.

    The GraphQL enum values are the member names (REVIEWED_BY, ...); the Python values stay
    the loader's spellings, so records and stores need no conversion.
    """
    registered = strawberry.enum(cls, name=name, description=description)
    assert has_enum_definition(registered)
    for value in registered.__strawberry_definition__.values:
        value.description = values.get(value.name)


register_enum(TrailerKind, "TrailerKind", "Kinds of trailer lines.", _TRAILER_KINDS)
register_enum(
    TrailerSource,
    "TrailerSource",
    "Where a trailer was found: the patch body, a reply, a reply to the cover, or carried "
    "from an earlier version of the same unchanged patch.",
    _TRAILER_SOURCES,
)
register_enum(
    SeriesKind,
    "SeriesKind",
    "A patch series, or a pull request ([GIT PULL], [GIT PULL n/N]).",
    {
        "PATCH_SERIES": "Patches (with or without a cover letter) sent for review.",
        "PULL_REQUEST": "A [GIT PULL] mail (and the patches of a [GIT PULL n/N] bomb): a "
        "maintainer asking another to pull a tree; not reviewed as patches, so left out of "
        "review statistics unless asked for.",
    },
)
register_enum(
    LinkedBy,
    "LinkedBy",
    "How a series was linked to its previous version, strongest evidence first.",
    {
        "CHANGELOG": "A changelog line names the earlier version (`Link to v2: <url>`, "
        "`v2: https://lore.kernel.org/r/<msgid>`).",
        "CHANGE_ID": "b4's `change-id:` is the same in both.",
        "MSGID_SLUG": "b4 message-ids of both carry the same slug.",
        "PATCH_IDS": "A patch of the newer one is the same diff (`git patch-id`) as one of the "
        "older, from the same author.",
        "PATCH_TITLES": "The same author sent the same set of patch titles (a re-roll without "
        "a cover letter).",
        "TITLE": "The same author sent the same, specific cover or patch title (also a RESEND).",
    },
)
register_enum(DependencyKind, "DependencyKind", "How one series needs another.", _DEPENDENCY_KINDS)


@strawberry.enum(description="Aggregate a review network by person or by company.")
class NetworkLevel(enum.Enum):
    PERSON = strawberry.enum_value("PERSON", description="One node per person.")
    COMPANY = strawberry.enum_value(
        "COMPANY", description="One node per company, each review at the reviewer's employer then."
    )


@strawberry.enum(
    description="Follow dependencies towards what is needed (UPSTREAM) or what needs it."
)
class Direction(enum.Enum):
    UPSTREAM = strawberry.enum_value("UPSTREAM", description="What the series needs.")
    DOWNSTREAM = strawberry.enum_value("DOWNSTREAM", description="What needs the series.")
    BOTH = strawberry.enum_value("BOTH", description="Both directions.")


#: Arguments shared by many fields, documented once.
First = Annotated[
    int | None,
    strawberry.argument(description="How many items to return, at most 100."),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Return the items after this cursor (the endCursor of the previous page)."
    ),
]
Top = Annotated[
    int,
    strawberry.argument(description="How many to return, largest counts first; at most 100."),
]
ReviewKinds = Annotated[
    list[TrailerKind] | None,
    strawberry.argument(
        description="Trailer kinds that count as a review. Default: REVIEWED_BY, ACKED_BY and "
        "TESTED_BY (a Signed-off-by is not a review)."
    ),
]


@strawberry.interface(description="Anything with a global ID, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Global ID `Kind:key` (e.g. `Person:a@b.c`, `Series:<message-id>`)."
    )


@strawberry.type(description="Where a page stands in the whole list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items come before this page.")
    start_cursor: str | None = strawberry.field(description="The cursor of the first item.")
    end_cursor: str | None = strawberry.field(
        description="The cursor of the last item: pass it as `after` for the next page."
    )


@strawberry.type(description="One item of a page, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Pass as `after` to continue after this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A Relay connection: one page of a longer list.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's items with their cursors.")
    nodes: list[T] = strawberry.field(description="The page's items, without cursors.")
    page_info: PageInfo = strawberry.field(description="Whether more pages follow or precede.")
    total_count: int = strawberry.field(description="Items in the whole list, not the page.")


#: Cursor prefixes: keyset cursors ("k:" + JSON [sort text, key]); offsets ("o:") were the
#: cursors of earlier versions, refused with a message saying so.
_KEYSET = "k:"
_OFFSET = "o:"


def encode_cursor(position: Position) -> str:
    """A keyset cursor: the item's place in list order (`list_position`), not its index, so
    the next page starts after that item even if a reload inserted items before it."""
    text = _KEYSET + json.dumps(list(position), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(cursor: str | None) -> Position | None:
    """The position after which a page starts (None without a cursor); a forged cursor, or
    an offset cursor of an earlier version, is a clear error."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(f"invalid cursor {cursor!r}") from exc
    if text.startswith(_OFFSET):
        raise ApiError(
            f"cursor {cursor!r} is an offset cursor, no longer accepted: cursors now name the "
            "last item seen; ask for the first page again (without 'after')"
        )
    return _position(cursor, text)


def _position(cursor: str, text: str) -> Position:
    """The [sort text, key] pair of a keyset cursor's text."""
    try:
        value = json.loads(text[len(_KEYSET) :]) if text.startswith(_KEYSET) else None
    except ValueError:
        value = None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise ApiError(f"invalid cursor {cursor!r}")
    return (value[0], value[1])


def build_connection(
    page: Page, convert: Callable[[NodeData], T], objects: KeptObjects
) -> Connection[T]:
    """A Relay connection of a page, each item's cursor its keyset position (items and
    cursors kept with the graph where `objects` keeps any: `graphapi.schema.kept`)."""
    convert, cursor_of = objects.converter(convert), objects.converter(item_cursor)
    nodes = [convert(item) for item in page.items]
    cursors = [cursor_of(item) for item in page.items]
    return Connection(
        edges=[Edge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)],
        nodes=nodes,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        total_count=page.total,
    )


def item_cursor(item: NodeData) -> str:
    """The keyset cursor of a list item."""
    return encode_cursor(list_position(item))


def parse_date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
