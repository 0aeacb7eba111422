"""Answers of costly Neo4j reads kept for one state of the database.

Statistics, the review network, review statistics, whole-kind lists and review ties are
aggregates over much of the graph: at a million messages one is a second of Neo4j's time
and the next request asks it again. The embedded store keeps such answers per graph
generation (`nx_graph.remembered`); this is the same for Neo4j, keyed by the database's
*mark*: the bookmark a read transaction returns, which names the last transaction the
database committed. Any commit (a load, a deletion, `clear`, another process's write)
changes it, and the first read after it finds the kept answers of the old mark useless and
drops them all.

A mark is read before the answer is computed (`Neo4jConnection.database_mark`), so a kept
answer is at least as new as its mark; one that saw a commit made during its computation
is kept under the older mark and never served, as the database's mark has moved on.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

__all__ = ["KEPT_ENTRIES", "KEPT_WEIGHT", "KeptAnswers", "weight_of"]

T = TypeVar("T")

#: At most this many answers are kept, and at most this much `weight_of` them in all (a
#: hub's review ties list every patch of theirs): the least recently used go first.
KEPT_ENTRIES = 512
KEPT_WEIGHT = 4_000_000


def weight_of(answer: object) -> int:
    """A cheap measure of an answer's size: its items, and those of the lists and tuples
    inside them one level down (a tie's patch keys, a page's items, a view's nodes)."""
    if isinstance(answer, dict):
        return 1 + sum(_width(v) for v in answer.values())
    if isinstance(answer, list | tuple):
        return len(answer) + sum(_inner(x) for x in answer)
    return 1 + _inner(answer)


def _width(value: object) -> int:
    return len(value) if isinstance(value, list | tuple | dict) else 0


def _inner(item: object) -> int:
    """The sizes of an item's collections: its slots' (the answer dataclasses) or values'."""
    if isinstance(item, dict):
        return sum(_width(v) for v in item.values())
    slots = getattr(type(item), "__slots__", ())
    return sum(_width(getattr(item, name, None)) for name in slots)


class KeptAnswers:
    """Answers by question, all for one mark; thread-safe (the server's threads share it).

    A question being computed is computed once: a request asking it meanwhile waits for
    that answer rather than asking Neo4j again (after a load, 32 clients asking for the
    statistics cost one aggregate, not 32). No lock is held while Neo4j answers: unrelated
    questions never wait for each other. `compute` must not ask kept answers itself.
    """

    def __init__(self, entries: int = KEPT_ENTRIES, weight: int = KEPT_WEIGHT) -> None:
        self._entries = entries
        self._weight = weight
        self._lock = threading.Lock()
        self._mark: Hashable | None = None
        self._kept: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._total = 0
        self._pending: dict[Hashable, Future[Any]] = {}  # being computed, at `_mark`

    def forget(self) -> None:
        """Drop every kept answer (tests measuring the uncached cost)."""
        with self._lock:
            self._kept.clear()
            self._total = 0

    def __len__(self) -> int:
        return len(self._kept)

    def answer(self, mark: Hashable | None, question: Hashable, compute: Callable[[], T]) -> T:
        """The kept answer to `question` at `mark`, else `compute()`'s, kept (no mark: the
        database gave none, nothing is kept)."""
        return self.answers(mark, [question], lambda _: [compute()])[0]

    def answers(
        self,
        mark: Hashable | None,
        questions: Sequence[Hashable],
        compute: Callable[[list[Hashable]], list[T]],
    ) -> list[T]:
        """Each question's kept answer at `mark`; those another thread is computing, its
        answer; the rest computed in one call (`compute(missing)` answers them in order)
        and kept."""
        found: dict[Hashable, Any] = {}
        waiting: dict[Hashable, Future[Any]] = {}
        owned: dict[Hashable, Future[Any]] = {}
        with self._lock:
            if mark != self._mark:
                self._kept.clear()
                self._total = 0
                self._pending = {}
                self._mark = mark
            for question in dict.fromkeys(questions):
                if question in self._kept:
                    self._kept.move_to_end(question)
                    found[question] = self._kept[question][0]
                elif mark is not None and question in self._pending:
                    waiting[question] = self._pending[question]
                else:
                    owned[question] = self._pending[question] = Future()
        if owned:
            self._compute(mark, owned, compute, found)
        for question, future in waiting.items():
            found[question] = future.result()
        return [found[q] for q in questions]

    def _compute(
        self,
        mark: Hashable | None,
        owned: dict[Hashable, Future[Any]],
        compute: Callable[[list[Hashable]], list[T]],
        found: dict[Hashable, Any],
    ) -> None:
        """Compute the questions this thread owns; keep and hand over the answers (or the
        failure, to whoever waits for them)."""
        missing = list(owned)
        try:
            computed = compute(missing)
        except BaseException as exc:
            self._settle(mark, owned, None)
            for future in owned.values():
                future.set_exception(exc)
            raise
        answered = dict(zip(missing, computed, strict=True))
        found.update(answered)
        self._settle(mark, owned, answered)
        for question, future in owned.items():
            future.set_result(answered[question])

    def _settle(
        self,
        mark: Hashable | None,
        owned: dict[Hashable, Future[Any]],
        answered: dict[Hashable, Any] | None,
    ) -> None:
        """No longer pending; kept unless the database moved on while they were computed."""
        with self._lock:
            for question, future in owned.items():
                if self._pending.get(question) is future:
                    del self._pending[question]
            if answered is None or mark is None or mark != self._mark:
                return
            for question, value in answered.items():
                weight = weight_of(value)
                if weight > self._weight:
                    continue
                old = self._kept.pop(question, None)
                if old is not None:
                    self._total -= old[1]
                self._kept[question] = (value, weight)
                self._total += weight
            while self._kept and (len(self._kept) > self._entries or self._total > self._weight):
                _, (_, weight) = self._kept.popitem(last=False)
                self._total -= weight
