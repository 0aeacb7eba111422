"""What the embedded store's database has to know about earlier versions: the pickle
snapshots of formats 1-3 (recognised, and read once by `graphapi load` to migrate them,
`snapshot._migrate`), and the temporary files killed writes left beside the database.

Reading a pickle runs code, so only the file named by `--db`, which your own loads wrote,
is ever read, and only to migrate it.
"""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path
from typing import IO

from graphapi.corpus import Corpus
from graphapi.cursors import cursor_key
from graphapi.errors import SnapshotError
from graphapi.gcpause import paused_gc
from graphapi.store.networkx_store import NetworkXStore

__all__ = ["LEGACY_MAGICS", "legacy_magic", "read_legacy", "remove_stale_temps"]


#: The first line of the pickle snapshots of formats 1-3 (migrated by `graphapi load`).
LEGACY_MAGICS = (
    b"GRAPHAPI-SNAPSHOT 1\n",
    b"GRAPHAPI-SNAPSHOT 2\n",
    b"GRAPHAPI-SNAPSHOT 3\n",
)

_LEGACY_ERRORS = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError)


_TEMP_MIDDLE = r"\.[a-z0-9_]{8}\.tmp"  # what `tempfile.mkstemp` puts between prefix and suffix

_TEMP_HEADS = (b"GRAPHAPI-SNAPSHOT ", b"SQLite format 3\x00")


def legacy_magic(path: Path) -> bytes | None:
    try:
        with path.open("rb") as handle:
            head = handle.read(len(LEGACY_MAGICS[0]))
    except OSError:
        return None
    return head if head in LEGACY_MAGICS else None


def read_legacy(target: Path) -> NetworkXStore:
    """A pickle snapshot of formats 1-3 (trusted: only the file `--db` names)."""
    try:
        with target.open("rb") as handle, paused_gc():
            return _unpickle(handle, target)
    except SnapshotError:
        raise
    except _LEGACY_ERRORS as exc:
        raise SnapshotError(f"cannot read the older snapshot {target}: {exc}") from exc


def _unpickle(handle: IO[bytes], target: Path) -> NetworkXStore:
    magic = handle.read(len(LEGACY_MAGICS[0]))
    if magic == LEGACY_MAGICS[0]:
        store = NetworkXStore(pickle.load(handle))
        store.corpus.fill_patch_ids()
    else:
        unpickler = pickle.Unpickler(handle)
        graph = unpickler.load()
        corpus = unpickler.load()
        if not isinstance(corpus, Corpus):
            raise SnapshotError(f"cannot read the older snapshot {target}: no corpus")
        if magic == LEGACY_MAGICS[1]:
            corpus.fill_patch_ids()
        graph.graph["corpus"] = corpus
        store = NetworkXStore(graph)
    heads = store.corpus.inbox_heads  # where older versions kept public-inbox cursors
    store.cursors.update((cursor_key("public-inbox", Path(path)), h) for path, h in heads.items())
    return store


def remove_stale_temps(path: str | os.PathLike[str]) -> list[str]:
    """Delete the temporary files killed writes of this db left (an older version's snapshot
    write, or a migration); their names.

    Call it holding the db's lock (`graphapi.dblock`): no write of this db is then under
    way, so every such file is stale. Only files named as this module names its temporaries
    for this very db, and holding nothing or the start of a snapshot or database, are
    touched: another db's, or a user's `DB.backup.tmp`, are left alone.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    pattern = re.compile(re.escape(target.name) + _TEMP_MIDDLE + r"(-wal|-shm)?")
    removed: list[str] = []
    try:
        entries = [entry for entry in os.scandir(directory) if pattern.fullmatch(entry.name)]
    except OSError:
        return removed  # the write will report an unusable directory
    for entry in entries:
        if entry.is_file(follow_symlinks=False) and _starts_like_ours(entry.path, entry.name):
            try:
                os.unlink(entry.path)
            except OSError:
                continue
            removed.append(entry.name)
    return sorted(removed)


def _starts_like_ours(path: str, name: str) -> bool:
    """Empty, a WAL/shm companion, or beginning with (part of) a snapshot's or database's
    first bytes."""
    if name.endswith(("-wal", "-shm")):
        return True
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    return any(magic.startswith(head[: len(magic)]) for magic in _TEMP_HEADS)
