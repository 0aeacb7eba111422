"""The real archives the oracles compare against, each loaded once per session.

Each corpus is read twice, on purpose: into the project's graph (`load_sources`, as a user
loads it) and, independently, as raw mail with the standard library (`tests.oracles.rawmail`).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from graphapi.loading import load_sources
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from tests.conftest import corpus_file
from tests.oracles.rawmail import RawMail, read_archive

#: Oracle corpus name -> file in ../shared/corpora (bundles are cloned as lore serves them).
CORPORA = {
    "virtualization": "virtualization.lists.linux-foundation.org.0.bundle",
    "linux-riscv": "linux-riscv.lists.infradead.org.0.bundle",
    "kvm-cc": "kvm-cc-2025plus.mbox.gz",
}
#: Only the newest commits of these inboxes are read, by both sides alike (27,573 messages
#: would take most of the oracle's time budget; the last 8,000 hold hundreds of reviewed series).
NEWEST = {"virtualization": 8000}


@dataclass(frozen=True)
class OracleCorpus:
    """One archive as the graph has it and as raw mail."""

    name: str
    store: NetworkXStore
    mails: dict[str, RawMail]


def _clone(bundle: Path, target: Path) -> Path:
    subprocess.run(["git", "clone", "-q", "--mirror", str(bundle), str(target)], check=True)
    return target


def _newest(git_dir: Path, count: int | None) -> str | None:
    """The commit after which the newest `count` messages come (None: read them all)."""
    if count is None:
        return None
    command = ["git", "--git-dir", str(git_dir), "rev-parse", f"HEAD~{count}"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="session")
def oracle_corpus(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], OracleCorpus]:
    """A loader of the named corpus that loads each one at most once per session."""
    loaded: dict[str, OracleCorpus] = {}

    def get(name: str) -> OracleCorpus:
        if name not in loaded:
            source = corpus_file(CORPORA[name])
            since = None
            if source.name.endswith(".bundle"):
                source = _clone(source, tmp_path_factory.mktemp("oracle-inbox") / f"{name}.git")
                since = _newest(source, NEWEST.get(name))
            store = NetworkXStore()
            load_sources(store, [source], load_company_map(), f"{since}.." if since else None)
            loaded[name] = OracleCorpus(name, store, read_archive(source, since))
        return loaded[name]

    return get
