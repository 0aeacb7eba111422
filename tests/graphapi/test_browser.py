"""The explorer page in a real headless browser (Debian's Chromium): it queries /graphql and
draws the review network, with the strongest ties listed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graphapi.cli import main
from tests.conftest import ROOT
from tests.graphapi.conftest import SMALL_DIGEST
from tests.graphapi.test_load_soak import _free_port


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    message = "no Chromium on this machine (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI installs it in .ci/run")
    pytest.skip(message)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    db = tmp_path / "g.db"
    assert main(["load", "--db", str(db), str(SMALL_DIGEST)]) == 0
    port = _free_port()
    command = [sys.executable, "-m", "graphapi", "serve", "--db", str(db), "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url + "/healthz", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(10)


def test_explorer_draws_the_review_network(served: str, tmp_path: Path) -> None:
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        served + "/",
    ]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout
    assert 'data-ready="true"' in dom, dom[-2000:]
    assert dom.count("<circle") == 3  # Tom Berg, Ana Lopez, Jean P Moreau
    assert "<td>Tom Berg</td><td>Ana Lopez</td><td>1</td>" in dom
    assert '<p id="status"></p>' in dom  # no error shown
