"""The errors GraphQL shows by message (`graphapi.errors` has the rest and the tree).

Apart from `graphapi.errors` so that commands that never answer GraphQL (`graphapi load`) do
not import graphql-core; here, not in `graphapi.schema`, so that a store can raise them
without importing the schema (importing `graphapi.schema` builds the whole Strawberry schema).
"""

from __future__ import annotations

from graphql import GraphQLError

from graphapi.errors import StoreUnavailable

__all__ = ["ApiError", "StoreUnreachable"]


class ApiError(GraphQLError):
    """A client mistake (bad argument, exceeded limit) with a message that names it."""


class StoreUnreachable(ApiError, StoreUnavailable):
    """The store went away (restarting, network): a GraphQL error and a CLI error alike."""
