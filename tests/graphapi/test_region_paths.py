"""A region is assembled with only the corpus' full paths that can complete its shortened
ones (`region.completing`), and the walk reads each known path once (`StoredIndex.distinct`):
both must leave every `.../tail` resolved as with every path of the corpus."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from graphapi import message_index
from graphapi.region import completing
from loaders.mail.files import FileResolver, suffixes
from loaders.records import FileChange

PATHS = [
    "arch/x86/kvm/x86.c",
    "arch/arm64/kvm/x86.c",
    "tools/testing/selftests/kvm/lib/kvm_util.c",
    "tools/testing/selftests/kvm/include/kvm_util.h",
    "drivers/virtio/virtio_ring.c",
    "virtio_ring.c",
    "include/linux/virtio.h",
    "Documentation/virt/kvm/api.rst",
    "dir/",
]


def _resolved(known: set[str], tail: str) -> str:
    return FileResolver([], known).resolve(FileChange(path=".../" + tail, shortened=True)).path


def test_completing_keeps_exactly_the_paths_ending_with_a_tail() -> None:
    tails = {"x86.c", "kvm/lib/kvm_util.c", "virtio_ring.c", "nothing.c"}
    assert completing(PATHS, tails) == {
        "arch/x86/kvm/x86.c",
        "arch/arm64/kvm/x86.c",
        "tools/testing/selftests/kvm/lib/kvm_util.c",
        "drivers/virtio/virtio_ring.c",
        "virtio_ring.c",
    }
    assert completing(PATHS, set()) == set()
    assert completing(PATHS, {""}) == {"dir/"}  # a tail cut right after `.../`


def test_every_tail_resolves_as_with_every_path() -> None:
    chooser = random.Random(7)
    every_tail = sorted({s for path in PATHS for s in suffixes(path)} | {"absent.c"})
    for _ in range(200):
        tails = set(chooser.sample(every_tail, chooser.randint(0, 6)))
        known = set(PATHS)
        kept = completing(known, tails)
        assert kept <= known
        for tail in tails:
            assert _resolved(kept, tail) == _resolved(known, tail)


@pytest.fixture()
def index(tmp_path: Path) -> message_index.StoredIndex:
    conn = sqlite3.connect(tmp_path / "keys.db")
    conn.execute(
        "CREATE TABLE message_keys (token TEXT NOT NULL, at INTEGER NOT NULL, "
        "key TEXT NOT NULL, PRIMARY KEY (token, at, key)) WITHOUT ROWID"
    )
    rows = [
        ("path:a/b.c", 1, "m1"),
        ("path:a/b.c", 2, "m2"),
        ("path:a/b.c", 3, "m3"),
        ("path:z.c", 2, "m2"),
        ("pathz", 2, "m2"),  # past the prefix
        ("pat", 2, "m2"),  # before it
        ("tail:b.c", 4, "m4"),
    ]
    conn.executemany("INSERT INTO message_keys VALUES (?, ?, ?)", rows)
    return message_index.StoredIndex(conn)


def test_distinct_gives_each_token_of_a_prefix_once(index: message_index.StoredIndex) -> None:
    assert list(index.distinct("path:")) == ["a/b.c", "z.c"]
    assert list(index.distinct("tail:")) == ["b.c"]
    assert list(index.distinct("link:")) == []


def test_holders_gives_every_message_holding_a_token(index: message_index.StoredIndex) -> None:
    found = sorted(index.holders(["path:a/b.c", "path:z.c", "path:none", "path:z.c"]))
    assert found == [
        ("path:a/b.c", "m1"),
        ("path:a/b.c", "m2"),
        ("path:a/b.c", "m3"),
        ("path:z.c", "m2"),
    ]
