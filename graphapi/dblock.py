"""One load at a time per `--db`: an exclusive `flock` on a lock file beside it (`DB.lock`).

Why a lock: a load reads the snapshot, adds its messages and writes the whole snapshot back.
Two loads at once both read the old snapshot, and the one that renames last drops the
other's messages. With the lock the second load waits (saying so on stderr) and then reads
the snapshot the first one wrote, so both loads' messages are kept. Readers (`serve`,
`query`) take no lock: the snapshot is replaced by an atomic rename.

Why `flock` on a separate file: the kernel releases it when the holder dies, even by
SIGKILL, so a killed load never leaves the db locked; the snapshot itself is replaced by a
rename, so a lock on it would guard an inode that is about to vanish. The holder removes the
lock file before releasing it, and a waiter that then wins the lock on the removed file
notices (the path names another file, or none) and tries again: no litter, no two holders.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator

from graphapi.errors import SnapshotError

__all__ = ["LOCK_SUFFIX", "db_lock", "lock_path"]

LOCK_SUFFIX = ".lock"


def lock_path(db: str | os.PathLike[str]) -> str:
    """The lock file of a db: the db's path plus `.lock`."""
    return os.fspath(db) + LOCK_SUFFIX


@contextlib.contextmanager
def db_lock(
    db: str | os.PathLike[str], on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the db's lock for the block; wait for it if another load holds it.

    `on_wait` is called once, with a description of the holder, before waiting.
    """
    path = lock_path(db)
    fd = _acquire(path, on_wait)
    try:
        _record_holder(fd)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)  # before releasing: a waiter on this file then retries
        os.close(fd)


def _acquire(path: str, on_wait: Callable[[str], None] | None) -> int:
    """A descriptor of `path` holding its exclusive lock, `path` still naming that file."""
    warned = False
    while True:
        fd = _open(path)
        try:
            if not _try_lock(fd):
                if on_wait is not None and not warned:
                    on_wait(_holder(fd))
                    warned = True
                _lock(fd, path)
            if _is_current(fd, path):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the holder removed this file as it finished: lock the next one


def _open(path: str) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise SnapshotError(f"cannot create lock file {path}: {exc.strerror}") from exc


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        raise SnapshotError(f"cannot lock the db: {exc.strerror}") from exc
    return True


def _lock(fd: int, path: str) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError as exc:
        raise SnapshotError(f"cannot lock {path}: {exc.strerror}") from exc


def _is_current(fd: int, path: str) -> bool:
    """Whether `path` still names the file `fd` is open on."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _record_holder(fd: int) -> None:
    """Write our pid into the lock file, for the message a waiting load prints."""
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)


def _holder(fd: int) -> str:
    """'pid N' from the lock file, when the holder wrote it; else 'another process'."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return f"pid {text}" if text.isdigit() else "another process"
