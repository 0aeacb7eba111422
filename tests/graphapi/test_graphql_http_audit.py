"""graphql-http's GraphQL-over-HTTP audit (the reference implementation's own checks), run
with Node against a live server. graphql-http is installed by npm in a cache folder, never in
the repository; without npm (or without the registry) the test is skipped, saying why."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from graphapi.app import create_app
from graphapi.store.networkx_store import NetworkXStore
from tests.graphapi.test_hostile import live

PACKAGES = ["graphql-http@1.23.1", "graphql@16.15.0"]
SCRIPT = Path(__file__).with_name("graphql_http_audit.mjs")


def audit_folder() -> Path:
    """The cache folder holding graphql-http, installed on first use."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    folder = cache / "graphapi-audit"
    if not (folder / "node_modules" / "graphql-http").is_dir():
        if shutil.which("npm") is None or shutil.which("node") is None:
            pytest.skip("npm/node not installed: graphql-http's audit cannot run")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text('{"private": true}\n')
        command = ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder), *PACKAGES]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            pytest.skip(f"npm could not install graphql-http: {done.stderr.strip()[-200:]}")
    return folder


def test_graphql_over_http_audit_passes(digest_store: NetworkXStore) -> None:
    folder = audit_folder()
    with live(create_app(digest_store)) as url:
        done = subprocess.run(
            ["node", str(SCRIPT), str(folder), url + "/graphql"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    counts: dict[str, tuple[int, int]] = {}
    for level in ("MUST", "SHOULD", "MAY"):
        mine = [r for r in results if r["name"].startswith(level)]
        counts[level] = (sum(r["status"] == "ok" for r in mine), len(mine))
    print(f"graphql-http audit: {counts}")
    failed = [f"{r['name']}: {r['reason']}" for r in results if r["status"] in ("error", "warn")]
    assert counts["MUST"][1] >= 13 and not failed, failed
