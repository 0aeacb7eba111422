"""The node types of the API, gathered: people and companies (`people`), series, patches
and messages (`series`), files (`files`). Each type wraps a `NodeData` from the store; scalar
fields are read from it, relation fields through the request's DataLoaders (`relations`).
"""

from __future__ import annotations

from graphapi.model import NodeData, NodeKind
from graphapi.schema.commits import Commit
from graphapi.schema.common import Node
from graphapi.schema.files import File, FileTouch
from graphapi.schema.people import (
    Company,
    CompanyTie,
    NameCount,
    Person,
    PersonCount,
    PossibleAlias,
    ReviewTie,
)
from graphapi.schema.series import Dependency, FirstReview, Message, Patch, Series, Trailer

__all__ = [
    "Company",
    "CompanyTie",
    "Dependency",
    "File",
    "FileTouch",
    "FirstReview",
    "Message",
    "NameCount",
    "Patch",
    "Person",
    "PersonCount",
    "PossibleAlias",
    "ReviewTie",
    "Series",
    "Trailer",
    "to_node",
]


_CONVERTERS = {
    NodeKind.PERSON: Person.of,
    NodeKind.COMPANY: Company.of,
    NodeKind.SERIES: Series.of,
    NodeKind.PATCH: Patch.of,
    NodeKind.MESSAGE: Message.of,
    NodeKind.FILE: File.of,
    NodeKind.COMMIT: Commit.of,
}


def to_node(data: NodeData) -> Node | None:
    convert = _CONVERTERS.get(data.kind)
    return convert(data) if convert else None
