"""The explorer page in a real headless browser (Debian's Chromium): it queries /graphql and
draws the review network, with the strongest ties listed."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphapi.cli import main
from tests.graphapi.conftest import SMALL_DIGEST
from tests.graphapi.serving import serve


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
    with serve(db) as (url, _):
        yield url


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
