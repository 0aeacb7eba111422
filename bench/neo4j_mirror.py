"""Neo4j following the embedded database: what `load --db FILE --neo4j` costs (issue 13 item 3).

    .venv/bin/python bench/neo4j_mirror.py [--corpus kvm-ppc|virtualization|riscv]
                                           [--share 0.01] [--uri bolt://...]

A public-inbox bundle of the shared corpora is cloned once; each load runs as
`python -m graphapi load` in its own process, as a user runs it. Same run, same server:

- embedded: `--db` alone, fresh and then the last `share` of commits (the baseline);
- mirrored: `--db FILE --neo4j URI`, fresh (the whole graph written to Neo4j) and the same
  update (only the changed rows sent);
- merging: `--neo4j URI` alone, fresh and the same update (the older path, no corpus).

Without `--uri` a test server is started from `tests/neo4j/run-server` with a 512 MB page
cache (`NEO4J_TEST_SERVER_PAGECACHE`), as issue 17 measures online writes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from benchlib import INBOX_BUNDLES, ROOT, clone_inbox, commit_at, machine, print_table, temp_dir

from graphapi.store.neo4j_store import Neo4jSettings, Neo4jStore


def load(*args: str) -> tuple[float, str]:
    """(wall seconds, summary line) of one `graphapi load` process."""
    command = [sys.executable, "-m", "graphapi", "load", "--quiet", *args]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"load failed: {' '.join(command)}\n{done.stderr}")
    return elapsed, done.stdout.splitlines()[0]


def start_server() -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "NEO4J_TEST_SERVER_PAGECACHE": "512m"}
    server = subprocess.Popen(
        [str(ROOT / "tests" / "neo4j" / "run-server")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert server.stdout is not None
    return server, server.stdout.readline().strip()


def clear(uri: str) -> None:
    with Neo4jStore.connect(Neo4jSettings.from_env(uri)) as store:
        store.clear()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", choices=sorted(INBOX_BUNDLES), default="kvm-ppc")
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--uri")
    args = parser.parse_args()
    server, uri = (None, args.uri) if args.uri else start_server()
    try:
        with temp_dir("mirror") as scratch:
            rows = measure(Path(scratch), uri, args.corpus, args.share)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
    print(machine())
    print_table(
        f"{args.corpus}: fresh load and a {args.share:.0%} update, same run",
        ["store", "fresh s", "update s", "update / fresh", "vs embedded fresh"],
        rows,
    )


def measure(scratch: Path, uri: str, corpus: str, share: float) -> list[list[object]]:
    inbox = clone_inbox(INBOX_BUNDLES[corpus], scratch)
    cut = commit_at(inbox, share)
    runs: dict[str, tuple[float, float]] = {}
    for name in ("embedded", "mirrored", "merging"):
        db = scratch / f"{name}.db"
        store_args = {
            "embedded": ["--db", str(db)],
            "mirrored": ["--db", str(db), "--neo4j", uri],
            "merging": ["--neo4j", uri],
        }[name]
        if name != "embedded":
            clear(uri)
        fresh, _ = load(*store_args, str(inbox))
        if name != "embedded":
            clear(uri)
        db.unlink(missing_ok=True)
        load(*store_args, "--range", f"..{cut}", str(inbox))
        update, line = load(*store_args, str(inbox))
        print(f"{name}: fresh {fresh:.1f} s, update {update:.1f} s ({line})", flush=True)
        runs[name] = (fresh, update)
    base = runs["embedded"][0]
    return [
        [name, f"{fresh:.1f}", f"{update:.1f}", f"{update / fresh:.0%}", f"{fresh / base:.2f}x"]
        for name, (fresh, update) in runs.items()
    ]


if __name__ == "__main__":
    main()
