"""Update benchmark: what a load costs when it adds a little, or nothing (BENCHMARKS.md 5).

    .venv/bin/python bench/updates.py [--corpus virtualization|kvm-ppc|riscv] [--share 0.01]
                                      [--runs 3]

The archive is a public-inbox bundle of the shared corpora, cloned once into a scratch
directory. Each load runs as `python -m graphapi load` in its own process (wall time, and
peak RSS from `os.wait4`, which covers the parse workers), as a user runs it:

- fresh: the whole archive into a new database;
- update: the archive's first (1 - share) of commits loaded untimed with `--range ..C`, then
  the rest timed (the public-inbox cursor continues after C): the target is <= 5 % of fresh;
  the same update on a copy, with incremental updates off (the whole graph rebuilt), beside;
- nothing new: the whole archive again into the fresh database: the target is <= 0.5 s;
- serving: the RSS a process adds reading the database as `graphapi serve` does (graph only,
  then `warm()`), per message: the target is <= 4 KiB;
- served update: a `graphapi serve` on the updated database, the update load run against it,
  and the seconds from the load's end until the server answers with the new message count
  (target: within 2 s).

Every process reads the project's bytecode from a cache in the scratch directory, filled
before the first timed load (`PYTHONPYCACHEPREFIX`), as an installed package's is: with
`PYTHONDONTWRITEBYTECODE` set and no `__pycache__`, each process would compile every module
again (~0.1 s of a 1 % update's ~1 s).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

from benchlib import INBOX_BUNDLES, clone_inbox, machine, median, print_table, temp_dir

SERVE_RSS = """
import resource, sys
from graphapi.snapshot import read_snapshot
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
before = rss()
store = read_snapshot(sys.argv[1], corpus=False).warm()
print(rss() - before, store.graph.number_of_nodes(), flush=True)
"""


class LoadRun(NamedTuple):
    """One `graphapi load` process: wall seconds, peak RSS (MiB, its parse workers too),
    its own CPU seconds (user + system; not its parse workers'), its summary line."""

    seconds: float
    peak_mib: float
    cpu: float
    line: str


#: The environment of every process the benchmark starts (`use_bytecode_cache`).
ENV = dict(os.environ)


def use_bytecode_cache(scratch: Path) -> None:
    """Give every process started from here on the bytecode cache `scratch/pycache`, and
    fill it (an import of what a load and a server import)."""
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    warm = "import graphapi.cli, graphapi.loading, graphapi.snapshot, graphapi.app"
    subprocess.run([sys.executable, "-c", warm], env=ENV, check=True)


def run_load(db: Path, *args: str, whole: bool = False) -> LoadRun:
    """Run one `graphapi load`; `whole`: with incremental updates off
    (`GRAPHAPI_INCREMENTAL=0`), every load rebuilds."""
    command = [sys.executable, "-m", "graphapi", "load", "--db", str(db), *args]
    env = dict(ENV, GRAPHAPI_INCREMENTAL="0") if whole else ENV
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    assert process.stdout is not None
    out = process.stdout.read().strip().splitlines()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"load failed: {' '.join(command)}")
    cpu = usage.ru_utime + usage.ru_stime
    return LoadRun(elapsed, usage.ru_maxrss / 1024, cpu, out[0] if out else "")


def copy_database(source: Path, target: Path) -> None:
    """A copy of a closed database (its WAL too, if one was left)."""
    for suffix in ("", "-wal"):
        if Path(f"{target}{suffix}").exists():
            Path(f"{target}{suffix}").unlink()
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def commits(inbox: Path) -> list[str]:
    out = subprocess.run(
        ["git", f"--git-dir={inbox}", "rev-list", "--reverse", "--topo-order", "--all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split()


def messages_in(line: str) -> int:
    """Messages held after a load: `read` of a fresh load (its first number)."""
    return int(line.split()[1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def served_messages(port: int) -> int | None:
    body = json.dumps({"query": "{ stats { messages } }"}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", body, {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(json.load(response)["data"]["stats"]["messages"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def served_update(db: Path, inbox: Path, cut: str) -> tuple[float, float]:
    """(update load s, seconds from its end until the server serves the new graph)."""
    db.unlink(missing_ok=True)
    run_load(db, "--range", f"..{cut}", str(inbox))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "graphapi", "serve", "--db", str(db), "--port", str(port)],
        stderr=subprocess.DEVNULL,
        env=ENV,
    )
    try:
        deadline = time.monotonic() + 300
        while (before := served_messages(port)) is None:
            if time.monotonic() > deadline:
                sys.exit("the server did not start")
            time.sleep(0.2)
        seconds = run_load(db, str(inbox)).seconds
        ended = time.perf_counter()
        while served_messages(port) == before:
            if time.perf_counter() - ended > 120:
                return seconds, float("inf")
            time.sleep(0.05)
        return seconds, time.perf_counter() - ended
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=sorted(INBOX_BUNDLES), default="virtualization")
    parser.add_argument("--share", type=float, default=0.01, help="share of commits updated")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with temp_dir("updates") as scratch:
        root = Path(scratch)
        use_bytecode_cache(root)
        inbox = clone_inbox(INBOX_BUNDLES[args.corpus], root)
        history = commits(inbox)
        cut = history[int(len(history) * (1 - args.share)) - 1]
        fresh_db, update_db = root / "fresh.db", root / "update.db"
        whole_db = root / "whole.db"
        fresh, updates, wholes, nothing, peaks = [], [], [], [], []
        cpu: dict[str, list[float]] = {"fresh": [], "nothing": [], "update": [], "whole": []}
        line = ""
        for _ in range(args.runs):
            fresh_db.unlink(missing_ok=True)
            run = run_load(fresh_db, str(inbox))
            fresh.append(run.seconds)
            cpu["fresh"].append(run.cpu)
            peaks.append(run.peak_mib)
            line = run.line
            run = run_load(fresh_db, str(inbox))
            nothing.append(run.seconds)
            cpu["nothing"].append(run.cpu)
            update_db.unlink(missing_ok=True)
            run_load(update_db, "--range", f"..{cut}", str(inbox))
            copy_database(update_db, whole_db)
            run = run_load(update_db, str(inbox))
            updates.append(run.seconds)
            cpu["update"].append(run.cpu)
            run = run_load(whole_db, str(inbox), whole=True)
            wholes.append(run.seconds)
            cpu["whole"].append(run.cpu)
        count = messages_in(line)
        rss = subprocess.run(
            [sys.executable, "-c", SERVE_RSS, str(fresh_db)],
            capture_output=True,
            text=True,
            check=True,
            env=ENV,
        ).stdout.split()
        load_seconds, taken_up = served_update(root / "served.db", inbox, cut)
        size = fresh_db.stat().st_size
    f, u, n, w = median(fresh), median(updates), median(nothing), median(wholes)
    share, update_cpu, whole_cpu = args.share, _cpu(cpu, "update"), _cpu(cpu, "whole")
    print_table(
        f"Updates on {args.corpus} ({count:,} messages, {len(history):,} commits, "
        f"update = last {args.share:.0%} of commits; medians of {args.runs})",
        ["load", "wall s", "vs fresh", "main-process CPU s", "target"],
        [
            ["fresh", f"{f:.2f}", "1.00x", *_cpu(cpu, "fresh"), ""],
            [f"update ({share:.0%} new)", f"{u:.2f}", f"{u / f:.2%}", *update_cpu, "<= 5 %"],
            ["the same update, rebuilding whole", f"{w:.2f}", f"{w / f:.2%}", *whole_cpu, ""],
            ["nothing new", f"{n:.2f}", f"{n / f:.2%}", *_cpu(cpu, "nothing"), "<= 0.5 s"],
        ],
    )
    print_table(
        f"Memory and serving on {args.corpus}",
        ["figure", "value", "target"],
        [
            ["load peak RSS per message (KiB)", f"{max(peaks) * 1024 / count:.1f}", "<= 8"],
            ["serving RSS per message (KiB)", f"{int(rss[0]) / count:.1f}", "<= 4"],
            ["database size per message (KiB)", f"{size / 1024 / count:.1f}", ""],
            ["update load under a server (s)", f"{load_seconds:.2f}", ""],
            ["server serves it after the load (s)", f"{taken_up:.2f}", "<= 2"],
        ],
    )


def _cpu(cpu: dict[str, list[float]], row: str) -> list[str]:
    """A row's median CPU seconds: the load process's own (the parse workers, children of
    the pool's process, are not in it), the part an update's short way changes."""
    return [f"{median(cpu[row]):.2f}"]


if __name__ == "__main__":
    main()
