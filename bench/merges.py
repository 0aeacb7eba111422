"""Was it merged? The honest evaluation of patch -> commit matching, and the tree load time.

    .venv/bin/python bench/merges.py [--mail kvm-cc-2025plus.mbox.gz] [--tree kvm-unit-tests]
    .venv/bin/python bench/merges.py --with-archives   # + the public-inbox archives

Loads the kvm-cc mail with the project's loaders and clones the two code trees (git bundles) to
a scratch directory, reads their commits (timed: the ~3.6k-commit tree loads in seconds), then
matches patches to commits with the `Link:`/`Message-Id:` trailers WITHHELD and compares the
pairs found with the pairs the trailers name, counting only commits whose trailers name a
patch present in the loaded mail. Prints precision, recall and the misses by class, per tree.
Target (issue 16): precision >= 98 %, recall >= 90 % on kvm-unit-tests.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

from benchlib import CORPORA, KVM_CC, clone_inbox, need, temp_dir

from graphapi.identity import Identities
from graphapi.loading import load_sources
from graphapi.merging import cover_ids_of, evaluate, posted_patches
from graphapi.store.networkx_store import NetworkXStore
from loaders.assembly.assemble import assemble
from loaders.mail.parallel import parse_many
from loaders.sources import mbox, publicinbox
from loaders.sources.gitrepo import iter_commits

TREES = ("kvm-unit-tests", "kvmtool")
INBOXES = (
    "kvm-ppc.vger.kernel.org.0.bundle",
    "linux-riscv.lists.infradead.org.0.bundle",
    "virtualization.lists.linux-foundation.org.0.bundle",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mail", type=Path, default=KVM_CC)
    parser.add_argument(
        "--with-archives",
        action="store_true",
        help="add the three public-inbox archives (kvm-ppc, linux-riscv, virtualization)",
    )
    parser.add_argument("--tree", action="append", choices=TREES)
    args = parser.parse_args()
    with temp_dir("merges") as name_of_scratch:
        scratch = Path(name_of_scratch)
        started = time.perf_counter()
        raw = list(mbox.iter_messages(need(args.mail)))
        if args.with_archives:
            for bundle in INBOXES:
                where = scratch / bundle
                where.mkdir()
                raw += publicinbox.iter_messages(clone_inbox(CORPORA / bundle, where))
        assembly = assemble(parse_many(raw))
        identities = Identities()
        patches = posted_patches(assembly, identities)
        covers = cover_ids_of(assembly)
        print(f"mail: {len(patches)} patches in {time.perf_counter() - started:.1f} s")
        for name in args.tree or TREES:
            clone = scratch / name
            bundle = need(CORPORA / f"{name}.bundle")
            subprocess.run(["git", "clone", "-q", "--bare", str(bundle), str(clone)], check=True)
            started = time.perf_counter()
            commits = list(iter_commits(clone))
            seconds = time.perf_counter() - started
            print(f"\n{name}: {len(commits)} non-merge commits read in {seconds:.1f} s")
            for line in evaluate(patches, commits, identities, covers).lines():
                print("  " + line)
            if name == TREES[0]:
                _timed_load(need(args.mail), clone)


def _timed_load(mail: Path, tree: Path) -> None:
    """The tree loaded as `graphapi load` does it: into an empty embedded store, then into one
    holding the mail (read, match every patch and commit, write pairs and series summaries)."""
    store = NetworkXStore()
    started = time.perf_counter()
    load_sources(store, [tree])
    print(f"  load into an empty store: {time.perf_counter() - started:.1f} s")
    store = NetworkXStore()
    load_sources(store, [mail])
    started = time.perf_counter()
    summary = load_sources(store, [tree])
    seconds = time.perf_counter() - started
    print(f"  load into a store holding the mail: {seconds:.1f} s ({summary.line()})")
    started = time.perf_counter()
    load_sources(store, [tree])
    print(f"  reload, nothing new: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
