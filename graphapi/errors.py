"""Errors of the graph API package; the CLI catches the base classes and prints one line.

    GraphAPIError
     ├── SnapshotError     the snapshot file is missing, corrupt, or cannot be written
     ├── StoreUnavailable  the store (e.g. Neo4j) cannot be reached
     └── UsageError        arguments that make no sense together

Loader failures raise `loaders.errors.LoaderError`, caught the same way.
"""

from __future__ import annotations

__all__ = ["GraphAPIError", "SnapshotError", "StoreUnavailable", "UsageError"]


class GraphAPIError(Exception):
    """Base of every error this package raises on purpose."""


class SnapshotError(GraphAPIError):
    """A snapshot that cannot be read or written."""


class StoreUnavailable(GraphAPIError):
    """A store that cannot be reached."""


class UsageError(GraphAPIError):
    """Command-line arguments that cannot be honoured."""
