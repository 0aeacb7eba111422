"""Load test with hostile clients: canonical queries keep being answered (issue 12).

    .venv/bin/python bench/hostile.py [--corpus kvm-cc|kvm-ppc] [--db SNAPSHOT]
                                      [--seconds 20] [--clients 16] [--hostile 4]

`graphapi serve` runs on 127.0.0.1 (loopback only) over a real archive's graph. Two phases of
`--seconds` each: `--clients` clients send bench/queries.py's canonical queries in turn, alone
(the baseline), then with `--hostile` clients sending the most expensive queries the limits
allow (30 aliased 2-hop neighbourhoods of the busiest person, a 3-hop neighbourhood, the deepest
page of series) and fragment bombs of 3 to 8 levels. Printed: canonical requests and failures,
p50/p99 in both phases and their ratio, what the hostile requests got, and the server's RSS.
Targets: 0 failed canonical requests, canonical p99 within 3x the baseline's, RSS bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from graphapi.schema.limits import fragment_bomb

CANONICAL_TIMEOUT = 30.0


@dataclass
class Phase:
    """What one phase measured."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    hostile: Counter[str] = field(default_factory=Counter)
    peak_rss_mib: float = 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def hostile_requests(person_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, query, variables) of the most expensive allowed queries, and fragment bombs."""
    hop2 = " ".join(f"n{i}: neighborhood(id: $id, depth: 2) {{ cytoscape }}" for i in range(30))
    deep = (
        "{ allSeries(first: 100) { nodes { id title author { name company { name } } "
        "versions { id } patches { id trailers { kind person { name } } } "
        "reviewers { count person { name } } } } }"
    )
    requests = [
        ("30 aliased 2-hop neighbourhoods", f"query($id: ID!) {{ {hop2} }}", {"id": person_id}),
        (
            "3-hop neighbourhood",
            "query($id: ID!) { a: neighborhood(id: $id, depth: 3) { nodes { id } } "
            "b: neighborhood(id: $id, depth: 3) { edges { source } } }",
            {"id": person_id},
        ),
        ("deep page of 100 series", deep, {}),
    ]
    requests += [(f"fragment bomb {n}", fragment_bomb(n), {}) for n in range(3, 9)]
    return requests


def rss_mib(pid: int) -> float:
    """Resident memory of process `pid` (Linux), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def hammer(
    url: str,
    canonical: list[tuple[str, dict[str, Any]]],
    hostile: list[tuple[str, str, dict[str, Any]]],
    *,
    clients: int,
    hostile_clients: int,
    seconds: float,
    pid: int | None = None,
) -> Phase:
    """`clients` canonical and `hostile_clients` hostile clients for `seconds` against `url`."""
    phase = Phase()
    limits = httpx.Limits(max_connections=clients + hostile_clients + 2)

    async with httpx.AsyncClient(limits=limits, timeout=CANONICAL_TIMEOUT) as client:
        for query, variables in canonical:  # warm: connections, caches, worker threads
            await client.post(url, json={"query": query, "variables": variables})
        deadline = time.perf_counter() + seconds

        async def canonical_loop(start: int) -> None:
            for index in itertools.count(start):
                if time.perf_counter() >= deadline:
                    return
                query, variables = canonical[index % len(canonical)]
                started = time.perf_counter()
                try:
                    response = await client.post(url, json={"query": query, "variables": variables})
                    body = response.json()
                    if response.status_code != 200 or body.get("errors"):
                        phase.failures.append(f"{response.status_code} {str(body)[:200]}")
                except httpx.HTTPError as exc:
                    phase.failures.append(f"{type(exc).__name__}: {exc}")
                phase.latencies.append(time.perf_counter() - started)

        async def hostile_loop(start: int) -> None:
            for index in itertools.count(start):
                if time.perf_counter() >= deadline:
                    return
                name, query, variables = hostile[index % len(hostile)]
                try:
                    response = await client.post(
                        url, json={"query": query, "variables": variables}, timeout=120
                    )
                    errors = response.json().get("errors") or []
                    limit = _limit_named(errors[0]["message"]) if errors else "answered"
                    phase.hostile[f"{name}: {response.status_code} {limit}"] += 1
                except httpx.HTTPError as exc:
                    phase.hostile[f"{name}: {type(exc).__name__}"] += 1

        async def watch_rss() -> None:
            while pid is not None and time.perf_counter() < deadline:
                phase.peak_rss_mib = max(phase.peak_rss_mib, rss_mib(pid))
                await asyncio.sleep(0.2)

        tasks = [canonical_loop(i) for i in range(clients)]
        tasks += [hostile_loop(i) for i in range(hostile_clients)]
        await asyncio.gather(*tasks, watch_rss())
    return phase


def _limit_named(message: str) -> str:
    """The `(limit: ...)` part of an error message, or its start."""
    if "(limit: " in message:
        return "refused: " + message.split("(limit: ")[1].split(")")[0].split(" <=")[0]
    return "error: " + message[:60]


def report(baseline: Phase, loaded: Phase, start_rss: float) -> bool:
    """Print the figures; True when the targets are met."""
    ratio = loaded.percentile(0.99) / max(baseline.percentile(0.99), 1e-9)
    print(f"{'phase':<26}{'requests':>9}{'failed':>8}{'p50 ms':>9}{'p99 ms':>9}")
    for name, phase in (("canonical alone", baseline), ("canonical + hostile", loaded)):
        print(
            f"{name:<26}{len(phase.latencies):>9}{len(phase.failures):>8}"
            f"{phase.percentile(0.5) * 1000:>9.1f}{phase.percentile(0.99) * 1000:>9.1f}"
        )
    print(f"canonical p99 with hostile clients / without: {ratio:.2f} (target <= 3)")
    print("hostile requests:")
    for outcome, count in sorted(loaded.hostile.items()):
        print(f"  {count:>5}  {outcome}")
    peak = max(baseline.peak_rss_mib, loaded.peak_rss_mib)
    print(f"server RSS: {start_rss:.0f} MiB at start, peak {peak:.0f} MiB")
    for failure in (baseline.failures + loaded.failures)[:5]:
        print(f"  failed: {failure}")
    return not baseline.failures and not loaded.failures and ratio <= 3


def main() -> None:
    from benchlib import machine, temp_dir
    from queries import Server, build_snapshot, canonical_queries

    from graphapi.snapshot import read_snapshot

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=["kvm-cc", "kvm-ppc"], default="kvm-cc")
    parser.add_argument("--db", type=Path, help="an existing snapshot to serve")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--hostile", type=int, default=4)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with temp_dir("hostile") as scratch:
        db = args.db or build_snapshot(args.corpus, Path(scratch))
        store = read_snapshot(db).warm()
        queries = canonical_queries(store)
        canonical = [(q.text, q.variables) for q in queries[1:]]
        person_id = str(queries[1 + 4].variables["id"])  # the 2-hop query's busiest person
        hostile = hostile_requests(person_id)
        del store
        server = Server(db)
        with server as url:
            pid = server.process.pid
            start_rss = rss_mib(pid)
            baseline = asyncio.run(
                hammer(
                    url,
                    canonical,
                    [],
                    clients=args.clients,
                    hostile_clients=0,
                    seconds=args.seconds,
                    pid=pid,
                )
            )
            loaded = asyncio.run(
                hammer(
                    url,
                    canonical,
                    hostile,
                    clients=args.clients,
                    hostile_clients=args.hostile,
                    seconds=args.seconds,
                    pid=pid,
                )
            )
        met = report(baseline, loaded, start_rss)
        print("targets met" if met else "targets NOT met")


if __name__ == "__main__":
    main()
