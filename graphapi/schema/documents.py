"""Query documents parsed once per text, and a Strawberry extension that reuses them.

Clients send the same few query texts again and again (an explorer page, a dashboard, the
canonical queries). Each request used to parse its text twice: once to estimate its cost
(`limits.estimate`, for routing) and once in Strawberry. Parsing is pure: the same text gives
the same document, which graphql-core never mutates, so documents are kept by text in a
bounded LRU shared by every thread. A text that fails to parse is not kept (Strawberry parses
it again and reports why).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension

from graphapi.schema.lru import KeptLru
from graphapi.schema.validation import MAX_TOKENS

__all__ = ["DOCUMENTS_KEPT", "ParsedOnce", "parsed"]

#: Distinct query texts whose documents are kept (least recently used go first).
DOCUMENTS_KEPT = 512

_DOCUMENTS: KeptLru[str, DocumentNode] = KeptLru(DOCUMENTS_KEPT)


def parsed(query: str) -> DocumentNode:
    """The document of `query` (at most `MAX_TOKENS` tokens); raises `GraphQLError` when it
    does not parse."""
    return _DOCUMENTS.get(query, lambda: parse(query, max_tokens=MAX_TOKENS))


class ParsedOnce(SchemaExtension):
    """Hands Strawberry the kept document of the request's text, so it does not parse it."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            with contextlib.suppress(GraphQLError):  # Strawberry parses it again, says why
                context.graphql_document = parsed(context.query)
        yield
