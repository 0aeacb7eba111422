"""Ingest benchmark: the whole `graphapi load` pipeline against its baselines (BENCHMARKS.md 1).

    .venv/bin/python bench/ingest.py [--corpus kvm-ppc|kvm-cc|all] [--runs 3]

For each corpus, the same messages go through, in this one run:

- I/O floor: public-inbox: `git rev-list` plus `git cat-file --batch` of every `m` blob;
  mbox: reading, gunzipping and splitting the file (`loaders.sources.mbox`).
- parse floor: `email.message_from_bytes(raw, policy=compat32)` per message, in memory.
- Perceval: GrimoireLab Perceval's mbox backend (`MBox(...).fetch()`, installed from PyPI
  into its own venv under /tmp, never into the project's), over the same messages as an mbox.
- `parse_mail` in this process, and `parse_many` on every CPU ($GRAPHAPI_WORKERS overrides).
- the whole pipeline, as `graphapi load --db NEW SOURCE` does it: read the source, parse,
  assemble, build the graph (networkx) and write the snapshot; with every CPU and with one.
- the pipeline's stages: `rebuild` (assemble, batch, networkx write), snapshot write and read.

Medians of `--runs` interleaved runs (every row once per round, so load from elsewhere hits
all rows alike); ratios are against baselines measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from email.policy import compat32
from pathlib import Path
from typing import Any

from benchlib import (
    KVM_CC,
    KVM_PPC_BUNDLE,
    clone_inbox,
    machine,
    median,
    need,
    print_table,
    ratio,
    temp_dir,
    timed,
)

# The project is imported inside the functions, not here: graphapi costs ~0.5 s to import,
# which only the benchmarks that need it should pay.
SERVER_START = "  stage: server start (read_snapshot graph only + warm)"
PERCEVAL_VENV = Path(os.environ.get("BENCH_PERCEVAL_VENV", "/tmp/graphapi-bench/perceval-venv"))
PERCEVAL_SCRIPT = """
import logging, sys, time
logging.disable(logging.CRITICAL)
from perceval.backends.core.mbox import MBox
start = time.perf_counter()
count = sum(1 for _ in MBox("bench", sys.argv[1]).fetch())
print(count, time.perf_counter() - start)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=["kvm-ppc", "kvm-cc", "all"], default="all")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from loaders.mail.parallel import worker_count

    print(f"machine: {machine()}; workers: {worker_count()}")
    perceval = perceval_python()
    for name in ("kvm-ppc", "kvm-cc"):
        if args.corpus in (name, "all"):
            with temp_dir(name) as scratch:
                bench_corpus(name, Path(scratch), args.runs, perceval)


def bench_corpus(name: str, scratch: Path, runs: int, perceval: Path | str) -> None:
    from graphapi.loading import rebuild
    from graphapi.snapshot import read_snapshot, write_snapshot
    from loaders.mail.message import parse_mail
    from loaders.mail.parallel import parse_many, worker_count
    from loaders.sources import mbox, publicinbox

    if name == "kvm-ppc":
        source = clone_inbox(KVM_PPC_BUNDLE, scratch)
        items = list(publicinbox.iter_messages(source))
        io_floor = ("I/O floor: git cat-file --batch of every m blob", lambda: cat_file(source))
    else:
        source = need(KVM_CC)
        items = list(mbox.iter_messages(source))
        io_floor = ("I/O floor: read, gunzip and split the mbox", lambda: list_mbox(source))
    count = len(items)
    db = scratch / "bench.db"
    workers = worker_count()
    state: dict[str, Any] = {}

    def with_one_worker() -> None:
        with one_worker():
            pipeline(source, db)

    rows: list[tuple[str, Callable[[], object]]] = [
        io_floor,
        ("parse floor: email.message_from_bytes(compat32)", lambda: parse_floor(items)),
        ("parse_mail, one process", lambda: [parse_mail(raw, o) for o, raw in items]),
        (f"parse_many, {workers} workers", lambda: list(parse_many(items))),
        (f"whole pipeline (graphapi load), {workers} workers", lambda: pipeline(source, db)),
        ("whole pipeline (graphapi load), 1 worker", with_one_worker),
        (SERVER_START, lambda: read_snapshot(db, corpus=False).warm()),
        ("  stage: read_snapshot with the corpus (a load's start)", lambda: read_snapshot(db)),
        ("  stage: rebuild (assemble + batch + networkx write)", lambda: rebuild(state["store"])),
        ("  stage: write_snapshot", lambda: write_snapshot(state["store"], db)),
    ]
    times: dict[str, list[float]] = {label: [] for label, _ in rows}
    peer_times: list[float] = []
    peer_note = ""
    for _ in range(runs):  # interleaved, so load from elsewhere hits every row alike
        for label, action in rows:
            if label.endswith("rebuild (assemble + batch + networkx write)"):
                state["store"] = read_snapshot(db)  # untimed: the read has its own row
            times[label] += timed(action, 1)
        peer_time, peer_note = run_perceval(perceval, items, source, scratch)
        peer_times += [peer_time] if peer_time else []
    floor = median(times[rows[1][0]])
    peer = median(peer_times) if peer_times else 0.0
    pipeline_time = median(times[rows[4][0]])
    measured = [(label, median(times[label]), "") for label, _ in rows]
    measured.insert(2, ("Perceval mbox backend (GrimoireLab, from PyPI)", peer, peer_note))
    print_table(
        f"{name}: {count} messages, {workers} workers, median of {runs} interleaved runs",
        ["what", "median s", "msg/s", "vs parse floor", "vs Perceval", "note"],
        [
            (
                label,
                f"{t:.2f}",
                f"{count / t:,.0f}" if t else "-",
                ratio(floor, t),
                ratio(peer, t),
                note,
            )
            for label, t, note in measured
        ],
    )
    verdict = "met" if floor / pipeline_time >= 1.3 else "NOT met"
    print(f"\ntarget pipeline >= 1.3x parse floor: {floor / pipeline_time:.2f}x ({verdict})")
    if peer:
        verdict = "met" if peer / pipeline_time >= 5 else "NOT met"
        print(f"target pipeline >= 5x Perceval: {peer / pipeline_time:.2f}x ({verdict})")
    start = median(times[SERVER_START]) / pipeline_time
    verdict = "met" if start <= 0.10 else "NOT met"
    print(f"target server start <= 10% of ingest: {start:.1%} ({verdict})")


def parse_floor(items: list[tuple[str, bytes]]) -> None:
    for _origin, raw in items:
        email.message_from_bytes(raw, policy=compat32)


def list_mbox(path: Path) -> int:
    from loaders.sources import mbox

    return sum(1 for _ in mbox.iter_messages(path))


def cat_file(git_dir: Path) -> int:
    """Every `m` blob through one `git cat-file --batch` (the inbox reader's own floor)."""
    git = ["git", f"--git-dir={git_dir}"]
    commits = subprocess.run([*git, "rev-list", "HEAD"], capture_output=True, check=True)
    requests = b"".join(commit + b":m\n" for commit in commits.stdout.split())
    out = subprocess.run([*git, "cat-file", "--batch"], input=requests, capture_output=True)
    return len(out.stdout)


def pipeline(source: Path, db: Path) -> None:
    """`graphapi load --db NEW SOURCE`: a fresh snapshot from one source."""
    from graphapi.loading import load_sources
    from graphapi.snapshot import read_snapshot, write_snapshot

    db.unlink(missing_ok=True)
    store = read_snapshot(db, missing_ok=True)
    load_sources(store, [source])
    write_snapshot(store, db)


@contextlib.contextmanager
def one_worker() -> Iterator[None]:
    """Parse in-process, as GRAPHAPI_WORKERS=1 asks."""
    from loaders.mail.parallel import WORKERS_ENV

    saved = os.environ.get(WORKERS_ENV)
    os.environ[WORKERS_ENV] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(WORKERS_ENV, None)
        else:
            os.environ[WORKERS_ENV] = saved


# --- Perceval ----------------------------------------------------------------------------


def perceval_python() -> Path | str:
    """The Perceval venv's python (created on first use); a reason string when impossible."""
    python = PERCEVAL_VENV / "bin" / "python"
    if python.exists():
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PERCEVAL_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "perceval"],
            check=True,
            timeout=900,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        return f"not installed ({type(exc).__name__}: {exc})"
    return python


def run_perceval(
    python: Path | str, items: list[tuple[str, bytes]], source: Path, scratch: Path
) -> tuple[float, str]:
    """Seconds of one Perceval fetch() over the messages, timed inside its own process."""
    if isinstance(python, str):
        return 0.0, python
    folder = scratch / "perceval"
    if not folder.exists():
        folder.mkdir()
        if source.suffix == ".gz":
            (folder / source.name).symlink_to(source)  # Perceval gunzips it itself
        else:
            from graphapi.sample import write_mboxrd

            write_mboxrd((raw for _, raw in items), folder / "messages.mbox")
    out = subprocess.run(
        [str(python), "-c", PERCEVAL_SCRIPT, str(folder)], capture_output=True, text=True
    )
    if out.returncode != 0:
        return 0.0, f"failed: {out.stderr.strip().splitlines()[-1:]}"
    count, elapsed = out.stdout.split()
    return float(elapsed), f"yields {count} items"


if __name__ == "__main__":
    main()
