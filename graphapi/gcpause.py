"""Pausing Python's cyclic garbage collector around bulk work.

Loading builds millions of small, long-lived, acyclic objects (records, graph attributes).
Each allocation burst triggers the collector, and every third-generation pass walks the
whole, ever larger heap again: on kvm-cc that was about 30% of a load's CPU in the parent
and half of a snapshot read. Reference counting still frees everything as usual.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["paused_gc"]


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic collector off for the block, back to its previous state after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def settle_long_lived() -> None:
    """Call when a long-lived structure (the served graph) is in place, and again when it is
    replaced: the objects alive now move out of the collector's sight (`gc.freeze`), so a
    full collection triggered by request garbage no longer walks millions of graph objects
    (a pause of a hundred milliseconds or more in the middle of some request: the p99).
    Unfreezing first lets the previous graph, which networkx's cached views make cyclic, be
    collected."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
