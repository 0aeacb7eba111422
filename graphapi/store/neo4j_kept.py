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

    Two threads missing the same question both compute it (the later one's is kept): a
    lock held while Neo4j answers would serialise unrelated requests.
    """

    def __init__(self, entries: int = KEPT_ENTRIES, weight: int = KEPT_WEIGHT) -> None:
        self._entries = entries
        self._weight = weight
        self._lock = threading.Lock()
        self._mark: Hashable | None = None
        self._kept: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._total = 0

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
        """Each question's kept answer at `mark`; the missing ones computed in one call
        (`compute(missing)` answers them in order) and kept."""
        found: dict[Hashable, Any] = {}
        with self._lock:
            if mark != self._mark:
                self._kept.clear()
                self._total = 0
                self._mark = mark
            for question in questions:
                if question in self._kept:
                    self._kept.move_to_end(question)
                    found[question] = self._kept[question][0]
        missing = [q for q in dict.fromkeys(questions) if q not in found]
        if missing:
            computed = compute(missing)
            found.update(zip(missing, computed, strict=True))
            if mark is not None:
                self._keep(mark, zip(missing, computed, strict=True))
        return [found[q] for q in questions]

    def _keep(self, mark: Hashable, answered: Any) -> None:
        with self._lock:
            if mark != self._mark:  # the database moved on while these were computed
                return
            for question, value in answered:
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
