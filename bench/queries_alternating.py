"""Each canonical query alternated request by request with `{ __typename }`, one client.

    .venv/bin/python bench/queries_alternating.py --db SNAPSHOT [--requests 150]

`bench/queries.py` measures each query for a few seconds in turn; on a shared machine the
load drifts between those windows, and the ratios follow the drift. Here every request of a
query follows a `{ __typename }` request on the same server and connection, so both see the
same load: the share is median(__typename latency) / median(query latency), client-side JSON
decoding included (as a client pays it). p99/p50 is printed too, but under load it mostly
measures the scheduler.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import httpx
from queries import Query, Server, canonical_queries

from graphapi.snapshot import read_snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a snapshot to serve")
    parser.add_argument("--requests", type=int, default=150, help="pairs per query")
    args = parser.parse_args()
    queries = canonical_queries(read_snapshot(args.db).warm())
    floor = queries[0]
    print("| query | `__typename` p50 ms | query p50 ms | share | query p99/p50 |")
    print("|---|---|---|---|---|")
    with Server(args.db) as url, httpx.Client(timeout=120) as client:
        for query in queries[1:]:
            base, own = [], []
            for _ in range(args.requests):
                base.append(_timed(client, url, floor))
                own.append(_timed(client, url, query))
            p50, floor_p50 = statistics.median(own), statistics.median(base)
            p99 = sorted(own)[min(len(own) - 1, int(len(own) * 0.99))]
            print(
                f"| {query.name} | {floor_p50 * 1000:.2f} | {p50 * 1000:.2f} "
                f"| {floor_p50 / p50:.0%} | {p99 / p50:.1f} |",
                flush=True,
            )


def _timed(client: httpx.Client, url: str, query: Query) -> float:
    """Seconds for one request and the decoding of its reply (which must hold no error)."""
    started = time.perf_counter()
    response = client.post(url, json={"query": query.text, "variables": query.variables})
    body = response.json()
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{query.name}: {response.status_code} {body}")
    return elapsed


if __name__ == "__main__":
    main()
