"""The db lock: one holder at a time, a waiter told who holds it, no lock file left over.

`flock` locks belong to an open file description, so two `db_lock`s in one process exclude
each other as two processes would; threads stand in for processes here (the real
two-process case is in test_load_hardening.py).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from graphapi.dblock import db_lock, lock_path


def test_a_second_locker_waits_and_is_told_who_holds_it(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    told: list[str] = []
    acquired = threading.Event()

    def second() -> None:
        with db_lock(db, on_wait=told.append):
            acquired.set()

    with db_lock(db):
        assert Path(lock_path(db)).read_text() == f"{os.getpid()}\n"
        thread = threading.Thread(target=second)
        thread.start()
        assert not acquired.wait(0.3)  # still waiting while we hold it
        assert told == [f"pid {os.getpid()}"]
    thread.join(timeout=30)
    assert acquired.is_set()
    assert list(tmp_path.iterdir()) == []  # the lock file goes with its last holder


def test_never_two_holders_while_lock_files_come_and_go(tmp_path: Path) -> None:
    """Each holder removes the lock file before releasing it; a waiter that wins the lock
    on a removed file must notice and try again, or two would hold 'the' lock at once."""
    db = tmp_path / "g.db"
    holders, most = 0, 0
    guard = threading.Lock()

    def contend() -> None:
        nonlocal holders, most
        for _ in range(25):
            with db_lock(db):
                with guard:
                    holders += 1
                    most = max(most, holders)
                time.sleep(0.001)
                with guard:
                    holders -= 1

    threads = [threading.Thread(target=contend) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert most == 1
    assert list(tmp_path.iterdir()) == []


def test_an_exception_releases_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    try:
        with db_lock(db):
            raise RuntimeError("load failed")
    except RuntimeError:
        pass
    with db_lock(db, on_wait=lambda holder: (_ for _ in ()).throw(AssertionError(holder))):
        pass  # taken at once: nobody was told to wait
