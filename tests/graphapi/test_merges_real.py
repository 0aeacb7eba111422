"""The honest evaluation on real data: kvm-cc against the kvm-unit-tests and kvmtool trees.

The matcher runs with the `Link:`/`Message-Id:` trailers WITHHELD; its pairs are scored
against the pairs those trailers name, counting only commits whose trailers name a patch
present in the loaded mail (`graphapi.merging.evaluate`). bench/merges.py prints the same
figures with timings. Target (issue 16): precision >= 98 %, recall >= 90 %.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from graphapi.identity import Identities
from graphapi.merging import cover_ids_of, evaluate, posted_patches
from loaders.assembly.assemble import assemble
from loaders.assembly.merges import match_commits
from loaders.assembly.results import Assembly
from loaders.mail.parallel import parse_many
from loaders.sources import mbox
from loaders.sources.gitrepo import CodeCommit, iter_commits
from tests.conftest import corpus_file


@pytest.fixture(scope="module")
def kvm_cc_assembly() -> Assembly:
    return assemble(parse_many(mbox.iter_messages(corpus_file("kvm-cc-2025plus.mbox.gz"))))


def _tree(name: str, tmp: Path) -> list[CodeCommit]:
    target = tmp / name
    bundle = corpus_file(f"{name}.bundle")
    subprocess.run(["git", "clone", "-q", "--bare", str(bundle), str(target)], check=True)
    return list(iter_commits(target))


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[CodeCommit]]:
    tmp = tmp_path_factory.mktemp("trees")
    return {name: _tree(name, tmp) for name in ("kvm-unit-tests", "kvmtool")}


def test_trees_are_read_whole(trees: dict[str, list[CodeCommit]]) -> None:
    unit_tests, kvmtool = trees["kvm-unit-tests"], trees["kvmtool"]
    assert len(unit_tests) > 3400 and len(kvmtool) > 1900  # non-merge commits
    assert all(c.patch_id for c in unit_tests if c.title != "")  # every commit has a diff
    linked = sum(1 for c in unit_tests if c.links)
    assert linked > 1400  # 1,106 Message-Id + 414 Link trailers, a few carry both


def test_kvm_unit_tests_precision_and_recall(
    kvm_cc_assembly: Assembly, trees: dict[str, list[CodeCommit]]
) -> None:
    identities = Identities()
    patches = posted_patches(kvm_cc_assembly, identities)
    result = evaluate(patches, trees["kvm-unit-tests"], identities, cover_ids_of(kvm_cc_assembly))
    print("\n".join(result.lines()))
    assert result.truth >= 5
    assert result.precision >= 0.98
    assert result.recall >= 0.90


def test_kvmtool_ends_before_the_mail_so_nothing_is_merged(
    kvm_cc_assembly: Assembly, trees: dict[str, list[CodeCommit]]
) -> None:
    patches = posted_patches(kvm_cc_assembly, Identities())
    assert match_commits(patches, trees["kvmtool"], use_links=False) == []
