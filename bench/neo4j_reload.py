"""What a second `graphapi load --neo4j` of an archive costs (issue 13 item 3).

    .venv/bin/python bench/neo4j_reload.py [--neo4j URI] [--baseline REV] [--share 0.01]

The kvm-ppc archive (public-inbox bundle, cloned into a scratch directory) is loaded with
`python -m graphapi load --neo4j URI ARCHIVE` into an emptied database, then loaded again:

- again: the same archive, nothing new (with cursors kept in Neo4j it reads nothing);
- update: the archive's first (1 - share) of commits loaded with `--range ..C`, then the
  whole archive (the rest is new: with cursors only those commits are read).

Wall seconds of each load, per tree: this one, and `git archive REV` with `--baseline REV`
(the same children on the older code, for a before/after table). The server: `--neo4j URI`
(or $NEO4J_URI), else the test server from `tests/neo4j/run-server`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from benchlib import KVM_PPC_BUNDLE, ROOT, clone_inbox, commit_at, print_table, temp_dir

sys.path.insert(0, str(ROOT))


def _load(tree: Path, uri: str, *args: str) -> float:
    """Wall seconds of one `graphapi load --neo4j` run from `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "graphapi", "load", "--quiet", "--neo4j", uri, *args],
        cwd=tree,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - started
    print(f"{tree.name} {args[:-1]}: {seconds:.1f} s, {done.stdout.splitlines()[0]}", flush=True)
    return seconds


def _clear(uri: str) -> None:
    from neo4j import GraphDatabase

    with GraphDatabase.driver(uri, auth=None) as driver, driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS").consume()


def _row(tree: Path, name: str, uri: str, repo: Path, share: float) -> list[object]:
    _clear(uri)
    first = _load(tree, uri, str(repo))
    again = _load(tree, uri, str(repo))
    _clear(uri)
    _load(tree, uri, "--range", f"..{commit_at(repo, share)}", str(repo))
    update = _load(tree, uri, str(repo))
    return [name, f"{first:.1f}", f"{again:.1f}", f"{update:.1f}"]


@contextlib.contextmanager
def _server(uri: str | None) -> Iterator[str]:
    if uri:
        yield uri
        return
    from tests.neo4j_server import neo4j_server

    with neo4j_server() as started:
        yield started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neo4j", default=os.environ.get("NEO4J_URI"))
    parser.add_argument("--baseline", help="also run `git archive REV` of this repository")
    parser.add_argument("--share", type=float, default=0.01)
    args = parser.parse_args()
    with temp_dir("neo4j-reload") as scratch, _server(args.neo4j) as uri:
        repo = clone_inbox(KVM_PPC_BUNDLE, Path(scratch))
        trees = [(Path(ROOT), "this tree")]
        if args.baseline:
            base = Path(scratch) / "baseline"
            base.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", args.baseline],
                check=True,
                capture_output=True,
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
            trees.insert(0, (base, f"baseline {args.baseline}"))
        rows = [_row(tree, name, uri, repo, args.share) for tree, name in trees]
    print_table(
        "second `graphapi load --neo4j` of kvm-ppc (wall seconds; the first tree runs on a "
        "cold JVM)",
        ["tree", "first load", "again (nothing new)", f"update ({args.share:.0%} new)"],
        rows,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
