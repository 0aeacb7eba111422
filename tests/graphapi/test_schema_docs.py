"""The schema documents itself: every type, field, argument and enum value has a description.

Checked twice: by walking the schema's own introspection (always), and by the description
rules of graphql-schema-linter, the tool front-end developers run on a schema (npm, installed
in a cache folder outside the project; skipped with a reason where npm is absent).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from graphapi.schema import build_schema
from tests.conftest import ROOT

_LINTER_VERSION = "3.0.1"
_RULES = (
    "types-have-descriptions,fields-have-descriptions,"
    "arguments-have-descriptions,enum-values-have-descriptions"
)


def _undocumented(types: list[dict[str, Any]]) -> list[str]:
    """Every type, field, argument and enum value of the API without a description."""
    missing: list[str] = []
    for t in types:
        if t["name"].startswith("__") or t["kind"] == "SCALAR":
            continue
        if not t["description"]:
            missing.append(t["name"])
        for field in (t["fields"] or []) + (t["inputFields"] or []):
            if not field["description"]:
                missing.append(f"{t['name']}.{field['name']}")
            for arg in field.get("args") or []:
                if not arg["description"]:
                    missing.append(f"{t['name']}.{field['name']}({arg['name']})")
        for value in t["enumValues"] or []:
            if not value["description"]:
                missing.append(f"{t['name']}.{value['name']}")
    return missing


_INTROSPECTION = """{ __schema { types { name kind description
  fields(includeDeprecated: true) { name description args { name description } }
  inputFields { name description }
  enumValues(includeDeprecated: true) { name description } } } }"""


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    result = build_schema().execute_sync(_INTROSPECTION)
    assert result.errors is None
    assert result.data is not None
    types = result.data["__schema"]["types"]
    assert len(types) > 30  # the walk saw the whole schema
    assert _undocumented(types) == []


def test_the_walk_notices_a_missing_description() -> None:
    types = [
        {
            "name": "T",
            "kind": "OBJECT",
            "description": "ok",
            "fields": [{"name": "f", "description": None, "args": []}],
            "inputFields": None,
            "enumValues": None,
        }
    ]
    assert _undocumented(types) == ["T.f"]


def _linter() -> Path:
    """graphql-schema-linter installed once in a cache folder (never in the project)."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(
            "npm is absent: graphql-schema-linter cannot be installed (apt-get install npm)"
        )
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    folder = cache / "graphapi-npm" / f"graphql-schema-linter-{_LINTER_VERSION}"
    binary = folder / "node_modules" / ".bin" / "graphql-schema-linter"
    if not binary.exists():
        folder.mkdir(parents=True, exist_ok=True)
        install = subprocess.run(
            [npm, "install", "--silent", "--prefix", str(folder),
             f"graphql-schema-linter@{_LINTER_VERSION}", "graphql@16"],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        if install.returncode != 0:
            pytest.skip(f"npm could not install graphql-schema-linter: {install.stderr[-300:]}")
    return binary


def test_graphql_schema_linter_description_rules_pass() -> None:
    binary = _linter()
    run = subprocess.run(
        [str(binary), "--rules", _RULES, str(ROOT / "schema.graphql")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-1000:]
