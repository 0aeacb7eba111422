"""The kvm-ppc public-inbox archive loaded into Neo4j and into networkx with `load_into_store`.

Both stores end with the same numbers of nodes and relationships (and the same stats). The
relationships per second of the Neo4j write and its ratio to the networkx write of the same
batch are printed (BENCHMARKS.md §3 targets >= 20,000 rel/s and <= 3x), not asserted:
they depend on the machine and on the Neo4j server's settings.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphapi.loading import load_into_store
from graphapi.model import GraphBatch
from graphapi.schema import Context, schema
from graphapi.store.base import GraphStore
from graphapi.store.neo4j_store import Neo4jStore
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from tests.conftest import corpus_file

pytestmark = pytest.mark.neo4j

STATS = """{ stats { messages people companies series patches files
  topDomains { name count } topCompanies { name count } topContributors { person { id } count } }
  reviewNetwork(level: COMPANY, first: 20) { edges { source target weight } } }"""


def _timed_write(store: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[[], float]:
    """Time the store's `write` calls (parsing and assembling are not the store's work)."""
    spent = [0.0]
    original = store.write

    def write(batch: GraphBatch) -> None:
        started = time.perf_counter()
        original(batch)
        spent[0] += time.perf_counter() - started

    monkeypatch.setattr(store, "write", write)
    return lambda: spent[0]


def _stats(store: GraphStore) -> Any:
    result = schema.execute_sync(STATS, context_value=Context(store=store))
    assert result.errors is None, result.errors
    return result.data


def test_kvm_ppc_loads_to_the_same_graph_in_both_stores(
    neo4j_store: Neo4jStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bundle = corpus_file("kvm-ppc.vger.kernel.org.0.bundle")
    repo = tmp_path / "kvm-ppc.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(bundle), str(repo)], check=True)
    companies = load_company_map()

    nx = NetworkXStore()
    nx_seconds = _timed_write(nx, monkeypatch)
    nx_summary = load_into_store(nx, [repo], companies)

    neo4j_store.clear()
    neo4j_store.ensure_schema()
    neo_seconds = _timed_write(neo4j_store, monkeypatch)
    neo_summary = load_into_store(neo4j_store, [repo], companies)

    assert neo_summary == nx_summary
    nodes, relationships = nx.graph.number_of_nodes(), nx.graph.number_of_edges()
    assert neo4j_store.counts() == (nodes, relationships)
    assert relationships > 30_000
    assert _stats(neo4j_store) == _stats(nx)

    written = neo4j_store.last_write
    print(
        f"\nkvm-ppc: {nodes} nodes, {relationships} relationships "
        f"({nx_summary.loaded} messages)\n"
        f"  networkx write {nx_seconds():.2f} s; neo4j write {neo_seconds():.2f} s "
        f"(nodes {written.node_seconds:.2f} s, relationships {written.edge_seconds:.2f} s)\n"
        f"  neo4j: {relationships / neo_seconds():,.0f} relationships/s over the whole write, "
        f"{relationships / written.edge_seconds:,.0f} rel/s in the relationship phase; "
        f"ratio to networkx {neo_seconds() / nx_seconds():.1f}x"
    )
