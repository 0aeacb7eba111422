"""Errors of the graph API package; the CLI catches the base classes and prints one line.

    GraphAPIError
     ├── SnapshotError     the snapshot file is missing, corrupt, or cannot be written
     ├── StoreUnavailable  the store (e.g. Neo4j) cannot be reached
     │    └── StoreUnreachable  it went away while serving (also an ApiError)
     └── UsageError        arguments that make no sense together

    ApiError (a GraphQLError)  a client mistake or a store failure GraphQL shows by message

Loader failures raise `loaders.errors.LoaderError`, caught the same way. `ApiError` and
`StoreUnreachable` live in `graphapi.api_errors`: they are GraphQL errors, and importing
graphql-core costs a load that finds nothing new a fifth of its time; this module imports
nothing, so `graphapi load` does not pay for it.
"""

from __future__ import annotations

__all__ = [
    "GraphAPIError",
    "SnapshotError",
    "StoreUnavailable",
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
