"""Parsed records as JSON text: the durable form of the corpus, readable by any SQLite client.

Why not pickle: reading a pickle runs code, so a database file handed over by someone else
would be a program. JSON is data only, and `sqlite3 graphapi.db "select record from messages"`
shows what was parsed.

A record is a JSON array whose first element names its class (`["Address", "Ann", "a@b.c",
""]`), then its fields in declaration order, so a record is rebuilt as `cls(*fields)` (the
fast path `loaders.fastpickle` uses for the same reason). An enum member is `["~TrailerKind",
"REVIEWED_BY"]`, a datetime `["@", "2025-01-02T03:04:05+00:00"]`, and any other array is a
tuple of values (record fields hold tuples, never lists). The class table is derived from
`records`, so a new field or record class needs no change here; a record written by an older
version with fewer fields is read with the newer fields at their defaults.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import operator
from collections.abc import Callable
from datetime import datetime
from typing import Any

from loaders import records
from loaders.sources import gitrepo

__all__ = ["RecordFormatError", "decode", "encode"]

_DATETIME = "@"
_ENUM_MARK = "~"


class RecordFormatError(ValueError):
    """Stored text that is not a record this version can read."""


def _tables() -> tuple[
    dict[type, tuple[str, Callable[[Any], tuple[Any, ...]]]],
    dict[str, type],
    dict[str, type[enum.Enum]],
]:
    encoders: dict[type, tuple[str, Callable[[Any], tuple[Any, ...]]]] = {}
    classes: dict[str, type] = {}
    enums: dict[str, type[enum.Enum]] = {}
    for module, name in _EXPORTS:
        cls = getattr(module, name)
        if isinstance(cls, type) and issubclass(cls, enum.Enum):
            enums[_ENUM_MARK + cls.__name__] = cls
        elif isinstance(cls, type) and dataclasses.is_dataclass(cls):
            names = tuple(field.name for field in dataclasses.fields(cls))
            getter = operator.attrgetter(*names)
            values = (lambda r, g=getter: (g(r),)) if len(names) == 1 else getter
            encoders[cls] = (cls.__name__, values)
            classes[cls.__name__] = cls
    return encoders, classes, enums


#: Where the record classes come from: the mail records, and a code tree's commits.
_EXPORTS = [(records, name) for name in records.__all__] + [(gitrepo, "CodeCommit")]

_ENCODERS, _CLASSES, _ENUMS = _tables()


def _plain(value: Any) -> Any:
    """`value` as JSON-able nested lists (records, enums and datetimes tagged)."""
    kind = type(value)
    if value is None or kind in (str, int, float, bool):
        return value
    found = _ENCODERS.get(kind)
    if found is not None:
        name, values = found
        return [name, *map(_plain, values(value))]
    if kind is tuple or kind is list:
        return [_plain(item) for item in value]
    if isinstance(value, enum.Enum):
        return [_ENUM_MARK + kind.__name__, value.name]
    if isinstance(value, datetime):
        return [_DATETIME, value.isoformat()]
    raise TypeError(f"cannot store a {kind.__name__} in a record")


def encode(record: Any) -> str:
    """One record (or a tuple of records) as compact JSON text."""
    return json.dumps(_plain(record), ensure_ascii=False, separators=(",", ":"))


def _rebuild(value: Any) -> Any:
    if type(value) is not list:
        return value
    if value and type(value[0]) is str:
        head = value[0]
        cls = _CLASSES.get(head)
        if cls is not None:
            return cls(*map(_rebuild, value[1:]))
        if head == _DATETIME and len(value) == 2:
            return datetime.fromisoformat(value[1])
        members = _ENUMS.get(head)
        if members is not None and len(value) == 2:
            return members[value[1]]
    return tuple(map(_rebuild, value))


def decode(text: str | bytes) -> Any:
    """The record `encode` wrote.

    Raises:
        RecordFormatError: the text is not JSON, or names a field this version lacks.
    """
    try:
        return _rebuild(json.loads(text))
    except (ValueError, TypeError, KeyError) as exc:
        raise RecordFormatError(f"unreadable stored record: {exc}") from exc
