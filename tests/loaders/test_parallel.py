"""parse_many: the same records as parsing one by one, in order, with no process left behind."""

from __future__ import annotations

import itertools
import os
import signal
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from loaders.mail.message import parse_mail
from loaders.mail.parallel import (
    _CHUNK_MESSAGES,
    MIN_PARALLEL,
    WORKERS_ENV,
    WorkerError,
    parse_many,
    worker_count,
)


def _raw(index: int) -> bytes:
    """A varied message: patches with trailers and diffs, replies, one without Message-ID."""
    kind = index % 4
    headers = [f"From: Dev {index % 7} <dev{index % 7}@example.com>"]
    if kind != 3:
        headers.append(f"Message-ID: <m{index}@example.com>")
    headers += [f"Subject: [PATCH v{index % 3 + 1} {index % 5}/4] area: change {index}"]
    headers += ["Date: Tue, 25 Nov 2025 19:10:43 +0100", ""]
    body = [f"Change {index}.", "", f"Signed-off-by: Dev <dev{index % 7}@example.com>", "---"]
    if kind == 1:
        body += [" a/b.c | 2 +-", " 1 file changed, 1 insertion(+), 1 deletion(-)", ""]
        body += ["diff --git a/a/b.c b/a/b.c", "--- a/a/b.c", "+++ b/a/b.c", "@@ -1 +1 @@"]
        body += ["-old", "+new"]
    if kind == 2:
        body = ["> quoted", "", f"Reviewed-by: R <r{index}@example.com>"]
    return "\n".join(headers + body).encode()


def _items(count: int) -> list[tuple[str, bytes]]:
    return [(f"test#{index}", _raw(index)) for index in range(count)]


def _children() -> list[int]:
    """Parse workers this process has started and not yet reaped (Linux /proc)."""
    found: list[int] = []
    tasks = Path("/proc/self/task")
    for task in tasks.iterdir() if tasks.exists() else []:
        for child in (task / "children").read_text().split():
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"loaders.mail.worker" in cmdline:
                found.append(int(child))
    return found


def test_parallel_results_equal_sequential_and_keep_order() -> None:
    items = _items(MIN_PARALLEL * 3 + 17)
    assert list(parse_many(items, workers=2)) == [parse_mail(raw, o) for o, raw in items]
    assert not _children()


def test_small_inputs_and_one_worker_parse_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*_: object) -> Iterator[object]:
        raise AssertionError("no pool expected")

    monkeypatch.setattr("loaders.mail.parallel._parse_in_pool", no_pool)
    small = _items(MIN_PARALLEL - 1)
    assert list(parse_many(iter(small), workers=2)) == [parse_mail(r, o) for o, r in small]
    large = _items(MIN_PARALLEL + 1)
    assert list(parse_many(large, workers=1)) == [parse_mail(r, o) for o, r in large]
    assert list(parse_many([], workers=4)) == []


def test_stopping_early_leaves_no_worker_behind() -> None:
    results = parse_many(_items(MIN_PARALLEL * 4), workers=2)
    assert next(results).key == "m0@example.com"
    results.close()
    assert not _children()


def test_worker_count_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert worker_count() == 3
    assert worker_count(5) == 5  # an explicit count wins
    monkeypatch.setenv(WORKERS_ENV, "0")
    assert worker_count() == 1
    monkeypatch.setenv(WORKERS_ENV, "many")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert worker_count() >= 1
    assert "GRAPHAPI_WORKERS" in str(caught[0].message)
    monkeypatch.delenv(WORKERS_ENV)
    assert worker_count() >= 1


def test_a_worker_killed_midway_is_one_clear_error() -> None:
    results = parse_many(_items(MIN_PARALLEL * 8), workers=2)
    assert next(results).key == "m0@example.com"
    workers = _children()
    assert len(workers) == 2
    os.kill(workers[1], signal.SIGKILL)
    with pytest.raises(WorkerError, match=r"parse worker \d+ was killed by signal 9"):
        for _ in results:
            pass
    assert not _children()


def test_workers_ignore_ctrl_c_the_parent_handles_it() -> None:
    """SIGINT reaches the whole process group; a worker printing a KeyboardInterrupt
    traceback of its own would bury the parent's one line."""
    results = parse_many(_items(MIN_PARALLEL * 4), workers=2)
    first = list(itertools.islice(results, 2 * _CHUNK_MESSAGES + 1))  # both workers answered
    workers = _children()
    for pid in workers:
        os.kill(pid, signal.SIGINT)
    assert len(first) + len(list(results)) == MIN_PARALLEL * 4
    assert not _children()
