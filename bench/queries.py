"""Query benchmark: canonical GraphQL queries over HTTP against their floors (BENCHMARKS.md 2).

    .venv/bin/python bench/queries.py [--corpus kvm-cc|kvm-ppc|virtualization] [--db SNAPSHOT]
                                      [--requests 400] [--seconds 10] [--runs 3]
                                      [--clients 1,32]

The graph of a real archive (built into a scratch snapshot unless `--db` names one) is served
by `graphapi serve` (uvicorn) in a subprocess on 127.0.0.1. An asyncio load generator
(httpx.AsyncClient) sends each query at 1 and at 32 concurrent clients, stopping after
`--requests` answers or `--seconds`, whichever comes first, and records every latency.
Baselines, same run: `{ __typename }` on the same server, client and concurrency (the
framework floor), and the same answer computed by calling the store directly (the store floor,
in this process, one caller). Targets: each query at >= 50% of the `__typename` throughput,
and p99 <= 3 x p50.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from benchlib import (
    CORPORA,
    KVM_CC,
    KVM_PPC_BUNDLE,
    clone_inbox,
    machine,
    median,
    need,
    print_table,
)
from benchlib import temp_dir as scratch_dir

from graphapi.model import EdgeKind, NodeData, NodeKind
from graphapi.snapshot import read_snapshot
from graphapi.store.base import TieQuery
from graphapi.store.networkx_store import NetworkXStore
from graphapi.store.rules import DEFAULT_REVIEW_KINDS, NEIGHBORHOOD_FIRST

REVIEW_KINDS = tuple(sorted(DEFAULT_REVIEW_KINDS))  # the API's default kinds
VIRTUALIZATION_BUNDLE = CORPORA / "virtualization.lists.linux-foundation.org.0.bundle"
BUNDLES = {"kvm-ppc": KVM_PPC_BUNDLE, "virtualization": VIRTUALIZATION_BUNDLE}
CONCURRENCY = (1, 32)
TREE = Path(__file__).resolve().parents[1]  # the checkout whose code the server runs


@dataclass(slots=True)
class Query:
    name: str
    text: str
    variables: dict[str, Any]
    direct: Callable[[], object]  # the same answer straight from the store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=["kvm-cc", *BUNDLES], default="kvm-cc")
    parser.add_argument("--db", type=Path, help="an existing snapshot to serve")
    parser.add_argument("--requests", type=int, default=400, help="answers per measurement")
    parser.add_argument("--seconds", type=float, default=10.0, help="time cap per measurement")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--clients", default=",".join(map(str, CONCURRENCY)), help="concurrencies, e.g. 1,32"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with scratch_dir("queries") as scratch:
        db = args.db or build_snapshot(args.corpus, Path(scratch))
        store = read_snapshot(db).warm()
        queries = canonical_queries(store)
        freeze_heap()
        with Server(db) as url:
            rows = []
            for concurrency in [int(c) for c in args.clients.split(",")]:
                rows += measure_all(url, queries, concurrency, args)
        print_table(
            f"GraphQL over HTTP, {db.name}: median of {args.runs} runs, "
            f"<= {args.requests} requests or {args.seconds:.0f} s each",
            [
                "query",
                "clients",
                "req/s",
                "vs __typename",
                "p50 ms",
                "p99 ms",
                "p99/p50",
                "store direct /s",
                "targets",
            ],
            rows,
        )


def build_snapshot(corpus: str, scratch: Path) -> Path:
    """`graphapi load` of the corpus into a scratch snapshot."""
    source = need(KVM_CC) if corpus == "kvm-cc" else clone_inbox(need(BUNDLES[corpus]), scratch)
    db = scratch / f"{corpus}.db"
    started = time.perf_counter()
    command = [sys.executable, "-m", "graphapi", "load", "--db", str(db), str(source)]
    summary = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    print(f"built {db.name} in {time.perf_counter() - started:.1f} s: {summary.splitlines()[0]}")
    return db


# --- the canonical queries and their store-direct twins -----------------------------------


def canonical_texts(
    email: str, company: str, series: str, path: str, person_id: str
) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, text, variables) of the canonical queries on these picks (the busiest person's
    address and node id, company, series and file), whatever store answers them."""
    return [
        ("__typename (framework floor)", "{ __typename }", {}),
        (
            "person's reviewers",
            "query($e: String!) { person(email: $e) { name reviewers(first: 20) "
            "{ count lineages person { name emails } } } }",
            {"e": email},
        ),
        (
            "company's review ties",
            "query($n: String!) { company(name: $n) { name "
            "reviewers(first: 20) { count company { name } } "
            "reviewees(first: 20) { count company { name } } } }",
            {"n": company},
        ),
        (
            "series, versions, dependencies",
            "query($m: String!) { series(messageId: $m) { title version "
            "versions { title version date } "
            "dependencies { kind declared label series { title version } } } }",
            {"m": series},
        ),
        (
            "file's authors and reviewers",
            "query($p: String!) { file(path: $p) { path "
            "authors(first: 20) { count person { name } } "
            "reviewers(first: 20) { count person { name } } } }",
            {"p": path},
        ),
        (
            "2-hop neighbourhood",
            "query($id: ID!) { neighborhood(id: $id, depth: 2) "
            "{ truncated totalNodes cytoscape } }",
            {"id": person_id},
        ),
        (
            "person-level review network",
            "{ reviewNetwork(level: PERSON, first: 100) { cytoscape } }",
            {},
        ),
        (
            "stats",
            "{ stats { messages people companies series patches files "
            "topDomains { name count } topCompanies { name count } "
            "topContributors { count person { name } } } }",
            {},
        ),
        (
            "20 series, versions, dependencies",
            "{ allSeries(first: 20) { totalCount nodes { title version date "
            "versions { title version } dependencies { kind series { title version } } } } }",
            {},
        ),
    ]


def canonical_queries(store: NetworkXStore) -> list[Query]:
    """The six canonical queries (on the busiest person, company, series and file), and
    issue 15's: the stats page, a page of twenty series with versions and dependencies;
    each with its store-direct twin."""
    person = most_reviewed(store, "PERSON")
    email = person.get("emails", [person.key])[0]
    company = most_reviewed(store, "COMPANY")
    company_name = company.get("name", company.key)
    series = busiest_series(store)
    path = busiest_file(store)
    direct: dict[str, Callable[[], object]] = {  # by name: a twin cannot pair with another
        "__typename (framework floor)": lambda: None,
        "person's reviewers": lambda: person_reviewers(store, email),
        "company's review ties": lambda: company_ties(store, company_name),
        "series, versions, dependencies": lambda: series_lineage(store, series),
        "file's authors and reviewers": lambda: file_people(store, path),
        "2-hop neighbourhood": lambda: store.neighborhood(
            NodeKind.PERSON, person.key, 2, NEIGHBORHOOD_FIRST
        ),
        "person-level review network": lambda: store.review_network(
            level="PERSON", kinds=REVIEW_KINDS, since=None, until=None, min_weight=1, first=100
        ),
        "stats": lambda: store.stats(100),
        "20 series, versions, dependencies": lambda: series_page(store),
    }
    texts = canonical_texts(email, company_name, series, path, person.id)
    if [name for name, _, _ in texts] != list(direct):
        raise AssertionError("canonical_texts and their store-direct twins differ")
    return [Query(name, text, variables, direct[name]) for name, text, variables in texts]


def most_reviewed(store: NetworkXStore, level: str) -> NodeData:
    """The person or company whose patches got the most review (distinct patches)."""
    network = store.review_network(
        level=level, kinds=REVIEW_KINDS, since=None, until=None, min_weight=1, first=100_000
    )
    reviewed: dict[str, float] = {}
    for edge in network.edges:
        reviewed[edge.target] = reviewed.get(edge.target, 0) + (edge.weight or 0)
    node = store.node(max(reviewed, key=lambda nid: (reviewed[nid], nid)))
    assert node is not None
    return node


def busiest_series(store: NetworkXStore) -> str:
    """The cover message-id of the series with the longest lineage (ties: most deps)."""
    best: tuple[int, int, str] = (0, 0, "")
    for _nid, data in store.graph.nodes(data=True):
        if data.get("kind") is not NodeKind.SERIES or data.get("placeholder"):
            continue
        versions = len(store.lineage_many([data["key"]])[0])
        deps = len(
            store.related_many(NodeKind.SERIES, [data["key"]], EdgeKind.DEPENDS_ON, "out")[0]
        )
        best = max(best, (versions, deps, data["key"]))
    return best[2]


def busiest_file(store: NetworkXStore) -> str:
    """The path touched by the most patches."""
    counts = [
        (store.graph.in_degree(nid), data["key"])
        for nid, data in store.graph.nodes(data=True)
        if data.get("kind") is NodeKind.FILE
    ]
    return max(counts)[1]


def person_reviewers(store: NetworkXStore, email: str) -> object:
    person = store.get_many(NodeKind.PERSON, [email], by="address")[0]
    assert person is not None
    return store.ties_many(TieQuery("person", "reviewers", REVIEW_KINDS), [person.key], 20)


def company_ties(store: NetworkXStore, name: str) -> object:
    company = store.company_by_name(name)
    assert company is not None
    return (
        store.ties_many(TieQuery("company", "reviewers"), [company.key], 20),
        store.ties_many(TieQuery("company", "reviewees"), [company.key], 20),
    )


def series_lineage(store: NetworkXStore, message_id: str) -> object:
    series = store.series_by_message(message_id)
    assert series is not None
    deps = store.related_many(NodeKind.SERIES, [series.key], EdgeKind.DEPENDS_ON, "out")
    return store.lineage_many([series.key]), deps


def series_page(store: NetworkXStore) -> object:
    page = store.list_nodes(NodeKind.SERIES, first=20)
    keys = [s.key for s in page.items]
    deps = store.related_many(NodeKind.SERIES, keys, EdgeKind.DEPENDS_ON, "out")
    return page, store.lineage_many(keys), deps


def file_people(store: NetworkXStore, path: str) -> object:
    return (
        store.get_many(NodeKind.FILE, [path]),
        store.ties_many(TieQuery("file", "authors"), [path], 20),
        store.ties_many(TieQuery("file", "reviewers"), [path], 20),
    )


# --- server and load generator -------------------------------------------------------------


def freeze_heap() -> None:
    """Move what is alive now out of the collector's sight: the graph read to choose the
    queries stays alive (their store twins), and a full collection walking it in the middle
    of a request would be timed as that request's."""
    gc.collect()
    gc.freeze()


class Server:
    """`graphapi serve --db DB` (or with other store options: `store`) on a free local
    port, stopped (and waited for) on exit; `start_seconds` to answer /healthz (a Neo4j
    server warming a million-message graph takes minutes)."""

    def __init__(
        self, db: Path | None = None, *, store: list[str] | None = None, start_seconds: int = 300
    ) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        if store is None:
            if db is None:
                raise ValueError("Server needs a database or store options")
            store = ["--db", str(db.resolve())]
        self.store = store
        self.start_seconds = start_seconds

    def __enter__(self) -> str:
        command = [sys.executable, "-m", "graphapi", "serve", *self.store]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        # run from the tree this bench belongs to: `python -m` puts the working directory
        # first on sys.path, so a server started elsewhere serves that directory's code
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(command, env=env, cwd=TREE)
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + self.start_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    return url + "/graphql"
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start in {self.start_seconds} s")

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def measure_all(
    url: str, queries: list[Query], concurrency: int, args: argparse.Namespace
) -> list[list[str]]:
    """One row per query at this concurrency (medians over runs, interleaved per run)."""
    results: dict[str, list[tuple[float, float, float]]] = {q.name: [] for q in queries}
    direct: dict[str, list[float]] = {q.name: [] for q in queries}
    for _ in range(args.runs):
        for query in queries:
            results[query.name].append(
                asyncio.run(load(url, query, concurrency, args.requests, args.seconds))
            )
            direct[query.name].append(direct_rate(query, args.requests, args.seconds))
    floor = median([r[0] for r in results[queries[0].name]])
    rows = []
    for query in queries:
        rate = median([r[0] for r in results[query.name]])
        p50 = median([r[1] for r in results[query.name]])
        p99 = median([r[2] for r in results[query.name]])
        met = rate >= 0.5 * floor and p99 <= 3 * p50
        rows.append(
            [
                query.name,
                str(concurrency),
                f"{rate:,.0f}",
                f"{rate / floor:.0%}",
                f"{p50 * 1000:.1f}",
                f"{p99 * 1000:.1f}",
                f"{p99 / p50:.1f}",
                f"{median(direct[query.name]):,.0f}",
                "met" if met else "NOT met",
            ]
        )
    return rows


async def load(
    url: str, query: Query, concurrency: int, requests: int, seconds: float
) -> tuple[float, float, float]:
    """(answers per second, p50 s, p99 s) of `concurrency` clients sharing a request budget."""
    payload = {"query": query.text, "variables": query.variables}
    latencies: list[float] = []
    left = requests
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        await client.post(url, json=payload)  # warm the connection and the server's caches
        deadline = time.perf_counter() + seconds  # after the warm-up: a slow one left no time

        async def client_loop() -> None:
            nonlocal left
            while left > 0 and time.perf_counter() < deadline:
                left -= 1
                started = time.perf_counter()
                response = await client.post(url, json=payload)
                latencies.append(time.perf_counter() - started)
                body = response.json()
                if response.status_code != 200 or body.get("errors"):
                    raise RuntimeError(f"{query.name}: {response.status_code} {body}")

        started = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return (
        len(latencies) / elapsed,
        latencies[len(latencies) // 2],
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    )


def direct_rate(query: Query, requests: int, seconds: float) -> float:
    """Answers per second of the store-direct twin, one caller, same budget."""
    done = 0
    started = time.perf_counter()
    while done < requests and time.perf_counter() - started < seconds:
        query.direct()
        done += 1
    return done / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
