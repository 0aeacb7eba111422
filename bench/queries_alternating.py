"""Each canonical query alternated request by request with `{ __typename }`, one client.

    .venv/bin/python bench/queries_alternating.py --db SNAPSHOT [--requests 150] [--only NAME]

`bench/queries.py` measures each query for a few seconds in turn; on a shared machine the
load drifts between those windows, and the ratios follow the drift. Here every request of a
query follows a `{ __typename }` request on the same server and connection, so both see the
same load: the share is median(__typename latency) / median(query latency), client-side JSON
decoding included (as a client pays it). p99/p50 is printed too, but under load it mostly
measures the scheduler.

Where the time goes, per query: the reply's size, the server's own time (its
`Server-Timing` header: from reading the request to the reply being ready), the client's
JSON decoding, and the cost per KB of reply (query p50 / size), which tells a query whose
cost is its answer's size from one whose cost is its work.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from queries import Query, Server, canonical_queries, freeze_heap

from graphapi.snapshot import read_snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a snapshot to serve")
    parser.add_argument("--requests", type=int, default=150, help="pairs per query")
    parser.add_argument("--only", help="only the queries whose name contains this")
    args = parser.parse_args()
    queries = canonical_queries(read_snapshot(args.db).warm())
    if args.only:
        queries = [queries[0], *(q for q in queries[1:] if args.only in q.name)]
    freeze_heap()
    floor = queries[0]
    print(
        "| query | `__typename` p50 ms | query p50 ms | share | query p99/p50 "
        "| reply KB | server p50 ms | decode p50 ms | ms per KB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    with Server(args.db) as url, httpx.Client(timeout=120) as client:
        for query in queries[1:]:
            base, own = [], []
            for _ in range(args.requests):
                base.append(_timed(client, url, floor))
                own.append(_timed(client, url, query))
            p50 = statistics.median(t.total for t in own)
            floor_p50 = statistics.median(t.total for t in base)
            p99 = sorted(t.total for t in own)[min(len(own) - 1, int(len(own) * 0.99))]
            size = own[-1].size / 1024
            print(
                f"| {query.name} | {floor_p50 * 1000:.2f} | {p50 * 1000:.2f} "
                f"| {floor_p50 / p50:.0%} | {p99 / p50:.1f} | {size:,.1f} "
                f"| {statistics.median(t.server for t in own) * 1000:.2f} "
                f"| {statistics.median(t.decode for t in own) * 1000:.2f} "
                f"| {p50 * 1000 / size:.3f} |",
                flush=True,
            )


@dataclass(frozen=True, slots=True)
class Timing:
    """One request: seconds in all, of the server's own, of decoding; bytes of reply."""

    total: float
    server: float
    decode: float
    size: int


def _timed(client: httpx.Client, url: str, query: Query) -> Timing:
    """One request and the decoding of its reply (which must hold no error)."""
    payload = {"query": query.text, "variables": query.variables}
    started = time.perf_counter()
    try:
        response = client.post(url, json=payload)
    except httpx.RemoteProtocolError:  # uvicorn closed the connection after 5 s idle (a
        started = time.perf_counter()  # 33 MB reply decoded on a loaded machine): again
        response = client.post(url, json=payload)
    received = time.perf_counter()
    body = json.loads(response.content)
    decoded = time.perf_counter()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{query.name}: {response.status_code} {body}")
    server = response.headers.get("server-timing", "dur=0").rpartition("dur=")[2]
    return Timing(
        decoded - started, float(server) / 1000, decoded - received, len(response.content)
    )


if __name__ == "__main__":
    main()
