"""Shared helpers of the benchmark scripts: corpora, timing, the machine, tables.

Benchmarks are not tests (BENCHMARKS.md): nothing here asserts a number. Every figure a
script prints is a median of several runs, next to baselines measured in the same run, so
the ratios stay meaningful on a shared, noisy machine.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("BENCH_CORPORA", ROOT.parent / "shared" / "corpora"))
KVM_CC = CORPORA / "kvm-cc-2025plus.mbox.gz"
KVM_PPC_BUNDLE = CORPORA / "kvm-ppc.vger.kernel.org.0.bundle"
#: The public-inbox archives of the shared corpora, by the name benchmarks take.
INBOX_BUNDLES = {
    "virtualization": CORPORA / "virtualization.lists.linux-foundation.org.0.bundle",
    "kvm-ppc": KVM_PPC_BUNDLE,
    "riscv": CORPORA / "linux-riscv.lists.infradead.org.0.bundle",
}


def need(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"missing {path} (set BENCH_CORPORA to the shared corpora directory)")
    return path


def clone_inbox(bundle: Path, into: Path) -> Path:
    """`git clone --mirror` a public-inbox bundle (the layout lore serves) into `into`."""
    target = into / "inbox.git"
    subprocess.run(
        ["git", "clone", "--quiet", "--mirror", str(need(bundle)), str(target)], check=True
    )
    return target


def commit_at(repo: Path, share: float) -> str:
    """The commit of a public-inbox clone after which the last `share` of its commits come
    (`--range ..COMMIT` loads the rest first; the update then reads what follows)."""
    commits = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--reverse", "--all"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return commits[int(len(commits) * (1 - share)) - 1]


def temp_dir(prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A scratch directory outside the project (corpora and snapshots never land in it)."""
    return tempfile.TemporaryDirectory(prefix=f"graphapi-bench-{prefix}-")


def timed(action: Callable[[], object], runs: int) -> list[float]:
    """Wall-clock seconds of `runs` calls (the machine is shared: take the median)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    """One line: CPUs, CPU model, RAM, Python, load average (noise is worth knowing)."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({model}){memory}, Python {platform.python_version()}, "
        f"load average {load}"
    )


def print_table(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A Markdown table (pastes straight into BENCHMARKS.md)."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    sys.stdout.flush()


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base > 0 else "n/a"


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's waited-for children so far: the
    difference around a `subprocess.run` is that child's CPU."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
