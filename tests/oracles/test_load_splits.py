"""The graph of an archive does not depend on how it was split into loads (issue 13).

The oracle is the session's one load of each real archive (`oracle_corpus`). The same
messages are cut at random points into three parts and loaded as three loads, in a random
order, into one store: every node and edge must equal the one load's. Public-inbox archives
are cut by commit ranges; the mbox is cut into three Maildirs. Where a message was read
(`origin`) is the only property allowed to differ. The cuts come from a fixed seed
(`GRAPHAPI_SPLIT_SEED` picks another), printed when the graphs differ.
"""

from __future__ import annotations

import os
import random
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphapi.loading import load_sources
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from loaders.sources.mbox import iter_messages
from tests.conftest import corpus_file
from tests.oracles.conftest import CORPORA, NEWEST, OracleCorpus, _clone, _newest

SEED = int(os.environ.get("GRAPHAPI_SPLIT_SEED", "2026"))

Graph = tuple[dict[str, Any], dict[tuple[str, str, str], Any]]


def _graph(store: NetworkXStore) -> Graph:
    nodes = {}
    for nid, attrs in store.graph.nodes(data=True):
        props = {k: v for k, v in attrs["props"].items() if k != "origin"}
        nodes[nid] = (props, attrs.get("names"), attrs.get("placeholder"))
    edges = {(s, t, k): dict(a) for s, t, k, a in store.graph.edges(keys=True, data=True)}
    return nodes, edges


def _differences(one: Graph, split: Graph) -> list[str]:
    return _differing(one[0], split[0]) + _differing(one[1], split[1])


def _differing(left: dict[Any, Any], right: dict[Any, Any]) -> list[str]:
    keys = sorted(set(left) | set(right), key=str)
    left, right = dict.fromkeys(keys) | left, dict.fromkeys(keys) | right
    return [f"{k}: {left.get(k)!r} != {right.get(k)!r}" for k in keys if left[k] != right[k]]


def _cuts(chooser: random.Random, count: int) -> list[tuple[int, int]]:
    """Three consecutive parts of `count` items, in a random order."""
    first, second = sorted(chooser.sample(range(1, count), 2))
    parts = [(0, first), (first, second), (second, count)]
    chooser.shuffle(parts)
    return parts


def _inbox_parts(name: str, tmp: Path, chooser: random.Random) -> list[tuple[Path, str]]:
    git_dir = _clone(corpus_file(CORPORA[name]), tmp / f"{name}.git")
    since = _newest(git_dir, NEWEST.get(name))
    command = ["git", "--git-dir", str(git_dir), "rev-list", "--reverse", "--topo-order"]
    commits = subprocess.run(
        [*command, f"{since}..HEAD" if since else "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    base = [since, *commits] if since else [None, *commits]

    def spec(start: int, end: int) -> str:
        low = base[start]
        return f"{low}..{commits[end - 1]}" if low else f"..{commits[end - 1]}"

    return [(git_dir, spec(start, end)) for start, end in _cuts(chooser, len(commits))]


def _mbox_parts(name: str, tmp: Path, chooser: random.Random) -> list[tuple[Path, str | None]]:
    raws = [raw for _, raw in iter_messages(corpus_file(CORPORA[name]))]
    parts: list[tuple[Path, str | None]] = []
    for index, (start, end) in enumerate(_cuts(chooser, len(raws))):
        maildir = tmp / f"part-{index}"
        for sub in ("cur", "new", "tmp"):
            (maildir / sub).mkdir(parents=True)
        for number in range(start, end):
            (maildir / "cur" / f"{number:06d}.mail:2,S").write_bytes(raws[number])
        parts.append((maildir, None))
    return parts


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_three_loads_in_a_random_order_give_the_graph_of_one_load(
    name: str,
    oracle_corpus: Callable[[str], OracleCorpus],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second and third loads change only the region their messages touch wherever it
    is closed (`graphapi.region`; any size of region, not only the small ones a real
    update takes that way), else rebuild: both must give the one load's graph."""
    monkeypatch.setenv("GRAPHAPI_REGION_SHARE", "1")
    one = oracle_corpus(name)
    chooser = random.Random(f"{SEED}:{name}")
    if CORPORA[name].endswith(".bundle"):
        parts: list[tuple[Path, str | None]] = list(_inbox_parts(name, tmp_path, chooser))
    else:
        parts = _mbox_parts(name, tmp_path, chooser)
    store = NetworkXStore()
    rebuilt = []
    for source, range_spec in parts:
        summary = load_sources(store, [source], load_company_map(), range_spec)
        rebuilt.append(summary.rebuilt_because)
    differences = _differences(_graph(one.store), _graph(store))
    assert differences == [], (
        f"seed {SEED}, parts {parts}, rebuilt because {rebuilt}: {len(differences)} differ, "
        "e.g. " + "; ".join(differences[:5])
    )
