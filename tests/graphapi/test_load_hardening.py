"""Loads that never lose or hang (issue 12, item 4), with real `graphapi load` processes.

- two loads into one `--db` at once keep both loads' messages (the second waits);
- a load killed by SIGKILL or SIGTERM takes its parse workers with it: the stdout and stderr
  pipes it was given reach EOF at once (nothing else holds them);
- unusable input (FIFO, symlink loop, unreadable file, truncated or junk gzip, a git
  repository that is not an archive) gives one line, no traceback, no hang, and leaves the
  snapshot as it was;
- `--format` is honoured; a killed load's temporary file is removed by the next load.
"""

from __future__ import annotations

import gzip
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphapi.cli import main
from graphapi.dblock import db_lock
from graphapi.sample import write_sample_mbox
from tests.conftest import ROOT
from tests.graphapi.conftest import SMALL_DIGEST

MAGIC = b"SQLite format 3\x00"  # how a database (a killed migration's temporary) starts
STATS = "{ stats { messages } }"
EOF_WITHIN = 5.0  # seconds: a pipe nobody else holds reaches EOF at once


def _command(db: Path, *args: str | Path) -> list[str]:
    return [sys.executable, "-m", "graphapi", "load", "--db", str(db), *map(str, args)]


def _env(workers: int) -> dict[str, str]:
    return {**os.environ, "GRAPHAPI_WORKERS": str(workers)}


def _messages(db: Path, capsys: pytest.CaptureFixture[str]) -> int:
    capsys.readouterr()
    assert main(["query", "--db", str(db), STATS]) == 0
    count: int = json.loads(capsys.readouterr().out)["data"]["stats"]["messages"]
    return count


def _leftovers(directory: Path, db: Path) -> list[str]:
    """Files a load of `db` created beside it, other than the snapshot itself."""
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(db.name + "."))


@pytest.fixture(scope="module")
def big_mbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough messages (about 1,500) for the parse workers to start, and to take seconds."""
    path = tmp_path_factory.mktemp("sources") / "big.mbox"
    write_sample_mbox(path, series_count=150, seed=3)
    return path


# --- two loads at once ---------------------------------------------------------------------


def _start_load(db: Path, source: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        _command(db, source), cwd=ROOT, env=_env(1), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip


def test_two_concurrent_loads_keep_both(
    tmp_path: Path, big_mbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both loads start while the db is locked (by this test, so that neither can finish
    before the other begins), say they wait, then race for the lock once it is free."""
    small = tmp_path / "small.mbox"
    write_sample_mbox(small, series_count=10, seed=11)
    db = tmp_path / "g.db"
    with db_lock(db):
        loads = [_start_load(db, big_mbox), _start_load(db, small)]
        for load in loads:
            assert load.stderr is not None
            line = load.stderr.readline().decode()
            assert line == (
                f"graphapi: waiting for another load into {db} to finish (pid {os.getpid()})\n"
            )
    for load in loads:
        out, err = load.communicate(timeout=600)
        assert load.returncode == 0, err.decode()
        assert b"/ duplicates 0 /" in out  # each load found its own messages new
    together = _messages(db, capsys)

    reference = tmp_path / "reference.db"
    assert main(["load", "--db", str(reference), str(big_mbox)]) == 0
    assert main(["load", "--db", str(reference), str(small)]) == 0
    assert together == _messages(reference, capsys)
    single = tmp_path / "single.db"
    assert main(["load", "--db", str(single), str(big_mbox)]) == 0
    assert together > _messages(single, capsys) > 0  # the small load's messages are there
    assert _leftovers(tmp_path, db) == []  # no lock file, no temporary file


# --- the parent dies -----------------------------------------------------------------------


def _workers_of(pid: int) -> list[int]:
    """Child processes of `pid` that run a parse worker."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"loaders.mail.worker" in cmdline:
                found.append(int(child))
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it holds no file)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _still_alive(pids: list[int]) -> list[int]:
    """Those of `pids` still running after a short grace (an exiting process closes its
    files, which ends the pipes, a moment before it turns into a zombie)."""
    deadline = time.monotonic() + EOF_WITHIN
    while (alive := [pid for pid in pids if _alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.02)
    return alive


def _seconds_to_eof(*pipes: int) -> float:
    """Seconds until every pipe reads EOF (their data discarded); inf past EOF_WITHIN."""
    started = time.monotonic()
    open_pipes = set(pipes)
    while open_pipes:
        left = EOF_WITHIN - (time.monotonic() - started)
        if left <= 0:
            return float("inf")
        ready, _, _ = select.select(list(open_pipes), [], [], left)
        for fd in ready:
            if not os.read(fd, 1 << 16):
                open_pipes.discard(fd)
    return time.monotonic() - started


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_load_leaves_no_process_holding_its_pipes(
    tmp_path: Path, big_mbox: Path, sig: signal.Signals
) -> None:
    db = tmp_path / "g.db"
    process = subprocess.Popen(
        _command(db, big_mbox), cwd=ROOT, env=_env(2), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
        workers = _workers_of(process.pid)
        time.sleep(0.02)
    assert len(workers) == 2, "the load never started its two parse workers"
    process.send_signal(sig)
    seconds = _seconds_to_eof(process.stdout.fileno(), process.stderr.fileno())
    code = process.wait(timeout=30)
    process.stdout.close()
    process.stderr.close()
    print(f"{sig.name}: pipes at EOF after {seconds:.2f} s, exit status {code}")
    assert seconds < EOF_WITHIN
    assert not _still_alive(workers)
    assert code == (-signal.SIGKILL if sig is signal.SIGKILL else 143)
    if sig is signal.SIGTERM:  # it unwound: nothing written, nothing left behind
        assert not db.exists() and _leftovers(tmp_path, db) == []


# --- input that cannot be loaded -----------------------------------------------------------


def _truncated_gzip(path: Path, big_mbox: Path) -> Path:
    """A `.mbox.gz` cut in the middle: its start decompresses, its end is missing."""
    data = gzip.compress(big_mbox.read_bytes())
    path.write_bytes(data[: len(data) * 3 // 5])
    return path


BAD_SOURCES = {
    "symlink loop": "a symbolic link loop",
    "truncated gzip": "truncated gzip file",
    "gzip cut in its header": "truncated gzip file",
    "gzip of random bytes": "a gzip file, but not of mail: it holds binary data",
    "gzip of notes": "a gzip file, but not of mail",
    "git working tree": "a git working tree, not a public-inbox archive",
    "empty directory": "a directory that is not a known archive",
}


def _make_bad_source(kind: str, directory: Path, big_mbox: Path) -> Path:
    path = directory / kind.replace(" ", "-")
    if kind == "symlink loop":
        (directory / "loop-b").symlink_to(path)
        path.symlink_to(directory / "loop-b")
    elif kind == "truncated gzip":
        _truncated_gzip(path, big_mbox)
    elif kind == "gzip cut in its header":
        path.write_bytes(gzip.compress(b"From x\n")[:12])
    elif kind == "gzip of random bytes":
        path.write_bytes(gzip.compress(os.urandom(20_000)))
    elif kind == "gzip of notes":
        path.write_bytes(gzip.compress(b"shopping list\n- milk\n"))
    elif kind == "git working tree":
        (path / ".git").mkdir(parents=True)
        (path / "main.c").write_text("int main(void) { return 0; }\n")
    else:
        path.mkdir()
    return path


@pytest.mark.parametrize("kind", sorted(BAD_SOURCES))
def test_unusable_source_is_one_line_and_keeps_the_snapshot(
    tmp_path: Path, big_mbox: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    db = tmp_path / "g.db"
    assert main(["load", "--db", str(db), str(SMALL_DIGEST)]) == 0
    before = db.read_bytes()
    capsys.readouterr()
    source = _make_bad_source(kind, tmp_path, big_mbox)
    assert main(["load", "--db", str(db), str(source)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1, captured.err
    assert BAD_SOURCES[kind] in captured.err and "Traceback" not in captured.err
    assert str(source) in captured.err
    assert db.read_bytes() == before
    assert _leftovers(tmp_path, db) == []


def test_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    """Opening a FIFO nobody writes to blocks for ever: the load must not even try."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = subprocess.run(
        _command(tmp_path / "g.db", fifo), cwd=ROOT, capture_output=True, timeout=60
    )
    err = result.stderr.decode()
    assert result.returncode == 1
    assert err == f"graphapi: error: {fifo}: a FIFO (named pipe), not a file or directory: " + (
        "nothing to load\n"
    )
    assert not (tmp_path / "g.db").exists()


def _without_root_override() -> list[str]:
    """A command prefix under which root, too, is refused a mode-000 file (no DAC override)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: every file is readable")
    return [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search"]


def test_unreadable_file_is_one_line(tmp_path: Path) -> None:
    """Permission denied is said as such: not 'unknown format', not a traceback."""
    source = tmp_path / "secret.mbox"
    source.write_bytes(b"From x\nFrom: A <a@example.com>\nMessage-ID: <a@x>\n\nhi\n")
    source.chmod(0)
    command = [*_without_root_override(), *_command(tmp_path / "g.db", source)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=120)
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert err == f"graphapi: error: {source}: cannot read: Permission denied\n"
    assert not (tmp_path / "g.db").exists()


def test_load_format_is_honoured(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A mail file named like MAINTAINERS: detected as MAINTAINERS (and refused as one),
    loaded as mail with `--format mbox`. A format that needs a directory refuses a file."""
    source = tmp_path / "MAINTAINERS-discussion.mbox"
    write_sample_mbox(source, series_count=2, seed=5)
    db = tmp_path / "g.db"
    assert main(["load", "--db", str(db), str(source)]) == 1
    assert "MAINTAINERS" in capsys.readouterr().err
    assert main(["load", "--db", str(db), "--format", "mbox", str(source)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("read ") and "/ loaded 0 /" not in out
    assert _messages(db, capsys) > 0
    assert main(["load", "--db", str(db), "--format", "maildir", str(source)]) == 1
    assert "--format maildir needs a directory" in capsys.readouterr().err
    assert main(["load", "--db", str(db), "--format", "digest", str(tmp_path)]) == 1
    assert "--format digest needs a file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["load", "--db", str(db), "--format", "pdf", str(source)])
    assert "invalid choice: 'pdf'" in capsys.readouterr().err


def test_next_load_removes_a_killed_loads_temporary_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "g.db"
    assert main(["load", "--db", str(db), str(SMALL_DIGEST)]) == 0
    stale = tmp_path / "g.db.k7q2x9a_.tmp"  # as a migration names its temporary database
    stale.write_bytes(MAGIC + b"half a database")
    empty = tmp_path / "g.db.abcdefgh.tmp"  # killed before it wrote anything
    empty.write_bytes(b"")
    kept = {
        "g.db.mybackup.tmp": b"a user's own file, not a snapshot\n",  # right name, not ours
        "h.db.k7q2x9a_.tmp": MAGIC,  # another db's temporary file
        "g.db.backup.tmp": MAGIC,  # not a name write_snapshot makes
    }
    for name, data in kept.items():
        (tmp_path / name).write_bytes(data)
    capsys.readouterr()
    assert main(["load", "--db", str(db), str(SMALL_DIGEST)]) == 0
    err = capsys.readouterr().err
    assert f"removed {stale.name}, left by a load that was killed" in err
    assert f"removed {empty.name}," in err
    assert not stale.exists() and not empty.exists()
    assert all((tmp_path / name).read_bytes() == data for name, data in kept.items())
