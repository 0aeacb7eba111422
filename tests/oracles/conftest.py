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
from loaders.companies import load_company_map
from tests.conftest import corpus_file
from tests.oracles.rawmail import RawMail, read_archive

#: Oracle corpus name -> file in ../shared/corpora (bundles are cloned as lore serves them).
CORPORA = {
    "virtualization": "virtualization.lists.linux-foundation.org.0.bundle",
    "linux-riscv": "linux-riscv.lists.infradead.org.0.bundle",
    "kvm-cc": "kvm-cc-2025plus.mbox.gz",
}


@dataclass(frozen=True)
class OracleCorpus:
    """One archive as the graph has it and as raw mail."""

    name: str
    store: NetworkXStore
    mails: dict[str, RawMail]


@pytest.fixture(scope="session")
def oracle_corpus(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], OracleCorpus]:
    """A loader of the named corpus that loads each one at most once per session."""
    loaded: dict[str, OracleCorpus] = {}

    def get(name: str) -> OracleCorpus:
        if name not in loaded:
            source = corpus_file(CORPORA[name])
            if source.name.endswith(".bundle"):
                clone = tmp_path_factory.mktemp("oracle-inbox") / f"{name}.git"
                command = ["git", "clone", "-q", "--mirror", str(source), str(clone)]
                subprocess.run(command, check=True)
                source = clone
            store = NetworkXStore()
            load_sources(store, [Path(source)], load_company_map())
            loaded[name] = OracleCorpus(name, store, read_archive(Path(source)))
        return loaded[name]

    return get
