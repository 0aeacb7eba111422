"""Neo4j write benchmark (BENCHMARKS.md 3): the same records into Neo4j and into networkx.

    .venv/bin/python bench/neo4j_load.py [--server test|tuned | --neo4j URI] [--runs 3]
                                    [--baseline REV] [--pagecache 512m]

The kvm-ppc archive (public-inbox bundle, cloned into a scratch directory) is parsed and
assembled into one `GraphBatch`; each run then times, in a fresh child process:

- networkx: `NetworkXStore().write(batch)` (the baseline: "the networkx build time of the
  same records");
- Neo4j: `Neo4jStore.write(batch)` into an emptied database (its node and relationship
  phases apart: relationships/s of the whole write and of the relationship phase), then the
  same batch again (a re-load: every node and relationship already there);
- end to end: `python -m graphapi load --neo4j URI ARCHIVE` into an emptied database, next
  to `python -m graphapi load --db NEW ARCHIVE`.

`--baseline REV` runs the same children on `git archive REV` of this repository too
(interleaved with this tree, run by run), for before/after tables.

The server: `--neo4j URI` (or $NEO4J_URI) uses a running one. Otherwise one is started from
`tests/neo4j/run-server`: `--server test` as the test suite runs it (C1 JIT only, 1 GiB heap,
64 MiB page cache: tuned to start fast), `--server tuned` (default) as a Neo4j is run for
real (full JIT, 2 GiB heap, 512 MiB page cache). Either way one untimed write per tree goes
first: a fresh JVM compiles the write path during its first load, which is not what a
long-running database costs. Medians of `--runs` runs, the trees' order alternating run by
run. The machine is shared, so next to wall-clock times the table gives CPU seconds: of the
writing process, and of the Neo4j JVM when this script started it (its CPU time moves far
less than its wall time when other work competes for the cores).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchlib import KVM_PPC_BUNDLE, ROOT, clone_inbox, machine, median, print_table, temp_dir

TUNED_JAVA_OPTS = "-XX:TieredStopAtLevel=4 -Xms2g -Xmx2g"
TUNED_PAGECACHE = "512m"

CHILD = """
import json, os, sys, time
from graphapi.corpus import Corpus
from graphapi.ingest import batch_from_assembly
from graphapi.reading import parse_sources
from graphapi.store.neo4j_store import Neo4jSettings, Neo4jStore
from graphapi.store.networkx_store import NetworkXStore
from loaders.assembly.assemble import assemble
from loaders.identity.companies import load_company_map

def server_cpu(pid):
    if not pid:
        return 0.0
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def main():
    uri, repo, pid = sys.argv[1], sys.argv[2], sys.argv[3]
    parsed = parse_sources([repo], None, {})
    batch = batch_from_assembly(assemble(parsed.messages, parsed.people), load_company_map())
    nx = NetworkXStore()
    started = time.perf_counter()
    nx.write(batch)
    nx_seconds = time.perf_counter() - started
    with Neo4jStore.connect(Neo4jSettings.from_env(uri)) as store:
        store.clear()
        store.ensure_schema()
        cpu, server = time.process_time(), server_cpu(pid)
        store.write(batch)
        cpu, server = time.process_time() - cpu, server_cpu(pid) - server
        fresh = store.last_write
        store.write(batch)
        again = store.last_write
        counts = store.counts()
    print(json.dumps({
        "nodes": counts[0], "rels": counts[1],
        "nx_nodes": nx.graph.number_of_nodes(), "nx_rels": nx.graph.number_of_edges(),
        "nx": nx_seconds, "neo": fresh.seconds, "neo_nodes": fresh.node_seconds,
        "neo_rels": fresh.seconds - fresh.node_seconds, "again": again.seconds,
        "client_cpu": cpu, "server_cpu": server,
    }))

if __name__ == "__main__":
    main()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neo4j", metavar="URI", default=os.environ.get("NEO4J_URI"))
    parser.add_argument("--server", choices=["test", "tuned"], default="tuned")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", metavar="REV")
    parser.add_argument(
        "--pagecache", metavar="SIZE", help="the started server's page cache (e.g. 512m)"
    )
    args = parser.parse_args()
    if args.pagecache:
        os.environ["NEO4J_TEST_SERVER_PAGECACHE"] = args.pagecache
    print(f"machine: {machine()}")
    with temp_dir("neo4j") as scratch_name:
        scratch = Path(scratch_name)
        repo = clone_inbox(KVM_PPC_BUNDLE, scratch)
        trees = {"this tree": ROOT}
        if args.baseline:
            trees[f"baseline {args.baseline}"] = export_tree(args.baseline, scratch / "baseline")
        with server(args.neo4j, args.server) as uri:
            print(f"server: {uri if args.neo4j else args.server + ' (started here)'}")
            for tree in trees.values():
                write_once(tree, uri, repo)  # warm-up, not counted
            writes: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
            loads: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
            for run in range(args.runs):
                order = list(trees.items())
                for name, tree in order if run % 2 == 0 else reversed(order):
                    writes[name].append(write_once(tree, uri, repo))
                    loads[name].append(load_once(tree, uri, repo, scratch))
        print(f"load average after the runs: {' / '.join(f'{v:.1f}' for v in os.getloadavg())}")
    report(writes, loads)


def export_tree(rev: str, into: Path) -> Path:
    """The project at `rev` (`git archive`), to run its code next to this tree's."""
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


SERVER_PID = ""  # the Neo4j JVM this script started ("" for one given by --neo4j)
MARK = "GRAPHAPI_BENCH_SERVER"


@contextlib.contextmanager
def server(uri: str | None, kind: str) -> Iterator[str]:
    global SERVER_PID
    if uri:
        yield uri
        return
    sys.path.insert(0, str(ROOT))
    from tests.neo4j_server import neo4j_server

    saved = dict(os.environ)
    os.environ.pop("NEO4J_URI", None)
    os.environ[MARK] = str(os.getpid())
    if kind == "tuned":
        os.environ["NEO4J_TEST_SERVER_JAVA_OPTS"] = TUNED_JAVA_OPTS
        os.environ.setdefault("NEO4J_TEST_SERVER_PAGECACHE", TUNED_PAGECACHE)
    try:
        with neo4j_server() as started:
            os.environ.clear()
            os.environ.update(saved)
            SERVER_PID = find_server()
            yield started
    finally:
        os.environ.clear()
        os.environ.update(saved)


def find_server() -> str:
    """The pid of the JVM started with this process's mark (to read its CPU time)."""
    wanted = f"{MARK}={os.getpid()}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if b"neo4j-test-server.jar" in (entry / "cmdline").read_bytes() and wanted in (
                entry / "environ"
            ).read_bytes().split(b"\0"):
                return entry.name
        except OSError:
            continue
    return ""


def _env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree)}


def write_once(tree: Path, uri: str, repo: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, uri, str(repo), SERVER_PID],
        env=_env(tree),
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def load_once(tree: Path, uri: str, repo: Path, scratch: Path) -> tuple[float, float]:
    """Wall seconds of `graphapi load --neo4j` into an emptied database, and of `--db`."""
    subprocess.run([sys.executable, "-c", CLEAR, uri], env=_env(tree), cwd=tree, check=True)
    times = []
    db = scratch / "bench.db"
    for store in (["--neo4j", uri], ["--db", str(db)]):
        db.unlink(missing_ok=True)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "graphapi", "load", *store, str(repo)],
            env=_env(tree),
            cwd=tree,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    return times[0], times[1]


CLEAR = """
import sys
from graphapi.store.neo4j_store import Neo4jSettings, Neo4jStore
with Neo4jStore.connect(Neo4jSettings.from_env(sys.argv[1])) as store:
    store.clear()
"""


def report(
    writes: dict[str, list[dict[str, Any]]], loads: dict[str, list[tuple[float, float]]]
) -> None:
    first = next(iter(writes.values()))[0]
    print(
        f"\nkvm-ppc batch: {first['nodes']:,} nodes, {first['rels']:,} relationships "
        f"(networkx: {first['nx_nodes']:,} / {first['nx_rels']:,})"
    )
    rows = []
    for name, runs in writes.items():
        rels = runs[0]["rels"]
        nx, neo = median([r["nx"] for r in runs]), median([r["neo"] for r in runs])
        phase = median([r["neo_rels"] for r in runs])
        rows.append(
            [
                name,
                f"{nx:.2f}",
                f"{neo:.2f}",
                f"{median([r['neo_nodes'] for r in runs]):.2f}",
                f"{phase:.2f}",
                f"{rels / neo:,.0f}",
                f"{rels / phase:,.0f}" if phase > 0.05 else "- (created with nodes)",
                f"{neo / nx:.1f}x",
                f"{median([r['again'] for r in runs]):.2f}",
                f"{median([r['client_cpu'] for r in runs]):.2f}",
                f"{median([r['server_cpu'] for r in runs]):.2f}" if SERVER_PID else "n/a",
            ]
        )
    print_table(
        "Neo4j write of the kvm-ppc batch (medians)",
        [
            "code",
            "networkx write s",
            "Neo4j write s",
            "nodes s",
            "relationships s",
            "rel/s (whole write)",
            "rel/s (relationship phase)",
            "Neo4j / networkx",
            "re-write s",
            "client CPU s",
            "server CPU s",
        ],
        rows,
    )
    print_table(
        "graphapi load of kvm-ppc, end to end (medians)",
        ["code", "load --neo4j s", "load --db s", "ratio"],
        [
            [
                name,
                f"{median([n for n, _ in runs]):.2f}",
                f"{median([d for _, d in runs]):.2f}",
                f"{median([n for n, _ in runs]) / median([d for _, d in runs]):.1f}x",
            ]
            for name, runs in loads.items()
        ],
    )


if __name__ == "__main__":
    main()
