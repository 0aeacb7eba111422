"""The request's DataLoaders: what resolvers ask the store about each item of a list.

A relation field of a type in a list (each series' author, each person's company) asks its
loader for one key; the loader collects the keys of every sibling resolver of that level
and answers them with one batched store call (`GraphStore.related_many`, ...), so a page of
twenty items costs the store what one item costs. There is one loader per question and
arguments (edge kind and direction, `first`, trailer kinds), made on first use; answers are
cached for the request only (a `DataLoaders` lives in one request's `Context`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from strawberry.dataloader import DataLoader

from graphapi.model import EdgeKind, NodeData, NodeKind
from graphapi.store.base import Direction, GraphStore, Page, Position, Related, Tie, TieQuery

__all__ = ["DataLoaders"]

K = TypeVar("K")
V = TypeVar("V")
KC = TypeVar("KC", contravariant=True)
VC = TypeVar("VC", covariant=True)

Subsystems = list[tuple[NodeData, list[NodeData]]]


class Loader(Protocol[KC, VC]):
    """What resolvers use of a loader: a DataLoader, or an `Immediate` on the embedded store."""

    def load(self, key: KC) -> Awaitable[VC]: ...

    def load_many(self, keys: Iterable[KC]) -> Awaitable[Sequence[VC]]: ...


class Immediate(Generic[K, V]):
    """A loader that answers each key at once, without batching: for a store in this process,
    where a read costs less than a DataLoader's futures and scheduling (performance.md:
    ~60 us per DataLoader-backed field), so list fields cost what their answer costs."""

    def __init__(self, answer: Callable[[list[K]], Sequence[V]]) -> None:
        self._answer = answer

    async def load(self, key: K) -> V:
        return self._answer([key])[0]

    async def load_many(self, keys: Iterable[K]) -> list[V]:
        return list(self._answer(list(keys)))


class DataLoaders:
    """DataLoaders over one store, one per question, created when first asked for.

    A store that says its reads cost no round trip (`batched_reads_pay = False`: the
    embedded one) gets `Immediate` loaders instead.
    """

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._made: dict[Hashable, Loader[Any, Any]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._immediate = not getattr(store, "batched_reads_pay", True)

    @property
    def immediate(self) -> bool:
        """The loaders answer at once (no batching, no waiting): see `Immediate`."""
        return self._immediate

    def _loader(self, question: Hashable, answer: Callable[[list[K]], Sequence[V]]) -> Loader[K, V]:
        if self._immediate:
            immediate: Loader[K, V] | None = self._made.get(question)
            if immediate is None:
                immediate = self._made[question] = Immediate(answer)
            return immediate
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a DataLoader belongs to one event loop
            self._made.clear()
            self._loop = loop
        loader = self._made.get(question)
        if loader is None:

            async def load(keys: list[K]) -> Sequence[V]:
                return answer(keys)

            loader = self._made[question] = DataLoader(load)
        return loader

    def node(self, kind: NodeKind) -> Loader[str, NodeData | None]:
        """Nodes of a kind by key (None for an unknown key)."""
        return self._loader(("node", kind), lambda keys: self.store.get_many(kind, keys))

    def related(
        self, kind: NodeKind, edge: EdgeKind, direction: Direction
    ) -> Loader[str, list[Related]]:
        """The neighbours of a node of `kind` over `edge` (see `GraphStore.related_many`)."""
        return self._loader(
            ("related", kind, edge, direction),
            lambda keys: self.store.related_many(kind, keys, edge, direction),
        )

    def pages(
        self,
        kind: NodeKind,
        edge: EdgeKind,
        owner_kind: NodeKind,
        after: Position | None,
        first: int,
    ) -> Loader[str, Page]:
        """One page of the nodes of `kind` linked to an owner by `edge`, after a position."""
        return self._loader(
            ("pages", kind, edge, owner_kind, after, first),
            lambda keys: self.store.related_pages(
                kind, edge, owner_kind, keys, after=after, first=first
            ),
        )

    def ties(self, query: TieQuery, first: int) -> Loader[str, list[Tie]]:
        """The first `first` review ties of each key (see `TieQuery`)."""
        return self._loader(
            ("ties", query, first), lambda keys: self.store.ties_many(query, keys, first)
        )

    def lineage(self) -> Loader[str, list[NodeData]]:
        return self._loader(("lineage",), self.store.lineage_many)

    def series_subsystems(self) -> Loader[str, Subsystems]:
        return self._loader(("series_subsystems",), self.store.series_subsystems_many)

    def message_bodies(self) -> Loader[str, str | None]:
        return self._loader(("message_bodies",), self.store.message_bodies)

    def first_review(self) -> Loader[str, tuple[NodeData, str] | None]:
        return self._loader(("first_review",), self.store.first_review_many)
