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

Left alone, the first request after a load pays for the aggregate (seconds at a million
messages). A server therefore runs a `KeptRefresher`: it reads the mark every few seconds
and, once the mark has stopped moving (a load commits many transactions; recomputing
between them would only slow the load), computes the recently asked whole-graph questions
again for the new mark, in the background, as the embedded server warms a reloaded graph.

The refresher also *follows* the mark for the requests (`FollowedMark`): it reads it every
half second, and a request takes the mark it last read instead of reading it itself. A kept
answer then costs no round trip at all, and a request no longer waits on Neo4j's slowest
replies to a `RETURN 1` (at a million messages they were most of its p99). A commit by
another process shows within one look, as the embedded server takes up a load within its
poll; a write through this connection shows at once (it forgets the followed mark).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = [
    "FOLLOW_SECONDS",
    "KEPT_ENTRIES",
    "KEPT_ROWS_ENTRIES",
    "KEPT_ROWS_WEIGHT",
    "KEPT_WEIGHT",
    "REFRESHED",
    "SETTLE_SECONDS",
    "UNFOLLOWED",
    "FollowedMark",
    "KeptAnswers",
    "KeptRefresher",
    "weight_of",
]

T = TypeVar("T")
log = logging.getLogger(__name__)

#: At most this many answers are kept, and at most this much `weight_of` them in all (a
#: hub's review ties list every patch of theirs): the least recently used go first.
KEPT_ENTRIES = 512
KEPT_WEIGHT = 4_000_000
#: How many of the most recently asked single questions a refresh computes again.
REFRESHED = 32
#: The same limits for the rows of per-key reads (a node, its lineage, its relations): many
#: more and smaller answers, kept apart so that a browsing client cannot push the costly
#: whole-graph answers out.
KEPT_ROWS_ENTRIES = 20_000
KEPT_ROWS_WEIGHT = 250_000  # rows and the lists in them: a few hundred MB at worst
#: How often a server's refresher reads the mark, which is how late a request may see a
#: commit made by another process; a followed mark older than three looks is not used
#: (the refresher is busy refreshing, or stuck): requests read the mark themselves then.
FOLLOW_SECONDS = 0.5
#: How long the mark must stay put before the refresher computes answers for it (a load
#: commits many transactions; recomputing between them would only slow the load).
SETTLE_SECONDS = 2.0
#: `FollowedMark.current` when no usable mark is followed (None is a mark: "none given").
UNFOLLOWED: Hashable = object()


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


def _alone(compute: Callable[[], T]) -> Callable[[list[Hashable]], list[T]]:
    """A single question's `compute` in the form `KeptAnswers.answers` takes."""
    return lambda _: [compute()]


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
        #: How to compute each single question (`answer`) again, most recently asked last;
        #: kept across marks, for `refresh`.
        self._again: OrderedDict[Hashable, Callable[[], Any]] = OrderedDict()

    @property
    def mark(self) -> Hashable | None:
        """The mark the kept answers are for (None before any)."""
        return self._mark

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
        with self._lock:
            self._again[question] = compute
            self._again.move_to_end(question)
            while len(self._again) > REFRESHED:
                self._again.popitem(last=False)
        return self.answers(mark, [question], _alone(compute))[0]

    def refresh(self, mark: Hashable | None) -> int:
        """Compute the recently asked single questions for `mark` (the database's new mark),
        most recent first, so that requests after a load find them kept; how many were
        computed. Stops at the first failure (the server is going away or busy: the
        requests will compute what is missing)."""
        if mark is None:
            return 0
        with self._lock:
            again = list(reversed(self._again.items()))
        for question, compute in again:
            self.answers(mark, [question], _alone(compute))
        return len(again)

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


class FollowedMark:
    """The database's mark as the refresher last read it, for requests to use without a
    round trip of their own; thread-safe.

    A write through the connection forgets it, from its start to its end (`writing`), and
    a mark read while a write was under way is not taken: the connection's own writes are
    always seen by its next request. Nothing is followed until `follow` is first called
    (no refresher: every request reads the mark), nor after `stop`.
    """

    def __init__(self, fresh_for: float = 3 * FOLLOW_SECONDS) -> None:
        self._fresh_for = fresh_for
        self._lock = threading.Lock()
        self._mark: Hashable = UNFOLLOWED
        self._read_at = 0.0
        self._writes = 0  # under way
        self._epoch = 0  # writes started or ended so far

    def epoch(self) -> int:
        """Take this before reading a mark to `follow`: a write in between voids the read."""
        with self._lock:
            return self._epoch

    def follow(self, mark: Hashable | None, epoch: int) -> None:
        """A mark just read (after `epoch`), for the requests to use."""
        with self._lock:
            if epoch == self._epoch and not self._writes:
                self._mark, self._read_at = mark, time.monotonic()

    def current(self) -> Hashable | None:
        """The followed mark, if read within `fresh_for` seconds; else `UNFOLLOWED`."""
        with self._lock:
            if time.monotonic() - self._read_at > self._fresh_for:
                return UNFOLLOWED
            return self._mark

    def stop(self) -> None:
        with self._lock:
            self._mark = UNFOLLOWED

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Around a write: no followed mark until it is over and the mark read again."""
        with self._lock:
            self._writes += 1
            self._epoch += 1
            self._mark = UNFOLLOWED
        try:
            yield
        finally:
            with self._lock:
                self._writes -= 1
                self._epoch += 1
                self._mark = UNFOLLOWED


class KeptRefresher:
    """A thread that follows the database's mark and computes kept answers again after it
    changes (`refresh`).

    Every `interval` seconds it reads the mark (`read_mark`, one round trip) and hands it to
    `followed`, if given, for the requests. When the mark differs from the kept answers' and
    has stayed put for `settle` seconds (the load that moved it has stopped committing), it
    refreshes them. Failures are logged and retried at the next look: a refresh is an
    optimisation, never needed for a right answer.
    """

    def __init__(
        self,
        kept: KeptAnswers,
        read_mark: Callable[[], Hashable | None],
        interval: float = FOLLOW_SECONDS,
        *,
        settle: float = SETTLE_SECONDS,
        followed: FollowedMark | None = None,
    ) -> None:
        self._kept = kept
        self._read_mark = read_mark
        self._interval = interval
        self._settle = settle
        self._followed = followed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kept-refresher", daemon=True)
        self.refreshes = 0  # how many refreshes ran (tests, logs)
        self.refreshed: Hashable | None = None  # the mark the last finished refresh was for

    def __enter__(self) -> KeptRefresher:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        if self._followed is not None:
            self._followed.stop()

    def _look(self) -> Hashable | None:
        """The mark now, followed for the requests."""
        if self._followed is None:
            return self._read_mark()
        epoch = self._followed.epoch()
        mark = self._read_mark()
        self._followed.follow(mark, epoch)
        return mark

    def _run(self) -> None:
        last: Hashable | None = UNFOLLOWED
        since = time.monotonic()
        while not self._stop.wait(self._interval):
            try:
                mark = self._look()
                if mark != last:
                    last, since = mark, time.monotonic()
                settled = mark is not None and time.monotonic() - since >= self._settle
                # (with nothing asked yet a refresh keeps nothing: `refreshed` stops a
                # refresh every look until the first question)
                if settled and mark not in (self._kept.mark, self.refreshed):
                    self._kept.refresh(mark)
                    self.refreshes += 1
                    self.refreshed = mark
            except Exception as exc:  # logged; the next look tries again
                log.warning("refreshing kept Neo4j answers failed: %s", exc)
