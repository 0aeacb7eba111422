"""Golden-test helper: a BodyInfo as plain JSON-able data, for comparing with *.expected.json.

The commit message becomes a list of lines so that the expected files stay readable and a
failing comparison points at the line that differs.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from pathlib import Path
from typing import Any

from loaders.records import BodyInfo
from tests.conftest import FIXTURES

BODIES = FIXTURES / "bodies"


def to_jsonable(value: Any) -> Any:
    """Enums to their values, tuples to lists, recursively (after dataclasses.asdict)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {key: to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    return value


def body_to_dict(info: BodyInfo) -> dict[str, Any]:
    """The BodyInfo as the dict an expected JSON file holds."""
    data: dict[str, Any] = to_jsonable(dataclasses.asdict(info))
    data["commit_message"] = info.commit_message.split("\n") if info.commit_message else []
    # what the body gives read as a reply: the reply goldens' business (test_reply_fidelity)
    del data["review_trailers"]
    return data


def load_expected(name: str) -> dict[str, Any]:
    expected: dict[str, Any] = json.loads((BODIES / f"{name}.expected.json").read_text())
    return expected


def fixture_names() -> list[str]:
    """Every NAME with both NAME.txt and NAME.expected.json."""
    return sorted(
        path.stem
        for path in BODIES.glob("*.txt")
        if (BODIES / f"{path.stem}.expected.json").exists()
    )


def read_body(name: str) -> str:
    return Path(BODIES / f"{name}.txt").read_text(encoding="utf-8")
