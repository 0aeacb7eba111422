"""A load's progress: a bar on a terminal, plain lines elsewhere, nothing with --quiet."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from graphapi import progress
from graphapi.cli import main
from graphapi.loading import load_sources
from graphapi.sample import write_sample_mbox
from graphapi.store.networkx_store import NetworkXStore


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def mbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("progress") / "list.mbox"
    write_sample_mbox(path, series_count=8)
    return path


def test_plain_lines_off_a_terminal(mbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "PLAIN_EVERY", 0.0)
    out = io.StringIO()
    summary = load_sources(NetworkXStore(), [mbox], report=progress.reporter_for(False, out))
    lines = out.getvalue().splitlines()
    assert len(lines) >= summary.read  # one per message here (every 0 s), then the last
    assert any(" of ~" in line for line in lines[:-1])  # estimated while parsing
    assert lines[-1].startswith(f"list.mbox: {summary.read:,} messages parsed")  # exact at the end
    assert lines[-1].endswith("/s)") and "messages parsed" in lines[-1]


def test_a_bar_on_a_terminal(mbox: Path) -> None:
    out = _Terminal()
    load_sources(NetworkXStore(), [mbox], report=progress.reporter_for(False, out))
    text = out.getvalue()
    assert "list.mbox" in text and " msg" in text and "\r" in text  # tqdm redraws in place


def test_quiet_prints_nothing(mbox: Path) -> None:
    out = _Terminal()
    load_sources(NetworkXStore(), [mbox], report=progress.reporter_for(True, out))
    assert out.getvalue() == ""


def test_the_cli_reports_on_stderr_unless_quiet(
    mbox: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["load", "--db", str(tmp_path / "a.db"), str(mbox)]) == 0
    captured = capsys.readouterr()
    assert "messages parsed" in captured.err and "read " in captured.out
    assert main(["load", "--quiet", "--db", str(tmp_path / "b.db"), str(mbox)]) == 0
    captured = capsys.readouterr()
    assert "messages parsed" not in captured.err and "read " in captured.out
