"""Parse many raw messages on every core: worker processes fed in chunks, results in order.

Why processes: parsing is pure Python, so threads would take turns on one core. Why chunks:
a task per message would cost more in inter-process traffic than the parse itself. The parsed
records go back to the parent, whose single core also reads the source and unpickles every
record, so they travel as `loaders.fastpickle` writes them (rebuilt by calling their class).

Why plain child processes (`python -m loaders.mail.worker`) talking over their stdin/stdout
pipes rather than `multiprocessing`: a pool's forkserver, resource tracker and workers
outlived a killed parent by many minutes, holding the terminal's stdout (a pipe reader then
never sees EOF). Here nothing but the workers is started, and each worker:

- has its stdout wired to the parent, so it never holds the caller's stdout;
- asks Linux to kill it when its parent dies (`PR_SET_PDEATHSIG`), first thing, before it
  imports the parser, then checks the parent is still the one that started it (a parent
  killed before the request landed). Linux counts the thread that started the worker as its
  parent, so a pool is used from the thread that started it (a generator consumed where it
  was created);
- elsewhere, or if that fails, exits when its stdin reaches EOF: only the parent holds the
  write end, so EOF means the parent has closed it or died;
- ignores SIGINT: Ctrl-C reaches the whole process group, and the parent handles it.

Chunk `i` goes to worker `i % n`, so results are read back in input order without a queue.
The parent writes each worker's chunks from a thread of its own, so it never waits on a
worker that is itself waiting for the parent to read its answer. Small inputs are parsed in-process,
where starting workers would cost more than it saves.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import warnings
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from loaders import fastpickle
from loaders.errors import LoaderError
from loaders.mail.message import parse_mail
from loaders.records import Message

__all__ = [
    "MIN_PARALLEL",
    "WORKERS_ENV",
    "WorkerError",
    "parse_many",
    "serve_chunks",
    "worker_count",
]

#: Inputs with fewer messages than this are parsed in-process.
MIN_PARALLEL = 500
#: Environment variable overriding the default worker count (1 parses in-process).
WORKERS_ENV = "GRAPHAPI_WORKERS"

_CHUNK_MESSAGES = 256
_CHUNK_BYTES = 4 << 20  # a chunk closes at this many raw bytes (one huge message is alone)
_IN_FLIGHT_PER_WORKER = 3  # chunks queued per worker: keeps workers busy, bounds memory
_FRAME = struct.Struct("<Q")  # length prefix of every message on a worker pipe
_PIPE_BYTES = 1 << 20


_Chunk = list[tuple[str, bytes]]


class WorkerError(LoaderError):
    """A parse worker died or could not be started (out of memory, killed by someone)."""


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


# --- the parent's side ---------------------------------------------------------------------


class _Worker:
    """One worker process and the thread writing its chunks (so the parent never waits on a
    pipe: reading the source, dealing chunks and unpickling answers go on meanwhile)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.requests: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.writer = threading.Thread(target=self._write, daemon=True)
        self.writer.start()

    def send(self, chunk: _Chunk) -> None:
        self.requests.put(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL))

    def receive(self) -> list[Message]:
        assert self.process.stdout is not None
        data = _read_frame(self.process.stdout)
        if data is None:
            raise WorkerError(self._death())
        messages: list[Message] = pickle.loads(data)
        return messages

    def _write(self) -> None:
        """Thread: frames to the worker's stdin; None (or a dead worker) closes it."""
        stdin = self.process.stdin
        assert stdin is not None
        with contextlib.suppress(OSError, ValueError):  # a dead worker: `receive` says why
            while (data := self.requests.get()) is not None:
                stdin.write(_FRAME.pack(len(data)))
                stdin.write(data)
                stdin.flush()
        with contextlib.suppress(OSError, ValueError):
            stdin.close()  # EOF: the worker exits once it has answered

    def _death(self) -> str:
        """Why the worker stopped answering, in words (its exit status, once it has one)."""
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return f"parse worker {self.process.pid} stopped answering"
        if code < 0:
            return f"parse worker {self.process.pid} was killed by signal {-code}"
        return f"parse worker {self.process.pid} exited with status {code}"


def _parse_in_pool(items: Iterator[tuple[str, bytes]], count: int) -> Iterator[Message]:
    """Deal chunks round-robin to `count` workers, a few per worker ahead; yield in order."""
    workers = _start_workers(count)
    pending: deque[_Worker] = deque()
    try:
        for index, chunk in enumerate(_chunks(items)):
            worker = workers[index % count]
            worker.send(chunk)
            pending.append(worker)
            if len(pending) >= count * _IN_FLIGHT_PER_WORKER:
                yield from pending.popleft().receive()
        while pending:
            yield from pending.popleft().receive()
    finally:
        _stop_workers(workers)


def _start_workers(count: int) -> list[_Worker]:
    """`count` workers running `loaders.mail.worker`; their stderr is ours (a crash is not
    hidden)."""
    root = str(Path(__file__).resolve().parents[2])  # import `loaders` from where we did
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}
    command = [sys.executable, "-m", "loaders.mail.worker", str(os.getpid())]
    workers: list[_Worker] = []
    try:
        for _ in range(count):
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
            )
            _widen_pipes(process)
            workers.append(_Worker(process))
    except OSError as exc:
        _stop_workers(workers)
        raise WorkerError(f"cannot start a parse worker: {exc.strerror}") from exc
    return workers


def _widen_pipes(process: subprocess.Popen[bytes]) -> None:
    """Ask Linux for 1 MiB pipes (from 64 KiB): a chunk crosses in a few writes, not dozens."""
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None)
    for pipe in (process.stdin, process.stdout):
        if setpipe is not None and pipe is not None:
            with contextlib.suppress(OSError):  # above /proc/sys/fs/pipe-max-size: keep it
                fcntl.fcntl(pipe.fileno(), setpipe, _PIPE_BYTES)


def _stop_workers(workers: list[_Worker]) -> None:
    """Close every worker's input, kill any still busy (an early stop), reap them all."""
    for worker in workers:
        worker.requests.put(None)
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.kill()  # idle ones would exit at EOF; busy ones' work is unwanted
    for worker in workers:
        worker.process.wait()
        worker.writer.join()
        if worker.process.stdout is not None:
            worker.process.stdout.close()


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


def _read_frame(stream: IO[bytes]) -> bytes | None:
    """One length-prefixed frame, or None at EOF (also at EOF inside a frame)."""
    header = stream.read(_FRAME.size)
    if len(header) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(header)
    data = stream.read(size)
    return data if len(data) == size else None


# --- the worker's side ---------------------------------------------------------------------


def _parse_chunk(chunk: _Chunk) -> bytes:
    """Worker: parse one chunk and pickle the records with the fast reducers."""
    return fastpickle.dumps([parse_mail(raw, origin) for origin, raw in chunk])


def serve_chunks() -> None:
    """Worker: parse chunks from stdin until EOF (the parent is done, or died); answers to
    stdout. Started by `loaders.mail.worker`, which first arranged to die with the parent."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while (frame := _read_frame(stdin)) is not None:
        answer = _parse_chunk(pickle.loads(frame))
        try:
            stdout.write(_FRAME.pack(len(answer)))
            stdout.write(answer)
            stdout.flush()
        except BrokenPipeError:
            break  # nobody is reading: the parent stopped or died
    os._exit(0)  # without flushing a broken stdout again
