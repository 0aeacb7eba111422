"""Giving the C heap's free pages back to the system between a load's phases.

CPython keeps small objects in its own arenas, but anything over 512 bytes (message
bodies, large dicts and lists) comes from the C library's `malloc`. When a phase frees such
objects in the middle of glibc's heap (parsing drops each body once the message is held
slim, assembly drops its indexes), the pages stay resident: glibc returns memory on its
own only from the top of the heap. The next phase builds the graph mostly from small
objects in CPython's arenas, which cannot use those pages, so they count in the load's
peak for nothing (about 40 MiB of a fresh virtualization load's 277). `malloc_trim(0)`
returns every free page (`madvise`), in milliseconds.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable

__all__ = ["give_back"]


@functools.cache
def _trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where there is none (musl, macOS): nothing to do."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim  # the process' own C library
    except (OSError, AttributeError, TypeError):
        return None
    return trim


def give_back() -> None:
    """Return the C heap's free pages to the system (call after a phase that freed much)."""
    trim = _trim()
    if trim is not None:
        trim(0)
