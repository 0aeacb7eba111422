"""A `graphapi load` process ends at once after its load (`cli.run`: nothing it built is
freed object by object); what it printed must still come out whole, through a pipe too, with
the exit code `main` gave, and a failed load must exit as before."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from graphapi.sample import write_sample_mbox

ROOT = Path(__file__).resolve().parents[2]


def _graphapi(*args: str, stdout: int = subprocess.PIPE) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PYTHONUNBUFFERED", None)  # output through a pipe is buffered: it must be flushed
    return subprocess.Popen(
        [sys.executable, "-m", "graphapi", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_a_load_process_prints_its_summary_and_commits(tmp_path: Path) -> None:
    mbox = tmp_path / "list.mbox"
    write_sample_mbox(mbox, series_count=3)
    db = tmp_path / "g.db"
    first = _graphapi("load", "--db", str(db), str(mbox))
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("read ") and "/ loaded " in lines[0]
    loaded = int(lines[0].split("/ loaded ")[1].split()[0])
    assert loaded > 0
    with sqlite3.connect(db) as conn:  # committed, and readable by another process
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == loaded
    again = _graphapi("load", "--db", str(db), str(mbox))
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert "/ loaded 0 /" in out.splitlines()[0]


def test_a_failed_load_exits_one_with_one_line(tmp_path: Path) -> None:
    failed = _graphapi("load", "--db", str(tmp_path / "g.db"), str(tmp_path / "missing.mbox"))
    out, err = failed.communicate(timeout=300)
    assert failed.returncode == 1
    assert out == "" and err.startswith("graphapi: error: ") and err.count("\n") == 1


def test_a_load_whose_reader_left_exits_141(tmp_path: Path) -> None:
    mbox = tmp_path / "list.mbox"
    write_sample_mbox(mbox, series_count=1)
    load = _graphapi("load", "--db", str(tmp_path / "g.db"), str(mbox))
    assert load.stdout is not None and load.stderr is not None
    load.stdout.close()  # before the summary is written: the process starts slower
    err = load.stderr.read()
    assert load.wait(timeout=300) == 141, err
    assert "Traceback" not in err
