"""The one ontology: node kinds, edge kinds, their keys, and the batch a load writes.

Both stores and the GraphQL layer use these names; nothing else spells a kind or a key.
A node is identified by `(kind, key)`: a person by canonical address, a message by
Message-ID, a series by its cover (or first patch) Message-ID, a file by path, a company by
its slug. `node_id` joins the two for global IDs and graph views.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

# The loaders' vocabulary that the graph and the API share, exported from the one ontology so
# that neither the stores nor the schema reach into `loaders.records` for it.
from loaders.assembly.results import LinkedBy, SeriesKind
from loaders.records import DependencyKind, TrailerKind, TrailerSource

__all__ = [
    "MESSAGE_BODY_LIMIT",
    "REVIEW_KINDS",
    "DependencyKind",
    "EdgeKind",
    "EdgeRecord",
    "GraphBatch",
    "LinkedBy",
    "NodeData",
    "NodeKind",
    "NodeRecord",
    "SeriesKind",
    "TrailerKind",
    "TrailerSource",
    "node_id",
    "split_node_id",
]


#: Message bodies longer than this are cut when served (the corpus keeps them whole).
MESSAGE_BODY_LIMIT = 256 * 1024

#: The trailer kinds that count as a review unless a query names others.
REVIEW_KINDS: tuple[TrailerKind, ...] = (
    TrailerKind.REVIEWED_BY,
    TrailerKind.ACKED_BY,
    TrailerKind.TESTED_BY,
)


class NodeKind(enum.Enum):
    PERSON = "Person"
    COMPANY = "Company"
    SERIES = "Series"
    PATCH = "Patch"
    MESSAGE = "Message"
    FILE = "File"
    REF = "Ref"  # a git tree, commit or other URL a series depends on
    SUBSYSTEM = "Subsystem"  # a MAINTAINERS entry
    COMMIT = "Commit"  # a non-merge commit of a loaded code tree (graphapi.merging)


class EdgeKind(enum.Enum):
    AUTHORED = "AUTHORED"  # Person -> Patch | Series | Message
    CONTRIBUTED = "CONTRIBUTED"  # Person -> Series (named in a cover letter's shortlog)
    PART_OF = "PART_OF"  # Patch -> Series
    COVER = "COVER"  # Series -> Message (its cover letter)
    TRAILER = "TRAILER"  # Person -> Patch (Reviewed-by, Acked-by, ...)
    TOUCHES = "TOUCHES"  # Patch -> File
    EMPLOYED_BY = "EMPLOYED_BY"  # Person -> Company
    PREVIOUS_VERSION = "PREVIOUS_VERSION"  # Series -> older Series of the same lineage
    DEPENDS_ON = "DEPENDS_ON"  # Series -> Series | Ref
    REPLY_TO = "REPLY_TO"  # Message -> Message
    IN_SUBSYSTEM = "IN_SUBSYSTEM"  # File -> Subsystem (MAINTAINERS F:/N: match; rank 0 = best)
    MAINTAINS = "MAINTAINS"  # Person -> Subsystem (M:)
    REVIEWS_FOR = "REVIEWS_FOR"  # Person -> Subsystem (R:)
    MERGED_AS = "MERGED_AS"  # Patch -> Commit (matchedBy: PATCH_ID, SUBJECT, LINK)


def node_id(kind: NodeKind, key: str) -> str:
    """The global, opaque-enough ID of a node: `Kind:key` (keys may contain ':')."""
    return f"{kind.value}:{key}"


def split_node_id(value: str) -> tuple[NodeKind, str] | None:
    """Inverse of `node_id`; None when the ID names no known kind."""
    kind_name, sep, key = value.partition(":")
    if not sep or not key:
        return None
    try:
        return NodeKind(kind_name), key
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class NodeRecord:
    """A node to merge into the graph.

    `props` replace stored values when the record is `authoritative` (it comes from the
    thing itself, e.g. a loaded series); a non-authoritative record (a placeholder known only
    because something points at it) only fills properties the node does not have yet.
    `name_counts` (how often each name was seen for a person) keep the larger count of each
    name across writes, so writing the same record twice changes nothing.
    """

    kind: NodeKind
    key: str
    props: dict[str, Any] = field(default_factory=dict)
    authoritative: bool = True
    name_counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EdgeRecord:
    """An edge to merge; `(source, kind, target, discriminator)` identifies it."""

    kind: EdgeKind
    source: tuple[NodeKind, str]
    target: tuple[NodeKind, str]
    props: dict[str, Any] = field(default_factory=dict)
    discriminator: str = ""


@dataclass(slots=True)
class GraphBatch:
    """What one load writes: nodes and edges. The embedded store applies a batch in memory
    and commits it in one database transaction; Neo4j writes it in transactions of
    thousands of rows (`GRAPHAPI_NEO4J_BATCH_ROWS`), so a load killed half-way leaves part
    of it, and running the load again completes it (every write is an idempotent merge)."""

    nodes: list[NodeRecord] = field(default_factory=list)
    edges: list[EdgeRecord] = field(default_factory=list)

    def node(self, record: NodeRecord) -> None:
        self.nodes.append(record)

    def edge(self, record: EdgeRecord) -> None:
        self.edges.append(record)


@dataclass(frozen=True, slots=True)
class NodeData:
    """A node as a store returns it."""

    kind: NodeKind
    key: str
    props: dict[str, Any]

    @property
    def id(self) -> str:
        return node_id(self.kind, self.key)

    def get(self, name: str, default: Any = None) -> Any:
        return self.props.get(name, default)
