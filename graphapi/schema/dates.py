"""The `DateTime` scalar: ISO 8601 out, and in, with the conventions a client expects.

Stored mail dates carry their UTC offset, so a window bound without one cannot be compared
with them. Rather than fail (it used to: "Internal error" from comparing naive and aware
datetimes), a value without an offset is read as UTC, and a date alone (`2025-06-01`) means
that whole day: as `since` it starts at 00:00 UTC, as `until` it ends at 24:00 UTC. The
parsed value of a date alone is a `WholeDay`, so the resolvers that take an `until` can
extend it with `window_until`; every store then sees timezone-aware bounds only.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import strawberry
from graphql import GraphQLError

__all__ = ["DATETIME_DESCRIPTION", "DateTime", "WholeDay", "parse_datetime", "window_until"]

DATETIME_DESCRIPTION = (
    "An ISO 8601 date and time, e.g. `2025-06-01T09:30:00+02:00`. Returned with its UTC "
    "offset. As an argument the offset may be left out: the time is then read as UTC. A date "
    "alone (`2025-06-01`) means that whole day in UTC: as `since` from 00:00, as `until` "
    "up to the end of the day."
)

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ONE_DAY = timedelta(days=1)
_EPSILON = timedelta(microseconds=1)


class WholeDay(datetime):
    """00:00 UTC of a day given as a date alone; `window_until` turns it into the day's end."""


def parse_datetime(value: object) -> datetime:
    """An aware datetime from a client's string (UTC when no offset is given).

    Refusals are GraphQLErrors, not ValueErrors: graphql-core keeps a GraphQLError's message
    as it is, while a ValueError from an inline literal would be masked as an internal error.
    """
    if not isinstance(value, str):
        raise GraphQLError(f"DateTime must be an ISO 8601 string, got {type(value).__name__}")
    text = value.strip()
    try:
        if _DATE_ONLY.fullmatch(text):
            day = date.fromisoformat(text)
            return WholeDay(day.year, day.month, day.day, tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise GraphQLError(
            f"DateTime cannot represent {value!r}: it is not an ISO 8601 date or date-time "
            "(e.g. 2025-06-01, 2025-06-01T09:30:00 or 2025-06-01T09:30:00+02:00)"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _serialize(value: datetime) -> str:
    """Datetimes go out as Python's ISO format, as they always did."""
    return value.isoformat()


def window_until(until: datetime | None) -> datetime | None:
    """An inclusive upper bound: a date alone covers its whole day (to 23:59:59.999999 UTC)."""
    if isinstance(until, WholeDay):
        start = datetime(until.year, until.month, until.day, tzinfo=UTC)
        return start + _ONE_DAY - _EPSILON
    return until


DateTime = strawberry.scalar(
    name="DateTime",
    description=DATETIME_DESCRIPTION,
    serialize=_serialize,
    parse_value=parse_datetime,
)
