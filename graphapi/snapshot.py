"""The embedded store's snapshot file: written atomically, read fast.

A snapshot is a magic line, the pickled networkx graph, then the pickled corpus (the parsed
messages the graph was built from), written by one pickler so what they share (message
bodies) is stored once. The two are separate so a server, which needs only the
graph, starts without reading the corpus (most of the file); `graphapi load` reads both.
Records are pickled with `loaders.fastpickle` (rebuilt by calling their class, several
times faster than the dataclasses' generic state). Older files still load: version 1 (the
corpus inside the graph) and 2 (no patch-ids in the records: computed when read).

The file is written to a temporary file beside the target, flushed to disk and renamed over
it, so a crash or a failed load at any point leaves the previous snapshot whole. A load
killed while writing leaves its temporary file (`DB.xxxxxxxx.tmp`); the next load of the same
db removes it (`remove_stale_temps`, under the db lock). Only open
snapshots you or your own loads wrote: like any pickle, a snapshot is trusted input.
"""

from __future__ import annotations

import os
import pickle
import re
import tempfile
from pathlib import Path
from typing import IO, Any

from graphapi.corpus import Corpus
from graphapi.errors import SnapshotError
from graphapi.gcpause import paused_gc
from graphapi.store.networkx_store import NetworkXStore
from loaders import fastpickle

__all__ = ["MAGIC", "read_snapshot", "remove_stale_temps", "write_snapshot"]

MAGIC = b"GRAPHAPI-SNAPSHOT 3\n"
_MAGIC_V1 = b"GRAPHAPI-SNAPSHOT 1\n"
_MAGIC_V2 = b"GRAPHAPI-SNAPSHOT 2\n"  # as 3, without BodyInfo.patch_id
_MAGIC_STEM = b"GRAPHAPI-SNAPSHOT "  # every version's magic starts so
_TEMP_MIDDLE = r"\.[a-z0-9_]{8}\.tmp"  # what `tempfile.mkstemp` puts between our prefix/suffix
_READ_ERRORS = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError)


def read_snapshot(
    path: str | os.PathLike[str], *, missing_ok: bool = False, corpus: bool = True
) -> NetworkXStore:
    """The store saved at `path`; an empty store when it does not exist and `missing_ok`.

    With `corpus=False` only the graph is read (what serving needs): the store answers
    queries but cannot be loaded into or saved.
    """
    target = Path(path)
    if not target.exists():
        if missing_ok:
            return NetworkXStore()
        raise SnapshotError(f"no graph at {target}: run 'graphapi load --db {target} SOURCE' first")
    try:
        with target.open("rb") as handle, paused_gc():
            return _read(handle, target, corpus)
    except SnapshotError:
        raise
    except _READ_ERRORS as exc:
        raise SnapshotError(f"cannot read snapshot {target}: {exc}") from exc


def _read(handle: IO[bytes], target: Path, with_corpus: bool) -> NetworkXStore:
    magic = handle.read(len(MAGIC))
    if magic == _MAGIC_V1:
        store = NetworkXStore(pickle.load(handle))
        store.corpus.fill_patch_ids()
        return store
    if magic not in (MAGIC, _MAGIC_V2):
        raise SnapshotError(f"{target} is not a graphapi snapshot")
    unpickler = pickle.Unpickler(handle)
    graph = unpickler.load()
    if not with_corpus:
        return NetworkXStore(graph, corpus_loaded=False)
    corpus = unpickler.load()  # same unpickler: the corpus refers to the graph's strings
    if not isinstance(corpus, Corpus):
        raise SnapshotError(f"cannot read snapshot {target}: no corpus after the graph")
    if magic == _MAGIC_V2:
        corpus.fill_patch_ids()
    graph.graph["corpus"] = corpus
    return NetworkXStore(graph)


def write_snapshot(store: NetworkXStore, path: str | os.PathLike[str]) -> None:
    """Save atomically: a temporary file in the same directory, fsync, rename."""
    target = Path(path)
    corpus = store.corpus  # raises for a store read without its corpus: it would be lost
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise SnapshotError(f"cannot write snapshot in {directory}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle, paused_gc():
            handle.write(MAGIC)
            pickler = fastpickle.pickler(handle)  # one memo: bodies are in both, stored once
            pickler.dump(_graph_without_corpus(store.graph))
            pickler.dump(corpus)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException as exc:
        Path(tmp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise SnapshotError(f"cannot write snapshot {target}: {exc.strerror}") from exc
        raise


def _graph_without_corpus(graph: Any) -> Any:
    """A shallow copy of the graph object sharing its nodes and edges, minus the corpus."""
    bare = graph.__class__.__new__(graph.__class__)
    bare.__dict__.update(graph.__dict__)
    bare.graph = {k: v for k, v in graph.graph.items() if k != "corpus"}
    return bare


def remove_stale_temps(path: str | os.PathLike[str]) -> list[str]:
    """Delete the temporary files killed writes of this snapshot left; their names.

    Call it holding the db's lock (`graphapi.dblock`): no write of this db is then under
    way, so every such file is stale. Only files named as `write_snapshot` names its
    temporaries for this very db, and holding nothing or the start of a snapshot, are
    touched: another db's, or a user's `DB.backup.tmp`, are left alone.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    pattern = re.compile(re.escape(target.name) + _TEMP_MIDDLE)
    removed: list[str] = []
    try:
        entries = [entry for entry in os.scandir(directory) if pattern.fullmatch(entry.name)]
    except OSError:
        return removed  # the write will report an unusable directory
    for entry in entries:
        if entry.is_file(follow_symlinks=False) and _starts_like_snapshot(entry.path):
            try:
                os.unlink(entry.path)
            except OSError:
                continue
            removed.append(entry.name)
    return sorted(removed)


def _starts_like_snapshot(path: str) -> bool:
    """Empty, or beginning with (part of) a snapshot's magic line."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(_MAGIC_STEM))
    except OSError:
        return False
    return _MAGIC_STEM.startswith(head)
