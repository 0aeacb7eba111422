"""Progress of a load: a bar on a terminal, plain lines otherwise, nothing when asked.

Parsing is what takes the time of a load, so progress is counted in messages parsed, per
source. On a terminal (stderr) a tqdm bar shows the count, messages per second and the time
left when the total is known (public-inbox: the commits to read; Maildir: the new files; an
mbox: estimated from the bytes read so far). Elsewhere (a log, CI) one plain line is printed
every `PLAIN_EVERY` seconds and one at the end of each source; `--quiet` prints nothing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Protocol, TypeVar

__all__ = ["PLAIN_EVERY", "Progress", "Reporter", "reporter_for"]

T = TypeVar("T")

#: Seconds between two plain progress lines.
PLAIN_EVERY = 10.0


class Progress(Protocol):
    """Counts one source's messages as they are parsed."""

    def track(self, items: Iterable[T], total: Callable[[int], int | None]) -> Iterator[T]:
        """`items`, counted; `total(done)` says how many there will be (None: unknown)."""
        ...


Reporter = Callable[[str], Progress]


class _Silent:
    def track(self, items: Iterable[T], total: Callable[[int], int | None]) -> Iterator[T]:
        yield from items


class _Lines:
    """One line every `PLAIN_EVERY` seconds, and one when the source is done."""

    def __init__(self, label: str, stream: IO[str]) -> None:
        self._label, self._stream = label, stream

    def track(self, items: Iterable[T], total: Callable[[int], int | None]) -> Iterator[T]:
        started = last = time.monotonic()
        done = 0
        for item in items:
            done += 1
            yield item
            now = time.monotonic()
            if now - last >= PLAIN_EVERY:
                last = now
                self._line(done, total(done), now - started)
        if done:
            self._line(done, None, time.monotonic() - started)  # the count is exact now

    def _line(self, done: int, total: int | None, seconds: float) -> None:
        rate = done / seconds if seconds > 0 else 0.0
        of = f" of ~{total:,}" if total else ""
        print(
            f"{self._label}: {done:,}{of} messages parsed ({rate:,.0f}/s)",
            file=self._stream,
            flush=True,
        )


class _Bar:
    """A tqdm bar whose total is refined as the estimate improves."""

    def __init__(self, label: str, stream: IO[str]) -> None:
        self._label, self._stream = label, stream

    def track(self, items: Iterable[T], total: Callable[[int], int | None]) -> Iterator[T]:
        from tqdm import tqdm

        with tqdm(
            desc=self._label, total=total(0), unit=" msg", file=self._stream, leave=False
        ) as bar:
            for done, item in enumerate(items, start=1):
                yield item
                bar.update(1)
                if done % 256 == 0:
                    guess = total(done)
                    if guess and guess != bar.total:
                        bar.total = max(guess, done)
                        bar.refresh()


def reporter_for(quiet: bool, stream: IO[str] | None = None) -> Reporter:
    """What `graphapi load` shows: nothing (`quiet`), a bar on a terminal, else lines."""
    out = stream if stream is not None else sys.stderr
    if quiet:
        return lambda label: _Silent()
    if out.isatty():
        return lambda label: _Bar(label, out)
    return lambda label: _Lines(label, out)


def silent(label: str) -> Progress:
    """The reporter of library calls: loads called from code print no progress."""
    return _Silent()
