"""A load parses each kept identity and ownership file once (`incremental.ParsedFiles`),
even when its in-place update is refused and the whole graph is rebuilt: both ways used to
parse them, and the kernel's MAINTAINERS is some 25,000 lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphapi import incremental
from graphapi.loading import load_sources
from graphapi.sample import generate_messages, write_mboxrd
from graphapi.snapshot import open_for_load
from tests.conftest import FIXTURES

MAINTAINERS = FIXTURES / "relations" / "MAINTAINERS"


def _counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    calls = [0]
    parse = getattr(incremental, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return parse(*args, **kwargs)

    monkeypatch.setattr(incremental, name, counted)
    return calls


@pytest.mark.parametrize("share", ["1", "0.0001"])  # updated in place; refused and rebuilt
def test_an_update_parses_the_kept_files_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, share: str
) -> None:
    messages = list(generate_messages(6, seed=3))
    write_mboxrd(messages[:-5], tmp_path / "old.mbox")
    write_mboxrd(messages[-5:], tmp_path / "new.mbox")
    (tmp_path / ".mailmap").write_text("Ann Author <ann@example.com>\n", "utf-8")
    db = tmp_path / "g.db"
    with open_for_load(db) as store:
        load_sources(store, [MAINTAINERS, tmp_path / ".mailmap", tmp_path / "old.mbox"])
    monkeypatch.setenv("GRAPHAPI_REGION_SHARE", share)
    maintainers = _counting(monkeypatch, "parse_maintainers")
    mailmaps = _counting(monkeypatch, "parse_mailmap")
    with open_for_load(db) as store:
        summary = load_sources(store, [tmp_path / "new.mbox"])
    assert summary.loaded == 5
    if share == "1":
        assert summary.rebuilt_because is None and summary.reassembled is not None
    else:
        assert (summary.rebuilt_because or "").startswith("the region holds")
    assert maintainers == [1] and mailmaps == [1]
