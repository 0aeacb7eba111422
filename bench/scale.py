"""Scale benchmark: how ingest time and memory grow with the archive (BENCHMARKS.md 4).

    .venv/bin/python bench/scale.py [--sizes 6000,21000,95000] [--runs 1]
    .venv/bin/python bench/scale.py --sizes 6000,21000,95000,1000000   # adds the synthetic 1M

Each size is a synthetic list from `graphapi.sample` (deterministic: same size, same bytes),
written as an mbox in a scratch directory. The load runs as `python -m graphapi load --db NEW
MBOX` in its own subprocess, so the wall time and the peak RSS (`os.wait4` rusage, which
covers the parse workers too) belong to that load alone. A second subprocess then opens the
snapshot as `graphapi serve` starts: `read_snapshot` (the target: <= 10% of the ingest time),
then `warm()` (derived indexes, timed apart and given up on after `--warm-limit` seconds),
and the RSS both added: its slope from the smallest to the largest size is the serving
memory per message (issue 13: <= 4 KiB).
Target for growth: time ratio <= 1.2 x message ratio against the smallest size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
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
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="6000,21000,95000", help="messages, comma-separated")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--warm-limit", type=float, default=300.0, help="seconds to wait for store.warm()"
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"machine: {machine()}")
    per_series = sum(1 for _ in generate_messages(1000, 1)) / 1000  # messages per series
    rows = []
    served: list[tuple[int, float]] = []  # (messages, serving RSS KiB)
    base: tuple[int, float] | None = None
    with temp_dir("scale") as scratch:
        for size in sizes:
            mbox = Path(scratch) / f"sample-{size}.mbox"
            count = write_sample_mbox(mbox, series_count=max(1, round(size / per_series)))
            loads = [load(mbox, Path(scratch) / "scale.db") for _ in range(args.runs)]
            seconds = median([t for t, _ in loads])
            rss = max(r for _, r in loads)
            read, start, serving = server_start(Path(scratch) / "scale.db", args.warm_limit)
            warm = f"{start:.1f}" if start is not None else f"> {args.warm_limit:.0f}"
            served.append((count, serving))
            snapshot_mib = (Path(scratch) / "scale.db").stat().st_size / 2**20
            growth = "-"
            if base is not None:
                time_ratio, size_ratio = seconds / base[1], count / base[0]
                verdict = "met" if time_ratio <= 1.2 * size_ratio else "NOT met"
                growth = f"{time_ratio:.2f} / {size_ratio:.2f} ({verdict})"
            base = base or (count, seconds)
            rows.append(
                [
                    f"{count:,}",
                    f"{seconds:.1f}",
                    f"{count / seconds:,.0f}",
                    growth,
                    f"{rss:,.0f}",
                    f"{rss * 1024 / count:.1f}",
                    f"{snapshot_mib:,.0f}",
                    f"{read:.2f}",
                    f"{read / seconds:.1%} ({'met' if read <= 0.1 * seconds else 'NOT met'})",
                    warm,
                    f"{serving / count:.1f}" if serving else "-",
                ]
            )
            mbox.unlink()
            print(f"{count} messages: {seconds:.1f} s, peak RSS {rss:,.0f} MiB", flush=True)
    print_table(
        f"synthetic lists (graphapi.sample), `graphapi load` subprocess, median of {args.runs}",
        [
            "messages",
            "ingest s",
            "msg/s",
            "time ratio / msg ratio vs smallest",
            "peak RSS MiB",
            "KiB per msg",
            "snapshot MiB",
            "read_snapshot s",
            "read_snapshot vs ingest",
            "read + warm s",
            "serving RSS KiB per msg",
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


def server_start(db: Path, limit: float) -> tuple[float, float | None, float]:
    """(read_snapshot s, read_snapshot + warm s or None past `limit`, RSS KiB the read and
    the warm added, 0 when given up), timed in a new process.

    `graphapi serve` warms the store's derived indexes before serving; that step is timed
    apart (and given up on after `limit` seconds) because it can grow faster than the graph.
    """
    process = subprocess.Popen(
        [sys.executable, "-c", START_SCRIPT, str(db)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    read = float(process.stdout.readline())
    try:
        process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return read, None, 0.0
    return read, float(process.stdout.readline()), float(process.stdout.readline())


if __name__ == "__main__":
    main()
