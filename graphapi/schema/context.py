"""The per-request context: the store, its DataLoaders, and when the time budget runs out."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry

from graphapi.schema.dataloaders import DataLoaders
from graphapi.schema.kept import KeptObjects
from graphapi.store.base import GraphStore

if TYPE_CHECKING:
    from graphapi.schema.types import Patch as _Patch  # noqa: F401

__all__ = ["DEFAULT_BUDGET_SECONDS", "DEFAULT_MAX_FIELDS", "Context", "Info", "LimitExceeded"]

DEFAULT_BUDGET_SECONDS = 10.0
DEFAULT_MAX_FIELDS = 500_000  # resolved fields in one response, ~50 MB of JSON at most


class LimitExceeded(Exception):
    """Raised by `Context.charge` once a request is over its time budget or response size."""


@dataclass
class Context:
    """Built per request (HTTP or in-process); holds no state between requests."""

    store: GraphStore
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    started: float = field(default_factory=time.monotonic)
    max_fields: int = DEFAULT_MAX_FIELDS
    dataloaders: DataLoaders = field(init=False, repr=False)
    objects: KeptObjects = field(init=False, repr=False)  # API objects kept per graph
    operation_named: bool = False  # the request named its operation (set by ApiSchema.execute)
    cost: int = 0  # the estimate the query limits computed, once validated
    executed: bool = False  # execution began: any error now is a field error, not a request's
    resolved: int = 0
    stopped: str | None = None  # the limit that stopped this request, once one did
    #: What resolvers run directly gave on an attempt that fell back to graphql-core's path
    #: (`execution.LeafShortcut`), by (id of the source, response path): (source, ok, value
    #: or error). That path takes them from here (`replayed`) instead of running them again.
    ran: dict[tuple[int, tuple[str | int, ...]], tuple[object, bool, Any]] = field(
        default_factory=dict, repr=False
    )

    def __post_init__(self) -> None:
        self.dataloaders = DataLoaders(self.store)
        self.objects = KeptObjects(self.store)

    def replayed(self, source: object, path: tuple[str | int, ...]) -> tuple[bool, Any] | None:
        """(ok, value or error) a resolver of `source` at `path` already gave, once; None if
        it has not run."""
        found = self.ran.pop((id(source), path), None)
        if found is None or found[0] is not source:
            return None
        return found[1], found[2]

    def over_budget(self) -> bool:
        return time.monotonic() - self.started > self.budget_seconds

    def remaining(self) -> float:
        """Seconds left of the time budget (0 when spent)."""
        return max(0.0, self.budget_seconds - (time.monotonic() - self.started))

    def allows(self, fields: int) -> bool:
        """`fields` more resolved fields would hit no limit (nothing is counted)."""
        return (
            self.stopped is None
            and self.resolved + fields <= self.max_fields
            and not self.over_budget()
        )

    def try_charge_many(self, fields: int) -> bool:
        """Count `fields` resolved fields at once if none hits a limit (True); else count
        nothing and return False, so the fields go the way that refuses them (`charge`, one
        by one, raising at the limit): the executor's direct paths (`execution.py`)."""
        if not self.allows(fields):
            return False
        self.resolved += fields
        return True

    def charge(self) -> None:
        """Count one resolved field; once a limit is hit every further field is refused, so
        the request stops doing work at its next field instead of finishing the query."""
        if self.stopped is None:
            self.resolved += 1
            if self.resolved > self.max_fields:
                self.stopped = (
                    f"response exceeds {self.max_fields} fields "
                    f"(limit: response size <= {self.max_fields} fields)"
                )
            elif self.over_budget():
                self.stopped = (
                    f"request exceeded its time budget of {self.budget_seconds:g}s "
                    "(limit: per-request time budget)"
                )
        if self.stopped is not None:
            raise LimitExceeded(self.stopped)


Info: TypeAlias = strawberry.Info[Context, None]
