"""Parse many raw messages on every core: a process pool fed in chunks, results in order.

Why processes: parsing is pure Python, so threads would take turns on one core. Why chunks:
a task per message would cost more in inter-process traffic than the parse itself. The parsed
records go back to the parent, whose single core also reads the source and unpickles every
record, so they travel as `loaders.fastpickle` writes them (rebuilt by calling their class).

The pool is started with "forkserver" (or "spawn" where there is none), never plain
"fork": the public-inbox reader runs a thread, and forking a threaded process is unsafe.
Small inputs are parsed in-process, where starting workers would cost more than it saves.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import warnings
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from loaders import fastpickle
from loaders.mail import parse_mail
from loaders.records import Message

__all__ = ["MIN_PARALLEL", "WORKERS_ENV", "parse_many", "worker_count"]

#: Inputs with fewer messages than this are parsed in-process.
MIN_PARALLEL = 500
#: Environment variable overriding the default worker count (1 parses in-process).
WORKERS_ENV = "GRAPHAPI_WORKERS"

_CHUNK_MESSAGES = 256
_CHUNK_BYTES = 4 << 20  # a chunk closes at this many raw bytes (one huge message is alone)
_IN_FLIGHT_PER_WORKER = 3  # chunks queued per worker: keeps workers busy, bounds memory

_Chunk = list[tuple[str, bytes]]


def parse_many(items: Iterable[tuple[str, bytes]], workers: int | None = None) -> Iterator[Message]:
    """`parse_mail(raw, origin)` for each `(origin, raw)`, in input order, on `workers` cores.

    `workers` defaults to `$GRAPHAPI_WORKERS`, else the CPUs this process may use; with one
    worker, or fewer than `MIN_PARALLEL` messages, everything is parsed in this process.
    The results equal sequential parsing. Closing the iterator early stops the workers.
    """
    count = worker_count(workers)
    iterator = iter(items)
    head = list(itertools.islice(iterator, MIN_PARALLEL)) if count > 1 else []
    if count <= 1 or len(head) < MIN_PARALLEL:
        yield from (parse_mail(raw, origin) for origin, raw in itertools.chain(head, iterator))
        return
    yield from _parse_in_pool(itertools.chain(head, iterator), count)


def worker_count(workers: int | None = None) -> int:
    """`workers` if given, else `$GRAPHAPI_WORKERS`, else the number of usable CPUs."""
    if workers is not None:
        return max(1, workers)
    value = os.environ.get(WORKERS_ENV, "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            warnings.warn(f"{WORKERS_ENV}={value!r} is not a number; ignored", stacklevel=3)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _parse_in_pool(items: Iterator[tuple[str, bytes]], count: int) -> Iterator[Message]:
    """Feed chunks to a pool, at most a few per worker ahead; yield results in order."""
    pool = ProcessPoolExecutor(max_workers=count, mp_context=_context())
    pending: deque[Future[bytes]] = deque()
    try:
        for chunk in _chunks(items):
            pending.append(pool.submit(_parse_chunk, chunk))
            if len(pending) >= count * _IN_FLIGHT_PER_WORKER:
                yield from _loads(pending.popleft().result())
        while pending:
            yield from _loads(pending.popleft().result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one, its server importing the parser once for all workers."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", __name__])  # takes effect if not yet running
    return context


def _chunks(items: Iterator[tuple[str, bytes]]) -> Iterator[_Chunk]:
    chunk: _Chunk = []
    size = 0
    for item in items:
        chunk.append(item)
        size += len(item[1])
        if len(chunk) >= _CHUNK_MESSAGES or size >= _CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _parse_chunk(chunk: _Chunk) -> bytes:
    """Worker: parse one chunk and pickle the records with the fast reducers."""
    return fastpickle.dumps([parse_mail(raw, origin) for origin, raw in chunk])


def _loads(data: bytes) -> list[Message]:
    messages: list[Message] = pickle.loads(data)
    return messages
