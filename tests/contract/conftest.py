"""Both stores built from the same sources with `load_into_store`, once per scenario.

A scenario is a list of loads (each a list of sources); the Neo4j database of the session
server is emptied before each scenario, so scenarios never see each other's data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from graphapi.loading import load_into_store
from graphapi.sample import write_sample_mbox
from graphapi.snapshot import read_snapshot, write_snapshot
from graphapi.store.neo4j_store import Neo4jStore
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from tests.conftest import FIXTURES
from tests.merges_fixture import MergeFixture, build_merge_fixture

SMALL_DIGEST = FIXTURES / "digest" / "small.txt"
SAMPLE_SERIES = 12
_SEPARATOR = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"


@dataclass(frozen=True, slots=True)
class StorePair:
    name: str
    nx: NetworkXStore
    neo: Neo4jStore
    loads: list[list[Path]]


def split_mbox(path: Path, parts: int) -> list[Path]:
    """The messages of an mboxrd file written by `write_sample_mbox`, in `parts` files."""
    messages = [_SEPARATOR + m for m in path.read_bytes().split(_SEPARATOR) if m]
    size = -(-len(messages) // parts)
    out = []
    for index in range(parts):
        part = path.with_name(f"{path.stem}.part{index}.mbox")
        part.write_bytes(b"".join(messages[index * size : (index + 1) * size]))
        out.append(part)
    return out


def _sample(tmp: Path) -> Path:
    path = tmp / "sample.mbox"
    if not path.exists():
        write_sample_mbox(path, series_count=SAMPLE_SERIES)
    return path


def _digest(_: Path) -> list[list[Path]]:
    return [[SMALL_DIGEST]]


def _one_load(tmp: Path) -> list[list[Path]]:
    return [[_sample(tmp)]]


def _halves(tmp: Path) -> list[list[Path]]:
    first, second = split_mbox(_sample(tmp), 2)
    return [[first], [second]]


def _halves_reversed(tmp: Path) -> list[list[Path]]:
    first, second = split_mbox(_sample(tmp), 2)
    return [[second], [first], [second]]


def _digest_and_sample(tmp: Path) -> list[list[Path]]:
    return [[SMALL_DIGEST, _sample(tmp)]]


def _merges(tmp: Path) -> MergeFixture:
    found = tmp / "merges"
    if not found.exists():
        return build_merge_fixture(found)
    return MergeFixture(found / "tree", found / "mail.mbox", {})


def _tree_then_mail(tmp: Path) -> list[list[Path]]:
    fixture = _merges(tmp)
    return [[fixture.repo], [fixture.mbox]]


def _mail_and_tree(tmp: Path) -> list[list[Path]]:
    fixture = _merges(tmp)
    return [[fixture.mbox, fixture.repo]]


def _series_rules(_: Path) -> list[list[Path]]:
    """Pull requests, mislabeled versions, re-rolls linked every way, CARRIED reviews."""
    return [sorted((FIXTURES / "series").glob("*.mbox"))]


SCENARIOS: dict[str, Callable[[Path], list[list[Path]]]] = {
    "digest": _digest,
    "sample": _one_load,
    "sample-in-halves": _halves,
    "sample-reversed-and-reloaded": _halves_reversed,
    "digest+sample": _digest_and_sample,
    "tree-then-mail": _tree_then_mail,
    "mail+tree": _mail_and_tree,
    "series-rules": _series_rules,
}


def build_pair(name: str, neo: Neo4jStore, tmp: Path) -> StorePair:
    """Empty the database, then run the scenario's loads into both stores alike."""
    neo.clear()
    nx = NetworkXStore()
    companies = load_company_map()
    loads = SCENARIOS[name](tmp)
    for sources in loads:
        nx_summary = load_into_store(nx, sources, companies)
        neo_summary = load_into_store(neo, sources, companies)
        assert neo_summary == nx_summary
    return StorePair(name, nx, neo, loads)


#: The scenarios the (slower) GraphQL contract runs on; the store contract runs on all.
GRAPHQL_SCENARIOS = ["digest", "digest+sample", "mail+tree", "series-rules"]


@pytest.fixture(scope="module", params=list(SCENARIOS))
def pair(
    request: pytest.FixtureRequest,
    neo4j_store: Neo4jStore,
    tmp_path_factory: pytest.TempPathFactory,
) -> StorePair:
    """Both stores after one scenario's loads (every scenario)."""
    return build_pair(str(request.param), neo4j_store, tmp_path_factory.mktemp("contract"))


@pytest.fixture(scope="module", params=GRAPHQL_SCENARIOS)
def graphql_pair(
    request: pytest.FixtureRequest,
    neo4j_store: Neo4jStore,
    tmp_path_factory: pytest.TempPathFactory,
) -> StorePair:
    """Both stores after one of the `GRAPHQL_SCENARIOS`; the embedded one as `graphapi serve`
    serves it: saved, then read back for serving (`graphapi.graph_rows`) and warmed."""
    tmp = tmp_path_factory.mktemp("graphql")
    pair = build_pair(str(request.param), neo4j_store, tmp)
    write_snapshot(pair.nx, tmp / "served.db")
    served = read_snapshot(tmp / "served.db", corpus=False).warm()
    return StorePair(pair.name, served, pair.neo, pair.loads)
