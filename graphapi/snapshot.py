"""The embedded store's snapshot file: written atomically, read fast.

A snapshot is a magic line and a pickled networkx graph. It is written to a temporary file
beside the target, flushed to disk and renamed over it, so a crash or a failed load at any
point leaves the previous snapshot whole. Only open snapshots you or your own loads wrote:
like any pickle, a snapshot is trusted input.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

from graphapi.errors import SnapshotError
from graphapi.store.networkx_store import NetworkXStore

__all__ = ["MAGIC", "read_snapshot", "write_snapshot"]

MAGIC = b"GRAPHAPI-SNAPSHOT 1\n"


def read_snapshot(path: str | os.PathLike[str], *, missing_ok: bool = False) -> NetworkXStore:
    """The store saved at `path`; an empty store when it does not exist and `missing_ok`."""
    target = Path(path)
    if not target.exists():
        if missing_ok:
            return NetworkXStore()
        raise SnapshotError(f"no graph at {target}: run 'graphapi load --db {target} SOURCE' first")
    try:
        with target.open("rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                raise SnapshotError(f"{target} is not a graphapi snapshot")
            graph = pickle.load(handle)
    except SnapshotError:
        raise
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError) as exc:
        raise SnapshotError(f"cannot read snapshot {target}: {exc}") from exc
    return NetworkXStore(graph)


def write_snapshot(store: NetworkXStore, path: str | os.PathLike[str]) -> None:
    """Save atomically: a temporary file in the same directory, fsync, rename."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise SnapshotError(f"cannot write snapshot in {directory}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(MAGIC)
            pickle.dump(store.graph, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException as exc:
        Path(tmp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise SnapshotError(f"cannot write snapshot {target}: {exc.strerror}") from exc
        raise
