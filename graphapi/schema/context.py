"""The per-request context: the store, its DataLoaders, and when the time budget runs out."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

import strawberry

from graphapi.schema.loaders import Loaders
from graphapi.store.base import GraphStore

if TYPE_CHECKING:
    from graphapi.schema.types import Patch as _Patch  # noqa: F401

__all__ = ["DEFAULT_BUDGET_SECONDS", "Context", "Info"]

DEFAULT_BUDGET_SECONDS = 10.0


@dataclass
class Context:
    """Built per request (HTTP or in-process); holds no state between requests."""

    store: GraphStore
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    started: float = field(default_factory=time.monotonic)
    loaders: Loaders = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.store)

    def over_budget(self) -> bool:
        return time.monotonic() - self.started > self.budget_seconds


Info: TypeAlias = strawberry.Info[Context, None]
