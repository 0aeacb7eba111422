"""A small, bounded version of bench/hostile.py: canonical clients keep being answered while
hostile clients send expensive allowed queries and fragment bombs (a few seconds)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from graphapi.cli import main
from graphapi.model import NodeKind
from graphapi.store.networkx_store import NetworkXStore
from tests.conftest import ROOT
from tests.graphapi.conftest import SMALL_DIGEST
from tests.graphapi.serving import serve

sys.path.insert(0, str(ROOT / "bench"))
hostile_bench: Any = pytest.importorskip("hostile")


def test_canonical_clients_survive_hostile_ones(
    digest_store: NetworkXStore, tmp_path: Path
) -> None:
    """16 canonical clients, then the same with 4 hostile ones, against `graphapi serve`."""
    people = digest_store.list_nodes(NodeKind.PERSON, first=1).items
    person = people[0]
    email = person.get("emails", [person.key])[0]
    canonical = [
        ("{ __typename }", {}),
        ("query($e: String!) { person(email: $e) { name reviewers { count } } }", {"e": email}),
        ("{ reviewNetwork(level: COMPANY) { cytoscape } }", {}),
        ("{ stats { people topCompanies(first: 3) { name } } }", {}),
    ]
    hostile = hostile_bench.hostile_requests(f"Person:{person.key}")
    db = tmp_path / "g.db"
    assert main(["load", "--db", str(db), str(SMALL_DIGEST)]) == 0
    with serve(db) as (url, pid):
        endpoint = url + "/graphql"
        common = {"clients": 16, "seconds": 3.0, "pid": pid}
        baseline = asyncio.run(
            hostile_bench.hammer(endpoint, canonical, [], hostile_clients=0, **common)
        )
        loaded = asyncio.run(
            hostile_bench.hammer(endpoint, canonical, hostile, hostile_clients=4, **common)
        )
    hostile_bench.report(baseline, loaded, 0.0)  # the figures, in the test's output
    assert baseline.latencies and loaded.latencies
    assert not baseline.failures and not loaded.failures, loaded.failures[:3]
    bombs = {k: v for k, v in loaded.hostile.items() if k.startswith("fragment bomb")}
    assert bombs and all("refused: repeats" in k for k in bombs), loaded.hostile
    assert loaded.percentile(0.99) <= 3 * max(baseline.percentile(0.99), 0.05)
    assert loaded.peak_rss_mib < 1024
