"""The bulk export alone (`export-graph --format neo4j-import`), before and after, alternating.

    .venv/bin/python bench/neo4j_export.py --db A.db[,B.db] [--before REF] [--runs 3]
                                           [--workers 1,2]

For each database, each round runs the export of `--before` (a git revision of this
repository, its `graphapi` extracted by `git archive` into a scratch directory and put first
on `PYTHONPATH`) and then this tree's with each `--workers` count (`$GRAPHAPI_WORKERS`),
every run a child process into a fresh directory; rounds alternate, so the machine's load
falls on both alike. Prints medians of wall and CPU seconds (user + sys of the child and
its children), relationships per wall and CPU second, and whether each run's files equal
the first run's (`cmp` of every file). The database is not written (it must already have
its identity: export it once first), so copies of other sessions' databases serve.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchlib import ROOT, children_cpu, machine, median, print_table, temp_dir

PY = sys.executable


def _export(path: str, db: str, out: Path, workers: int) -> tuple[float, float, int]:
    """(wall s, CPU s, relationships) of one export child."""
    env = {**os.environ, "PYTHONPATH": path, "GRAPHAPI_WORKERS": str(workers)}
    args = ["-m", "graphapi", "export-graph", "--db", db, "--format", "neo4j-import"]
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(
        [PY, *args, "--output", str(out)], env=env, check=True, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    words = done.stdout.split() or done.stderr.split()
    rels = int(words[words.index("relationships") - 1]) if "relationships" in words else 0
    return wall, children_cpu() - cpu, rels


def _same(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.iterdir())
    if names != sorted(p.name for p in b.iterdir()):
        return False
    return all((a / n).read_bytes() == (b / n).read_bytes() for n in names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="comma-separated database files")
    parser.add_argument("--before", default="main", help="git revision to compare with")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", default="1,2", help="worker counts of this tree")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    with temp_dir("export-bench") as tmp:
        scratch = Path(tmp)
        before = scratch / "before"
        before.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.before, "graphapi", "loaders"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
        sides = [(f"{args.before}", str(before), 1)]
        sides += [(f"this tree, {n} process(es)", str(ROOT), n) for n in counts]
        rows = []
        for db in args.db.split(","):
            times: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in sides}
            same: dict[str, bool] = {label: True for label, _, _ in sides}
            first = scratch / "first"
            rels = 0
            for run in range(args.runs):
                for label, path, workers in sides:
                    out = scratch / "out"
                    wall, cpu, rels = _export(path, db, out, workers)
                    times[label].append((wall, cpu))
                    if not first.exists():
                        out.rename(first)
                    else:
                        same[label] = same[label] and _same(first, out)
                        shutil.rmtree(out)
                    print(
                        f"{Path(db).name} run {run + 1} {label}: {wall:.2f} s, {cpu:.2f} CPU s",
                        file=sys.stderr,
                    )
            shutil.rmtree(first)
            base = median([w for w, _ in times[sides[0][0]]])
            for label, _, _ in sides:
                wall = median([w for w, _ in times[label]])
                cpu = median([c for _, c in times[label]])
                rows.append(
                    [
                        Path(db).name,
                        label,
                        f"{wall:.2f}",
                        f"{cpu:.2f}",
                        f"{rels / wall:,.0f}",
                        f"{rels / cpu:,.0f}",
                        f"{wall / base:.2f}",
                        "yes" if same[label] else "NO",
                    ]
                )
        print(machine())
        print_table(
            f"export-graph --format neo4j-import, median of {args.runs} alternating runs",
            [
                "database",
                "code",
                "wall s",
                "CPU s",
                "rel/s wall",
                "rel/CPU s",
                "wall / before",
                "same files",
            ],
            rows,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
