"""Errors a resolver raises on purpose: their messages reach the client unmasked."""

from __future__ import annotations

from graphapi.api_errors import ApiError

__all__ = ["MAX_FIRST", "ApiError", "check_first"]

MAX_FIRST = 100


def check_first(first: int | None, default: int = 20) -> int:
    """The page size asked for, refused beyond the `first <= 100` limit of the API."""
    value = default if first is None else first
    if value < 0 or value > MAX_FIRST:
        raise ApiError(
            f"'first' must be between 0 and {MAX_FIRST} (limit: first <= {MAX_FIRST}), got {value}"
        )
    return value
