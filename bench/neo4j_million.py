"""The synthetic million in Neo4j: bulk import, a 1 % online update, the canonical queries.

    .venv/bin/python bench/neo4j_million.py --keep DIR [--size 1000000] [--share 0.01]
        [--pagecache 4g] [--heap 2g] [--admin-java-opts OPTS] [--seconds 10] [--requests 200]
        [--compare-db KVM_CC_DB] [--skip-bulk] [--skip-query NAME]

Issue 17 item 3, not a CI test (the run takes most of an hour and ~12 GiB at its peak).
Each step is a child process; wall and CPU seconds and its peak RSS (`os.wait4`: workers
included) are printed. `DIR` keeps what is costly to make, and a second run reuses it:

1. the synthetic list of `--size` messages (`graphapi.sample`, as `bench/scale.py` makes
   it), split into its first (1 - share) and the rest; `load --db` of the first part (the
   embedded store's load: the baseline of the ratio);
2. `export-graph --format neo4j-import --merging` of that database (straight from its rows);
3. `import.sh import` (the test server's `neo4j-admin database import full`) into a fresh
   DBMS home, and the importer's own `IMPORT DONE` figure;
4. the server on that home (`tests/neo4j/run-server --home`, full JIT, `--heap`,
   `--pagecache`), `finish.cypher`;
5. the rest as a merging `load --neo4j` (the 1 % online update). A mirrored update
   (`load --db FILE --neo4j`, which the default export allows) re-assembles the whole
   graph from the database's corpus: ~10 GiB at a million, beside the server: not run;
6. the canonical queries of `bench/queries.py` (their variables picked by Cypher: the
   busiest person, company, series and file) against `graphapi serve --neo4j`, at one
   client: req/s, p50, p99, and the server's first answer to each (before it, the store has
   kept nothing: what a request after a load waits for); with `--compare-db`, the same
   queries on that embedded database (e.g. kvm-cc's) in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchlib import ROOT, machine, print_table

sys.path.insert(0, str(ROOT))

import httpx
from neo4j import GraphDatabase
from queries import Query, Server, canonical_queries, canonical_texts, load

from graphapi.sample import generate_messages, write_sample_mbox
from tests.neo4j_bulk import NEO4J_ADMIN, run_finish
from tests.neo4j_server import neo4j_server

PY = sys.executable
EXPORT = [PY, "-m", "graphapi", "export-graph", "--format", "neo4j-import"]
SEPARATOR = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"


@dataclass(slots=True)
class Step:
    name: str
    wall: float
    cpu: float
    rss_mib: float


def run_step(name: str, args: list[str], env: dict[str, str] | None = None) -> tuple[Step, str]:
    """One child: its wall and CPU seconds, its peak RSS, its output (stdout + stderr)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    output = process.stdout.read() if process.stdout else ""
    _pid, status, usage = os.wait4(process.pid, 0)
    step = Step(
        name,
        time.perf_counter() - started,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
    )
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed:\n{output[-3000:]}")
    print(
        f"{name}: {step.wall:.1f} s wall, {step.cpu:.1f} s CPU, {step.rss_mib:,.0f} MiB", flush=True
    )
    return step, output


def prepare(keep: Path, size: int, share: float) -> tuple[Step, int]:
    """The first part's database (made once, its load's figures kept in `load-first.json`)."""
    figures = keep / "load-first.json"
    if figures.exists():
        saved = json.loads(figures.read_text())
        step = Step(
            "load --db", saved["load_db_wall"], saved["load_db_cpu"], saved["load_db_peak_rss_mib"]
        )
        return step, int(saved["messages"])
    mbox = keep / f"sample-{size}.mbox"
    per_series = sum(1 for _ in generate_messages(1000, 1)) / 1000
    count = write_sample_mbox(mbox, series_count=round(size / per_series))
    cut = count - round(count * share)
    seen = 0
    with (
        mbox.open("rb") as source,
        (keep / "first.mbox").open("wb") as first,
        (keep / "rest.mbox").open("wb") as rest,
    ):
        out = first
        for line in source:
            if line == SEPARATOR:
                seen += 1
                out = rest if seen > cut else first
            out.write(line)
    db = keep / "g-first.db"
    db.unlink(missing_ok=True)
    step, _ = run_step(
        "load --db",
        [PY, "-m", "graphapi", "load", "--quiet", "--db", str(db), str(keep / "first.mbox")],
    )
    figures.write_text(
        json.dumps(
            {
                "messages": count,
                "first": cut,
                "load_db_wall": step.wall,
                "load_db_cpu": step.cpu,
                "load_db_peak_rss_mib": step.rss_mib,
            }
        )
    )
    return step, count


#: The busiest person (its key and an address), company, series and file, picked on the
#: server (the graph is too large to read into this process as `bench/queries.py` does).
PICKS = [
    "MATCH (p:Person)-[r:AUTHORED]->() WITH p, count(r) AS n ORDER BY n DESC, p.key LIMIT 1 "
    "RETURN p.key AS person, coalesce(p.emails[0], p.key) AS email",
    "MATCH (c:Company)<-[r:EMPLOYED_BY]-() WITH c, count(r) AS n "
    "ORDER BY n DESC, c.key LIMIT 1 RETURN coalesce(c.name, c.key) AS company",
    "MATCH (s:Series)-[r:PREVIOUS_VERSION|DEPENDS_ON]-() WITH s, count(r) AS n "
    "ORDER BY n DESC, s.key LIMIT 1 RETURN s.key AS series",
    "MATCH (f:File)<-[r:TOUCHES]-() WITH f, count(r) AS n "
    "ORDER BY n DESC, f.key LIMIT 1 RETURN f.key AS file",
]


def picks(uri: str) -> dict[str, str]:
    """The query variables by name (each query's columns)."""
    chosen: dict[str, str] = {}
    with GraphDatabase.driver(uri, auth=None) as driver:
        for query in PICKS:
            record = driver.execute_query(query).records[0]
            chosen.update((name, str(value)) for name, value in record.items())
    return chosen


def queries_for(chosen: dict[str, str]) -> list[Query]:
    """bench/queries.py's canonical queries with these picks; no store-direct twin (the
    graph is not in this process)."""
    picks = (chosen["email"], chosen["company"], chosen["series"], chosen["file"])
    texts = canonical_texts(*picks, f"Person:{chosen['person']}")
    return [Query(name, text, variables, lambda: None) for name, text, variables in texts]


def first_answer(url: str, query: Query) -> float:
    """Seconds of the server's first answer to `query`: what a request after a load waits
    for when the store keeps answers per graph (the measured ones after it are kept)."""
    started = time.perf_counter()
    httpx.post(url, json={"query": query.text, "variables": query.variables}, timeout=120)
    return time.perf_counter() - started


def measure(
    url: str, queries: list[Query], args: argparse.Namespace
) -> dict[str, tuple[float, ...]]:
    """(req/s, p50 s, p99 s, first answer s) of each query at one client."""
    found = {}
    for query in queries:
        if any(name in query.name for name in args.skip_query):
            continue
        started = time.perf_counter()
        first = first_answer(url, query)
        try:
            found[query.name] = (
                *asyncio.run(load(url, query, 1, args.requests, args.seconds)),
                first,
            )
        except RuntimeError as exc:  # an error answer, e.g. the per-request time budget
            print(f"  {query.name}: FAILED {str(exc)[:300]}", flush=True)
            continue
        rate, p50, p99, _ = found[query.name]
        print(
            f"  {query.name}: {rate:,.1f}/s p50 {p50 * 1000:.1f} ms p99 {p99 * 1000:.1f} ms "
            f"first {first * 1000:.1f} ms ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    return found


def bulk(keep: Path, args: argparse.Namespace) -> tuple[list[Step], int, int, float, str]:
    """Export, import: the steps, node and relationship counts, the importer's own seconds."""
    db, export, home = keep / "g-first.db", keep / "export", keep / "home"
    shutil.rmtree(export, ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    exported, line = run_step(
        "export",
        [*EXPORT, "--db", str(db), "--merging", "--output", str(export)],
    )
    counts = re.search(r"wrote (\d+) nodes and (\d+) relationships", line)
    assert counts, line
    home.mkdir()
    env = dict(os.environ, NEO4J_ADMIN=str(NEO4J_ADMIN), NEO4J_HOME=str(home))
    env["NEO4J_ADMIN_JAVA_OPTS"] = args.admin_java_opts
    imported, log = run_step("import", ["sh", str(export / "import.sh"), "import"], env)
    done = re.search(r"IMPORT DONE in (?:(\d+)m )?(\d+)s (\d+)ms", log)
    own = int(done[1] or 0) * 60 + int(done[2]) + int(done[3]) / 1000 if done else 0.0
    return [exported, imported], int(counts[1]), int(counts[2]), own, log


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, required=True)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--pagecache", default="4g")
    parser.add_argument("--heap", default="2g")
    parser.add_argument(
        "--admin-java-opts", default="-Xms1g -Xmx2g -XX:+UseG1GC -XX:TieredStopAtLevel=4"
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--compare-db", type=Path, help="an embedded database to query too")
    parser.add_argument("--skip-bulk", action="store_true", help="serve DIR/home as it is")
    parser.add_argument(
        "--skip-query",
        action="append",
        default=[],
        metavar="NAME",
        help="leave out the queries whose name contains NAME (repeatable): e.g. one over its "
        "time budget, whose Cypher keeps the server busy after the request gave up",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    keep: Path = args.keep
    keep.mkdir(parents=True, exist_ok=True)
    loaded, messages = prepare(keep, args.size, args.share)
    steps = [loaded]
    nodes = rels = 0
    own = 0.0
    if not args.skip_bulk:
        done, nodes, rels, own, _ = bulk(keep, args)
        steps += done
    saved = dict(os.environ)
    os.environ.pop("NEO4J_URI", None)
    os.environ["NEO4J_TEST_SERVER_JAVA_OPTS"] = (
        f"-XX:TieredStopAtLevel=4 -Xms{args.heap} -Xmx{args.heap}"
    )
    os.environ["NEO4J_TEST_SERVER_PAGECACHE"] = args.pagecache
    results: dict[str, dict[str, tuple[float, ...]]] = {}
    try:
        started = time.perf_counter()
        with neo4j_server(home=keep / "home", timeout=1800) as uri:
            steps.append(Step("server start", time.perf_counter() - started, 0.0, 0.0))
            print(f"server start: {steps[-1].wall:.1f} s", flush=True)
            os.environ.clear()
            os.environ.update(saved)
            if not args.skip_bulk:
                started = time.perf_counter()
                run_finish(uri, keep / "export")
                steps.append(Step("finish", time.perf_counter() - started, 0.0, 0.0))
                print(f"finish: {steps[-1].wall:.1f} s", flush=True)
                update, _ = run_step(
                    "1 % update --neo4j",
                    [
                        PY,
                        "-m",
                        "graphapi",
                        "load",
                        "--quiet",
                        "--neo4j",
                        uri,
                        str(keep / "rest.mbox"),
                    ],
                )
                steps.append(update)
            chosen = picks(uri)
            print(f"query variables: {chosen}", flush=True)
            with Server(store=["--neo4j", uri], start_seconds=1200) as url:
                results["Neo4j"] = measure(url, queries_for(chosen), args)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if args.compare_db:
        from graphapi.snapshot import read_snapshot

        store = read_snapshot(args.compare_db).warm()
        compared = canonical_queries(store)
        del store
        with Server(args.compare_db, start_seconds=1200) as url:
            results[args.compare_db.name] = measure(url, compared, args)
    report(steps, messages, nodes, rels, own, results)
    return 0


def report(
    steps: list[Step],
    messages: int,
    nodes: int,
    rels: int,
    own: float,
    results: dict[str, dict[str, tuple[float, ...]]],
) -> None:
    print(f"\n{messages:,} messages; {nodes:,} nodes, {rels:,} relationships exported")
    print_table(
        "Steps (each a child process; the server's own CPU is not counted)",
        ["step", "wall s", "CPU s", "peak RSS MiB"],
        [[s.name, f"{s.wall:.1f}", f"{s.cpu:.1f}", f"{s.rss_mib:,.0f}"] for s in steps],
    )
    by = {s.name: s for s in steps}
    if rels and "finish" in by:
        total = by["export"].wall + by["import"].wall + by["finish"].wall
        print(
            f"bulk = export + import + finish: {total:.1f} s = {rels / total:,.0f} rel/s; "
            f"importer's own {own:.1f} s; (load --db + bulk) / load --db = "
            f"{(by['load --db'].wall + total) / by['load --db'].wall:.2f}x; bulk / load --db = "
            f"{total / by['load --db'].wall:.2f}x"
        )
    names = list(dict.fromkeys(name for found in results.values() for name in found))
    stores = list(results)
    rows = []
    for name in names:
        row = [name]
        for store in stores:
            if name not in results[store]:
                row += ["failed", "-", "-", "-", "-"]
                continue
            rate, p50, p99, first = results[store][name]
            row += [f"{rate:,.1f}", f"{p50 * 1000:.1f}", f"{p99 * 1000:.1f}", f"{p99 / p50:.1f}"]
            row.append(f"{first * 1000:.1f}")
        rows.append(row)
    header = ["query"]
    for store in stores:
        header += [f"{store} req/s", "p50 ms", "p99 ms", "p99/p50", "first ms"]
    print_table("Canonical queries, one client", header, rows)


if __name__ == "__main__":
    sys.exit(main())
