"""Known disagreements with an oracle, kept in a fixture so that only NEW ones fail a test.

A fixture file lists each disagreement once, with its class. A run compares what it finds with
the file: a disagreement not in the file fails the test; one in the file but no longer found
is reported as fixed (the file can be pruned). `GRAPHAPI_ORACLE_UPDATE=1` (or the oracle's own
variable, e.g. `GRAPHAPI_B4_UPDATE=1`) rewrites the file from the run instead.
"""

from __future__ import annotations

import json
import os
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

Entry = dict[str, Any]


def _key(entry: Entry, fields: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(entry.get(f)) for f in fields)


def updating(variable: str) -> bool:
    return os.environ.get(variable) == "1" or os.environ.get("GRAPHAPI_ORACLE_UPDATE") == "1"


def check(
    path: Path, found: list[Entry], key_fields: Sequence[str], variable: str, about: str, test: str
) -> tuple[list[Entry], list[Entry]]:
    """(new, fixed) disagreements against the fixture, which is rewritten when updating."""
    ordered = sorted(found, key=lambda e: _key(e, key_fields))
    if updating(variable):
        body = {"about": about, "regenerate": f"{variable}=1 pytest {test}", "count": 0}
        body |= {"count": len(ordered), "byClass": by_class(ordered), "entries": ordered}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", "utf-8")
        return [], []
    known = json.loads(path.read_text("utf-8"))["entries"] if path.exists() else []
    known_keys = {_key(e, key_fields) for e in known}
    found_keys = {_key(e, key_fields) for e in ordered}
    new = [e for e in ordered if _key(e, key_fields) not in known_keys]
    fixed = [e for e in known if _key(e, key_fields) not in found_keys]
    if fixed:
        warnings.warn(
            f"{len(fixed)} known disagreement(s) in {path.name} are fixed; prune the file "
            f"({variable}=1): " + "; ".join(json.dumps(e) for e in fixed[:10]),
            stacklevel=2,
        )
    return new, fixed


def by_class(entries: Sequence[Entry]) -> dict[str, int]:
    return dict(sorted(Counter(str(e.get("class")) for e in entries).items()))
