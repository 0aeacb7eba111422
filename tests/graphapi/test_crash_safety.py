"""A load killed at any point (SIGKILL) leaves the last good snapshot intact, and running the
load again gives the same graph as a load that was never interrupted, and removes whatever
temporary file the killed load left."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphapi.cli import main
from graphapi.sample import write_sample_mbox
from tests.conftest import ROOT
from tests.graphapi.conftest import SMALL_DIGEST

KILL_FRACTIONS = (0.05, 0.2, 0.4, 0.6, 0.8, 0.95)
STATS = "{ stats { messages people companies series patches files } }"


def _load_process(db: Path, source: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "graphapi", "load", "--db", str(db), str(source)]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _stats(db: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(["query", "--db", str(db), STATS]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def test_killed_loads_leave_the_snapshot_intact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.mbox"
    write_sample_mbox(source, series_count=150, seed=7)
    reference = tmp_path / "reference.db"
    assert main(["load", "--db", str(reference), str(SMALL_DIGEST)]) == 0
    good = reference.read_bytes()
    started = time.monotonic()
    assert _load_process(reference, source).wait() == 0
    duration = time.monotonic() - started
    expected = _stats(reference, capsys)

    intact, equal = 0, 0
    for index, fraction in enumerate(KILL_FRACTIONS):
        db = tmp_path / f"killed-{index}.db"
        db.write_bytes(good)
        process = _load_process(db, source)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        after = db.read_bytes()
        finished = after != good
        intact += (after == good) or (finished and _stats(db, capsys) == expected)
        assert main(["load", "--db", str(db), str(source)]) == 0
        equal += _stats(db, capsys) == expected
        assert sorted(p.name for p in tmp_path.glob(f"{db.name}.*")) == []  # no .tmp, no .lock
    print(f"kills: {len(KILL_FRACTIONS)}, snapshots intact: {intact}, re-runs equal: {equal}")
    assert intact == equal == len(KILL_FRACTIONS)
