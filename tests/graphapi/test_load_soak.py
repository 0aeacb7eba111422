"""A bounded load test on loopback: concurrent clients mixing canonical and hostile queries
against a real `graphapi serve`; no canonical request may fail and memory must stay flat."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graphapi.cli import main
from graphapi.sample import write_sample_mbox
from tests.graphapi.serving import serve

CANONICAL = [
    '{ person(email: "chen.wei@huawei.com") { name reviewers { person { name } count } } }',
    '{ company(name: "Huawei") { reviewers { company { name } count } } }',
    "{ allSeries(first: 5) { nodes { title versions { version } dependencies { kind } } } }",
    '{ files(pathPrefix: "arch/x86/kvm/") { nodes { path authors { count } } } }',
    "{ reviewNetwork { nodes { id } edges { source target weight } } }",
]
HOSTILE = [
    "{ people(first: 100000) { totalCount } }",
    "{ " + " ".join(f"a{i}: stats {{ people }}" for i in range(200)) + " }",
    "{ " + 'person(email: "x") { series { nodes { author { ' * 10 + "name" + " } } }" * 10 + " }",
    "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
    '{ people(search: "' + "x" * 4000 + '") { totalCount } }',
]
SECONDS = 4.0
CLIENTS = 16


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    folder = tmp_path_factory.mktemp("soak")
    write_sample_mbox(folder / "list.mbox", series_count=60, seed=3)
    db = folder / "g.db"
    assert main(["load", "--db", str(db), str(folder / "list.mbox")]) == 0
    with serve(db) as served:
        yield served


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def _client(
    url: str, queries: list[str], stop: float, log: list[tuple[bool, bool, float]]
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        index = 0
        while time.monotonic() < stop:
            query = queries[index % len(queries)]
            index += 1
            started = time.monotonic()
            response = await client.post(url + "/graphql", json={"query": query})
            ok = response.status_code == 200 and "errors" not in response.json()
            log.append((query in CANONICAL, ok, time.monotonic() - started))


def _run(url: str, hostile: bool) -> list[tuple[bool, bool, float]]:
    log: list[tuple[bool, bool, float]] = []
    stop = time.monotonic() + SECONDS

    async def everyone() -> None:
        jobs = []
        for number in range(CLIENTS):
            mix = CANONICAL + HOSTILE if hostile and number % 2 else CANONICAL
            jobs.append(
                _client(url, mix[number % len(mix) :] + mix[: number % len(mix)], stop, log)
            )
        await asyncio.gather(*jobs)

    asyncio.run(everyone())
    return log


def _report(label: str, log: list[tuple[bool, bool, float]]) -> tuple[int, int]:
    canonical = [entry for entry in log if entry[0]]
    failed = sum(1 for entry in canonical if not entry[1])
    latencies = sorted(entry[2] * 1000 for entry in canonical)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(
        f"{label}: requests {len(log)}, canonical {len(canonical)}, canonical failed {failed}, "
        f"hostile refused {sum(1 for e in log if not e[0] and not e[1])}, "
        f"p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms"
    )
    return len(canonical), failed


def test_canonical_queries_survive_hostile_traffic_with_flat_memory(
    server: tuple[str, int],
) -> None:
    url, pid = server
    _run(url, hostile=False)  # warm up caches and allocator
    before = _rss_kib(pid)
    calm = _report("canonical only", _run(url, hostile=False))
    mixed_log = _run(url, hostile=True)
    mixed = _report("with hostile traffic", mixed_log)
    after = _rss_kib(pid)
    print(f"server RSS {before} KiB -> {after} KiB")
    assert calm[0] > 0 and mixed[0] > 0
    assert calm[1] == 0 and mixed[1] == 0
    assert all(not ok for is_canonical, ok, _ in mixed_log if not is_canonical)
    assert after < before * 1.5 + 20_000
