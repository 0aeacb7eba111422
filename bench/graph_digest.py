"""Graph digests of the shared corpora: the check that a speed change changed no output.

    .venv/bin/python bench/graph_digest.py [--corpus kvm-ppc,riscv,virtualization,kvm-cc,digest]
                                           [--keep DIR]

Each corpus is loaded fresh, as a user loads it (`python -m graphapi load --db NEW SOURCE`,
one parse worker), and the database's `nodes` and `edges` tables are printed as row counts
and a SHA-256 of their sorted rows. Run it on two commits (e.g. in two worktrees) and compare
the lines: equal digests mean equal graphs, row for row (a message node's `origin` holds the
source's path, so read the corpora through the same path, `$BENCH_CORPORA` or the default
`../shared/corpora`, in both). Not a timing benchmark: the load
times are printed only to show what it cost. `--keep DIR` keeps the databases there.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from benchlib import CORPORA, clone_inbox, machine, temp_dir

SOURCES = {
    "kvm-ppc": "kvm-ppc.vger.kernel.org.0.bundle",
    "riscv": "linux-riscv.lists.infradead.org.0.bundle",
    "virtualization": "virtualization.lists.linux-foundation.org.0.bundle",
    "kvm-cc": "kvm-cc-2025plus.mbox.gz",
    "digest": "kvm-digest-810a535b1..2da7ebe7a.txt",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=",".join(SOURCES))
    parser.add_argument("--keep", type=Path, help="keep the databases in this directory")
    args = parser.parse_args()
    print(machine())
    with temp_dir("digest") as scratch:
        keep = args.keep or Path(scratch)
        keep.mkdir(parents=True, exist_ok=True)
        for name in args.corpus.split(","):
            source = CORPORA / SOURCES[name]
            if source.suffix == ".bundle":
                source = clone_inbox(source, Path(scratch) / name)
            print(digest_line(name, source, keep / f"{name}.db"), flush=True)


def digest_line(name: str, source: Path, db: Path) -> str:
    """Load `source` into a new `db`; the tables' row counts and digests, one line."""
    for stale in db.parent.glob(db.name + "*"):
        stale.unlink()
    env = dict(os.environ, GRAPHAPI_WORKERS="1")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "graphapi", "load", "--quiet", "--db", str(db), str(source)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - start
    conn = sqlite3.connect(db)
    try:
        parts = [f"{table} {count} {digest}" for table, (count, digest) in _tables(conn)]
    finally:
        conn.close()
    return f"{name}: " + " | ".join(parts) + f" (load {seconds:.1f} s)"


def _tables(conn: sqlite3.Connection) -> list[tuple[str, tuple[int, str]]]:
    return [(table, _digest(conn, table)) for table in ("nodes", "edges")]


def _digest(conn: sqlite3.Connection, table: str) -> tuple[int, str]:
    rows = sorted(conn.execute(f"SELECT * FROM {table}"))
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(row).encode("utf-8", "surrogateescape"))
    return len(rows), digest.hexdigest()[:16]


if __name__ == "__main__":
    main()
