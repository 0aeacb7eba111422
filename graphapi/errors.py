"""Errors of the graph API package; the CLI catches the base classes and prints one line.

    GraphAPIError
     ├── SnapshotError     the snapshot file is missing, corrupt, or cannot be written
     ├── StoreUnavailable  the store (e.g. Neo4j) cannot be reached
     │    └── StoreUnreachable  it went away while serving (also an ApiError)
     └── UsageError        arguments that make no sense together

    ApiError (a GraphQLError)  a client mistake or a store failure GraphQL shows by message

Loader failures raise `loaders.errors.LoaderError`, caught the same way. `ApiError` lives
here, not in `graphapi.schema`, so that a store can raise it without importing the schema
(importing `graphapi.schema` builds the whole Strawberry schema).
"""

from __future__ import annotations

from graphql import GraphQLError

__all__ = [
    "ApiError",
    "GraphAPIError",
    "SnapshotError",
    "StoreUnavailable",
    "StoreUnreachable",
    "UsageError",
]


class GraphAPIError(Exception):
    """Base of every error this package raises on purpose."""


class SnapshotError(GraphAPIError):
    """A snapshot that cannot be read or written."""


class StoreUnavailable(GraphAPIError):
    """A store that cannot be reached."""


class UsageError(GraphAPIError):
    """Command-line arguments that cannot be honoured."""


class ApiError(GraphQLError):
    """A client mistake (bad argument, exceeded limit) with a message that names it."""


class StoreUnreachable(ApiError, StoreUnavailable):
    """The store went away (restarting, network): a GraphQL error and a CLI error alike."""
