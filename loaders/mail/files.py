"""Files a message touches: the diff when there is one, else the diffstat.

Diffstats shorten long paths (`.../kvm/arm64/set_id_regs.c`); a `FileResolver` completes
them from the full paths seen elsewhere in the same load, so one file is one node.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from loaders.records import FileChange, Message

__all__ = ["FileResolver", "files_of", "is_full", "raw_files", "shortened_tail", "suffixes"]

_SHORT = ".../"


class FileResolver:
    """Completes `.../tail` paths against the full paths known in a load."""

    def __init__(self, messages: list[Message], known: Iterable[str] = ()) -> None:
        """`known`: full paths seen elsewhere (the corpus, when only a region of it is
        assembled: `graphapi.region`)."""
        self._known: set[str] = set(known)
        for message in messages:
            self._known.update(c.path for c in raw_files(message) if is_full(c))
        self._by_tail: dict[str, list[str]] | None = None

    def resolve(self, change: FileChange) -> FileChange:
        """The change with its full path when exactly one known path ends with the tail."""
        tail = shortened_tail(change.path)
        if tail is None:
            return change
        candidates = self._paths_ending_with(tail)
        if len(candidates) != 1:
            return change
        return replace(change, path=candidates[0], shortened=False)

    def _paths_ending_with(self, tail: str) -> list[str]:
        """Known paths equal to `tail` or ending with `/tail`: an index of every path's
        suffixes at `/` boundaries, built on the first shortened path (a scan of all known
        paths per shortened path was the slowest step of assembling kvm-cc)."""
        if self._by_tail is None:
            self._by_tail = {}
            for path in self._known:
                for suffix in suffixes(path):
                    self._by_tail.setdefault(suffix, []).append(path)
        return self._by_tail.get(tail, [])


def shortened_tail(path: str) -> str | None:
    """What follows `.../` in a path a diffstat shortened; None for any other path."""
    _, short, tail = path.partition(_SHORT)
    return tail if short else None


def is_full(change: FileChange) -> bool:
    """Whether the path is whole (one a shortened path can be completed with)."""
    return not change.shortened and _SHORT not in change.path


def suffixes(path: str) -> Iterator[str]:
    """`path` and each of its tails after a `/` (what a `.../tail` can complete)."""
    start = 0
    while True:
        yield path[start:]
        start = path.find("/", start) + 1
        if not start:
            return


def raw_files(message: Message) -> tuple[FileChange, ...]:
    """The files as the message states them (shortened paths left as they are)."""
    info = message.info
    if info.diff_files:
        return info.diff_files
    if info.diffstat is not None:
        return info.diffstat.files
    return ()


def files_of(message: Message, resolver: FileResolver) -> tuple[FileChange, ...]:
    """The files of one message, shortened paths completed where possible."""
    return tuple(resolver.resolve(change) for change in raw_files(message))
