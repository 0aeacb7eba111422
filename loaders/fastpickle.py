"""Pickling the parsed records fast: a record is rebuilt by calling its class.

The frozen, slotted record dataclasses pickle through the generic `__getstate__` /
`__setstate__`, which walk `dataclasses.fields()` for every object: on a corpus of 125k
records that is most of the time a snapshot takes to write and read. The reducers here
pickle a record as `cls(*fields)` and an enum member as `getattr(cls, name)`; unpickling
needs nothing from this module, so any pickle reader loads the result.
"""

from __future__ import annotations

import dataclasses
import enum
import io
import operator
import pickle
from collections.abc import Callable
from typing import IO, Any

from loaders import records

__all__ = ["REDUCERS", "dump", "dumps", "pickler"]


def _reduce_enum(member: enum.Enum) -> tuple[Any, ...]:
    return getattr, (type(member), member.name)


def _record_reducers() -> dict[type, Callable[[Any], tuple[Any, ...]]]:
    """Reducers for the record classes, derived from `records`: new fields need no change."""
    table: dict[type, Callable[[Any], tuple[Any, ...]]] = {}
    for name in records.__all__:
        cls = getattr(records, name)
        if isinstance(cls, type) and issubclass(cls, enum.Enum):
            table[cls] = _reduce_enum
        elif isinstance(cls, type) and dataclasses.is_dataclass(cls):
            fields = dataclasses.fields(cls)
            if fields and all(field.init for field in fields):
                table[cls] = _dataclass_reducer(tuple(field.name for field in fields))
    return table


def _dataclass_reducer(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    values = operator.attrgetter(*names)  # one C call returns every field as a tuple
    if len(names) == 1:
        return lambda record: (type(record), (values(record),))
    return lambda record: (type(record), values(record))


#: `copyreg`-style dispatch table for `pickle.Pickler.dispatch_table`.
REDUCERS = _record_reducers()


def pickler(handle: IO[bytes]) -> pickle.Pickler:
    """A pickler at the highest protocol pickling records with `REDUCERS`. Successive
    `dump` calls share its memo: an object pickled by an earlier call is a reference in
    later ones (read back with one `pickle.Unpickler` calling `load` as many times)."""
    instance = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
    instance.dispatch_table = REDUCERS
    return instance


def dump(obj: object, handle: IO[bytes]) -> None:
    """`pickle.dump` at the highest protocol, records pickled with `REDUCERS`."""
    pickler(handle).dump(obj)


def dumps(obj: object) -> bytes:
    buffer = io.BytesIO()
    dump(obj, buffer)
    return buffer.getvalue()
