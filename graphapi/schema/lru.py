"""A bounded, thread-safe least-recently-used memo: what the per-text caches of a request
(parsed documents, validation, cost measures) share. Requests run on several threads; the
value is computed outside the lock (two threads may compute one key, both get an equal value).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["KeptLru"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class KeptLru(Generic[K, V]):
    """At most `size` answers, the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, compute: Callable[[], V]) -> V:
        """The kept answer for `key`, else `compute()` (kept)."""
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        value = compute()
        with self._lock:
            self._answers[key] = value
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return value
