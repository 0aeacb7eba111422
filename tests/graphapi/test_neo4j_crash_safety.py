"""SIGKILL `graphapi load --neo4j` half-way, re-run it: the graph equals an uninterrupted load's.

The load runs as a subprocess; this test polls the database's node and relationship counts
(committed work only) and kills the process with SIGKILL as soon as they pass a threshold:
a few node chunks in, half the nodes, the first relationship chunk, half and nine tenths of
the relationships. Nothing in the load knows it is being watched; the only setting is
`GRAPHAPI_NEO4J_BATCH_ROWS` (a documented production knob: rows per write transaction), small
here so that the synthetic list's write spans dozens of transactions. After each kill the
same command is run again to completion, and the whole graph (every node's and every
relationship's properties, counts by label and by type, canonical query answers) must
equal that of one uninterrupted load into an emptied database. A kill that lands after
the last commit proves nothing, so the test also checks each kill interrupted the write.

What makes the re-run idempotent is checked too: every node kind's key has a uniqueness
constraint (nodes are MERGEd by it), and a node being merged stays write-locked until its
transaction ends, even when the merge changes nothing in it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from neo4j.exceptions import Neo4jError

from graphapi.model import GraphBatch, NodeKind, NodeRecord
from graphapi.sample import write_sample_mbox
from graphapi.schema import Context, schema
from graphapi.store.neo4j_store import BATCH_ROWS_ENV, Neo4jStore
from graphapi.store.neo4j_write import prepare_node_chunk, write_node_chunk
from tests.conftest import ROOT
from tests.contract.test_store_contract import neo_graph

pytestmark = pytest.mark.neo4j

SERIES = 40
BATCH_ROWS = 100
POLL_SECONDS = 0.005
LOAD_TIMEOUT = 120.0

CANONICAL = """{ stats { messages people companies series patches files
  topDomains { name count } topCompanies { name count }
  topContributors { person { id name } count } }
  reviewNetwork(level: PERSON) { nodes { id weight } edges { source target weight } }
  companyNet: reviewNetwork(level: COMPANY) { edges { source target weight } }
  allSeries(first: 100) { totalCount nodes { id title version patches { id }
    reviewers { person { id } count } } } }"""

Counts = tuple[int, int]


def _command(uri: str, mbox: Path) -> list[str]:
    return [sys.executable, "-m", "graphapi", "load", "--neo4j", uri, str(mbox)]


def _env() -> dict[str, str]:
    return {**os.environ, BATCH_ROWS_ENV: str(BATCH_ROWS), "GRAPHAPI_WORKERS": "1"}


def _load(uri: str, mbox: Path) -> None:
    done = subprocess.run(
        _command(uri, mbox),
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=LOAD_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr


def _kill_when(
    uri: str, mbox: Path, store: Neo4jStore, reached: Callable[[Counts], bool]
) -> Counts:
    """Start the load, SIGKILL it once the committed counts satisfy `reached`; the counts then."""
    process = subprocess.Popen(
        _command(uri, mbox),
        env=_env(),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + LOAD_TIMEOUT
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if reached(store.counts()):
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(POLL_SECONDS)
    finally:
        if process.poll() is None and time.monotonic() >= deadline:
            process.kill()
        _, stderr = process.communicate()
    assert process.returncode == -signal.SIGKILL, f"the load ended by itself: {stderr}"
    return store.counts()


def _by_label_and_type(store: Neo4jStore) -> dict[str, int]:
    rows = store.run_read(
        "CALL () { MATCH (n) RETURN 'node ' + labels(n)[0] AS what, count(*) AS c "
        "UNION ALL MATCH ()-[r]->() RETURN 'rel ' + type(r) AS what, count(*) AS c } "
        "RETURN what, c"
    )
    return {row["what"]: int(row["c"]) for row in rows}


def _answers(store: Neo4jStore) -> Any:
    result = schema.execute_sync(CANONICAL, context_value=Context(store=store))
    assert result.errors is None, result.errors
    return result.data


def _state(store: Neo4jStore) -> tuple[Any, ...]:
    return (store.counts(), _by_label_and_type(store), _answers(store), neo_graph(store))


def test_a_killed_load_re_run_gives_the_uninterrupted_graph(
    neo4j_store: Neo4jStore,
    neo4j_uri: str,
    tmp_path: Path,
) -> None:
    mbox = tmp_path / "list.mbox"
    write_sample_mbox(mbox, series_count=SERIES)
    neo4j_store.clear()
    _load(neo4j_uri, mbox)
    expected = _state(neo4j_store)
    nodes, relationships = expected[0]
    assert relationships > 20 * BATCH_ROWS  # the write spans dozens of transactions

    points: dict[str, Callable[[Counts], bool]] = {
        "a few node chunks": lambda c: c[0] >= 3 * BATCH_ROWS,
        "half the nodes": lambda c: c[0] >= nodes // 2,
        "first relationships": lambda c: c[1] > 0,
        "half the relationships": lambda c: c[1] >= relationships // 2,
        "nine tenths of the relationships": lambda c: c[1] >= relationships * 9 // 10,
    }
    equal = 0
    report = []
    for name, reached in points.items():
        neo4j_store.clear()
        killed_at = _kill_when(neo4j_uri, mbox, neo4j_store, reached)
        assert killed_at != (nodes, relationships), f"{name}: the kill came after the write"
        _load(neo4j_uri, mbox)
        same = _state(neo4j_store) == expected
        equal += same
        report.append(
            f"  {name}: killed at {killed_at[0]} nodes, {killed_at[1]} rels; equal {same}"
        )
    print(
        f"\nkills {len(points)}, equal {equal}/{len(points)} (final {nodes} nodes, "
        f"{relationships} relationships)\n" + "\n".join(report)
    )
    assert equal == len(points)


def test_writes_merge_under_a_key_constraint_for_every_node_kind(
    neo4j_store: Neo4jStore,
) -> None:
    """What makes a re-run idempotent: every node is MERGEd by its label's unique key."""
    neo4j_store.ensure_schema()
    rows = neo4j_store.run_read(
        "SHOW CONSTRAINTS YIELD type, labelsOrTypes, properties "
        "WHERE type = 'UNIQUENESS' RETURN labelsOrTypes[0] AS label, properties AS props"
    )
    keyed = {row["label"] for row in rows if row["props"] == ["key"]}
    assert {kind.value for kind in NodeKind} <= keyed


def test_a_node_being_merged_stays_locked_until_its_transaction_ends(
    neo4j_store: Neo4jStore,
) -> None:
    """A node that exists is write-locked by the merge (so two loads never lose each
    other's merge), though nothing in it changes; another merge of it waits."""
    neo4j_store.clear()
    records = {"lock-test": [NodeRecord(NodeKind.REF, "lock-test", {"url": "u", "title": "t"})]}
    chunk = prepare_node_chunk(NodeKind.REF, ["lock-test"], records)
    neo4j_store.write(GraphBatch(nodes=records["lock-test"]))
    driver = neo4j_store.driver
    with driver.session(database=neo4j_store.database) as first:
        holding = first.begin_transaction()
        write_node_chunk(holding, chunk)
        with driver.session(database=neo4j_store.database) as second:
            waiting = second.begin_transaction(timeout=1.0)
            started = time.monotonic()
            with pytest.raises(Neo4jError):
                write_node_chunk(waiting, chunk)
            assert time.monotonic() - started >= 0.9
        holding.commit()
    props = neo4j_store.run_read("MATCH (n:Ref {key: 'lock-test'}) RETURN properties(n) AS p")
    assert "_lock" not in props[0]["p"]
