"""Scale benchmark: how ingest time and memory grow with the archive (BENCHMARKS.md 4).

    .venv/bin/python bench/scale.py [--sizes 6000,21000,95000] [--runs 1]
    .venv/bin/python bench/scale.py --sizes 6000,21000,95000,1000000   # adds the synthetic 1M

Each size is a synthetic list from `graphapi.sample` (deterministic: same size, same bytes),
written as an mbox in a scratch directory. The load runs as `python -m graphapi load --db NEW
MBOX` in its own subprocess, so the wall time and the peak RSS (`os.wait4` rusage, which
covers the parse workers too) belong to that load alone. A second subprocess then opens the
snapshot as `graphapi serve` starts: `read_snapshot` (the target: <= 10% of the ingest time),
then `warm()` (derived indexes, timed apart and given up on after `--warm-limit` seconds),
then one GraphQL query (series count, newest titles, message count), which shows it serves;
that process's peak RSS is printed, and the RSS the read and the warm added: its slope from
the smallest to the largest size is the serving memory per message. Targets (issue 13): time
ratio <= 1.2 x message ratio against the smallest size; a load's peak RSS <= 8 KiB per
message; serving <= 4 KiB per message; 1M loads and serves.

`--keep DIR` writes the mboxes and databases there and keeps them (default: a scratch
directory, removed at the end); an mbox already there is reused (same size, same bytes).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchlib import machine, median, print_table, temp_dir

from graphapi.sample import generate_messages, write_sample_mbox

START_SCRIPT = """
import sys, time
from graphapi.snapshot import read_snapshot
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
before = rss()
started = time.perf_counter()
store = read_snapshot(sys.argv[1], corpus=False)  # as `graphapi serve` reads it
print(time.perf_counter() - started, flush=True)
store.warm()
print(time.perf_counter() - started, flush=True)
print(rss() - before, flush=True)  # KiB the graph and its indexes added
from graphapi.cli import run_query
answer = run_query(store, QUERY, None)
assert "errors" not in answer, answer
print(time.perf_counter() - started, answer["data"]["stats"]["messages"], flush=True)
""".replace(
    "QUERY",
    repr("{ allSeries(first: 3) { totalCount edges { node { title } } } stats { messages } }"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="6000,21000,95000", help="messages, comma-separated")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--warm-limit", type=float, default=300.0, help="seconds to wait for store.warm()"
    )
    parser.add_argument("--keep", help="a directory for the mboxes and databases, kept")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"machine: {machine()}")
    per_series = sum(1 for _ in generate_messages(1000, 1)) / 1000  # messages per series
    rows = []
    served: list[tuple[int, float]] = []  # (messages, serving RSS KiB added)
    base: tuple[int, float, float] | None = None
    with temp_dir("scale") as scratch_dir:
        scratch = Path(args.keep or scratch_dir)
        scratch.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            mbox = scratch / f"sample-{size}.mbox"
            series = max(1, round(size / per_series))
            if mbox.exists():  # kept by an earlier run: the same bytes, only counted
                with mbox.open("rb") as handle:
                    count = sum(1 for line in handle if line.startswith(b"From mboxrd@z "))
            else:
                count = write_sample_mbox(mbox, series_count=series)
            db = scratch / f"scale-{size}.db"
            loads = [load(mbox, db) for _ in range(args.runs)]
            seconds = median([t for t, _ in loads])
            rss = max(r for _, r in loads)
            serve = server_start(db, args.warm_limit)
            warm = f"{serve.warm:.1f}" if serve.warm is not None else f"> {args.warm_limit:.0f}"
            served.append((count, serve.added))
            snapshot_mib = db.stat().st_size / 2**20
            growth, slope = "-", "-"
            if base is not None:
                slope = f"{(rss - base[2]) * 1024 / (count - base[0]):.1f}"
                time_ratio, size_ratio = seconds / base[1], count / base[0]
                verdict = "met" if time_ratio <= 1.2 * size_ratio else "NOT met"
                growth = f"{time_ratio:.2f} / {size_ratio:.2f} ({verdict})"
            base = base or (count, seconds, rss)
            rows.append(
                [
                    f"{count:,}",
                    f"{seconds:.1f}",
                    f"{count / seconds:,.0f}",
                    growth,
                    f"{rss:,.0f}",
                    f"{rss * 1024 / count:.1f}",
                    slope,
                    f"{snapshot_mib:,.0f}",
                    f"{serve.read:.2f}",
                    f"{serve.read / seconds:.1%} "
                    f"({'met' if serve.read <= 0.1 * seconds else 'NOT met'})",
                    warm,
                    serve.answered,
                    f"{serve.rss:,.0f}",
                    f"{serve.added / count:.1f}" if serve.added else "-",
                ]
            )
            if not args.keep:
                mbox.unlink()
                db.unlink()
            print(
                f"{count} messages: {seconds:.1f} s, peak RSS {rss:,.0f} MiB "
                f"({rss * 1024 / count:.1f} KiB/msg); served: {serve.answered}, "
                f"peak RSS {serve.rss:,.0f} MiB",
                flush=True,
            )
    print_table(
        f"synthetic lists (graphapi.sample), `graphapi load` subprocess, median of {args.runs}",
        [
            "messages",
            "ingest s",
            "msg/s",
            "time ratio / msg ratio vs smallest",
            "peak RSS MiB",
            "KiB per msg",
            "peak slope KiB/msg vs smallest",
            "snapshot MiB",
            "read_snapshot s",
            "read_snapshot vs ingest",
            "read + warm s",
            "query answered (s, messages)",
            "serving peak RSS MiB",
            "serving RSS added KiB per msg",
        ],
        rows,
    )
    (small, small_rss), (large, large_rss) = served[0], served[-1]
    if large > small and small_rss and large_rss:
        slope = (large_rss - small_rss) / (large - small)
        verdict = "met" if slope <= 4 else "NOT met"
        print(f"serving memory slope {small:,} -> {large:,} messages: {slope:.2f} KiB per message")
        print(f"(target <= 4: {verdict})")


def load(mbox: Path, db: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of `graphapi load --db DB MBOX` into a fresh snapshot."""
    db.unlink(missing_ok=True)
    command = [sys.executable, "-m", "graphapi", "load", "--db", str(db), str(mbox)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"load of {mbox} failed with {process.returncode}")
    return elapsed, usage.ru_maxrss / 1024  # Linux reports KiB


@dataclass(slots=True)
class Serve:
    """A server start: read_snapshot s, + warm s (None: past the limit), the query's answer
    ("s, messages" or "-"), the process's peak RSS MiB, and the RSS KiB the read and the
    warm added (0: given up)."""

    read: float
    warm: float | None
    answered: str
    rss: float
    added: float


def server_start(db: Path, limit: float) -> Serve:
    """A new process opens `db` as `graphapi serve` does and answers one query.

    `graphapi serve` warms the store's derived indexes before serving; that step is timed
    apart (and given up on after `limit` seconds) because it can grow faster than the graph.
    """
    process = subprocess.Popen(
        [sys.executable, "-c", START_SCRIPT, str(db)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    read = float(process.stdout.readline())
    timer = threading.Timer(limit, process.kill)
    timer.start()
    try:
        lines = process.stdout.read().split("\n")
        _pid, _status, usage = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
    process.returncode = 0
    warm = float(lines[0]) if lines and lines[0] else None
    added = float(lines[1]) if len(lines) > 1 and lines[1] else 0.0
    answered = "-"
    if len(lines) > 2 and lines[2]:
        seconds, messages = lines[2].split()
        answered = f"{float(seconds) - (warm or 0):.2f}, {int(messages):,}"
    return Serve(read, warm, answered, usage.ru_maxrss / 1024, added)


if __name__ == "__main__":
    main()
