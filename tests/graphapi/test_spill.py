"""A load spills its corpus to the database as it parses and holds messages slim (issue 13).

What must not change: the database rows (the same as one write of the whole corpus at the
end, in the same order) and the graph (assembly of slim messages equals assembly of whole
ones). Fixtures: the project's own mbox fixtures and the synthetic list of `graphapi.sample`.
"""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphapi import reading
from graphapi.corpus import Corpus, slim
from graphapi.ingest import batch_from_assembly
from graphapi.loading import load_sources
from graphapi.sample import generate_messages, write_mboxrd
from graphapi.snapshot import open_for_load, read_snapshot, write_snapshot
from graphapi.store.networkx_store import NetworkXStore
from loaders.assembly.assemble import assemble
from loaders.identity.companies import load_company_map
from loaders.mail.message import parse_mail
from loaders.records import Message
from tests.conftest import FIXTURES

MBOXES = [
    FIXTURES / "relations" / "list.mbox",
    FIXTURES / "series" / "carried_reviews.mbox",
    FIXTURES / "reused" / "first.mbox",
    FIXTURES / "reused" / "second.mbox",
]


def _raw_messages(path: Path) -> Iterator[bytes]:
    """The messages of an mbox fixture as raw bytes (split at `From ` separator lines)."""
    current: list[bytes] = []
    for line in path.read_bytes().splitlines(keepends=True):
        if line.startswith(b"From ") and current:
            yield b"".join(current)
            current = []
        if not line.startswith(b"From ") or current:
            current.append(line)
    if current:
        yield b"".join(current)


def _replies_fixtures() -> list[bytes]:
    """Reply bodies of tests/fixtures/replies as mails answering a patch of their own."""
    raws = []
    for number, path in enumerate(sorted((FIXTURES / "replies").glob("*.txt"))):
        patch_id = f"spill-patch-{number}@example.com"
        patch = (
            f"From: Ann Author <ann@example.com>\nSubject: [PATCH] spill: fix {number}\n"
            f"Message-ID: <{patch_id}>\nDate: Mon, 6 Jan 2025 10:00:00 +0000\n\n"
            "Fix it.\n\nSigned-off-by: Ann Author <ann@example.com>\n---\n"
            "diff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-a\n+b\n"
        )
        reply = (
            f"From: Rev Iewer <rev@example.com>\nSubject: Re: [PATCH] spill: fix {number}\n"
            f"Message-ID: <spill-reply-{number}@example.com>\nIn-Reply-To: <{patch_id}>\n"
            f"Date: Tue, 7 Jan 2025 10:00:00 +0000\n\n"
        ).encode() + path.read_bytes()
        raws += [patch.encode(), reply]
    return raws


def _mixed_mbox(path: Path) -> Path:
    """Fixtures, reply fixtures, a synthetic list, and a repeat of the first fixture (its
    copies are duplicates arriving in a later chunk than the originals)."""
    raws = [raw for mbox in MBOXES for raw in _raw_messages(mbox)]
    raws += _replies_fixtures() + list(generate_messages(12, seed=3))
    raws += list(_raw_messages(MBOXES[0]))
    write_mboxrd(raws, path)
    return path


def _rows(db: Path, table: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3").fetchall()
    finally:
        conn.close()


def test_slim_messages_assemble_to_the_same_graph() -> None:
    raws = _replies_fixtures() + [raw for mbox in MBOXES for raw in _raw_messages(mbox)]
    raws += list(generate_messages(8, seed=5))
    whole = [parse_mail(raw, f"fixture:{n}") for n, raw in enumerate(raws)]
    slimmed = copy.deepcopy(whole)
    for message in slimmed:
        slim(message)
    dropped = sum(1 for a, b in zip(whole, slimmed, strict=True) if a.body and not b.body)
    assert dropped > len(whole) // 2  # most texts go (the test would prove nothing else)
    assert any(m.body for m in slimmed)  # replies giving trailers keep theirs
    companies = load_company_map()
    batches = [
        batch_from_assembly(assemble(messages, []), companies, bodies=False)
        for messages in (whole, slimmed)
    ]
    assert batches[0].nodes == batches[1].nodes
    assert batches[0].edges == batches[1].edges
    assert any(edge.props.get("source") == "REPLY" for edge in batches[0].edges)


@pytest.mark.parametrize("chunk", [3, 1000])
def test_a_spilling_load_writes_the_rows_one_write_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    mbox = _mixed_mbox(tmp_path / "mixed.mbox")
    monkeypatch.setattr(reading, "INTAKE_CHUNK", chunk)  # many spills, duplicates across them
    spilled = tmp_path / "spilled.db"
    with open_for_load(spilled) as store:
        summary = load_sources(store, [mbox], load_company_map())
        assert store.corpus.partial
    reference_store = NetworkXStore()  # parsed and written at once, never spilled
    reference = load_sources(reference_store, [mbox], load_company_map())
    assert not reference_store.corpus.partial
    write_snapshot(reference_store, tmp_path / "reference.db")
    assert summary.line() == reference.line()
    assert summary.duplicates > 0 and summary.reused_ids > 0
    for table in ("messages", "people", "nodes", "edges"):
        assert _rows(spilled, table) == _rows(tmp_path / "reference.db", table), table


def test_an_update_spills_and_replaces_a_slim_message_whole(tmp_path: Path) -> None:
    """The second load brings a different message under a Message-ID the first one spilled:
    the earlier one takes the plain key, so the slim message held is read back whole."""
    db = tmp_path / "graph.db"
    first, second = FIXTURES / "reused" / "first.mbox", FIXTURES / "reused" / "second.mbox"
    for mbox in (second, first):
        with open_for_load(db) as store:
            load_sources(store, [mbox], load_company_map())
    reference = NetworkXStore()
    for mbox in (second, first):
        load_sources(reference, [mbox], load_company_map())
    write_snapshot(reference, tmp_path / "reference.db")
    for table in ("messages", "nodes", "edges"):
        assert _rows(db, table) == _rows(tmp_path / "reference.db", table), table
    whole = read_snapshot(db).corpus  # read for export: every message whole
    assert not whole.partial
    assert all(isinstance(m, Message) and m.body for m in whole.messages.values())


def test_a_slim_corpus_is_not_written_elsewhere(tmp_path: Path) -> None:
    mbox = _mixed_mbox(tmp_path / "mixed.mbox")
    with open_for_load(tmp_path / "graph.db") as store:
        load_sources(store, [mbox], load_company_map())
    with pytest.raises(Exception, match="slimmed"):
        write_snapshot(store, tmp_path / "elsewhere.db")
    assert isinstance(store.corpus, Corpus)


def test_a_loaded_store_gives_the_bodies_it_slimmed_from_its_database(tmp_path: Path) -> None:
    """After `open_for_load`, the store's corpus holds patches and replies slimmed; asked for
    their bodies, it reads them from the database it wrote, as a served store does."""
    db = tmp_path / "g.db"
    with open_for_load(db) as store:
        load_sources(store, MBOXES, load_company_map())
    assert store.corpus.partial
    keys = [a["key"] for _, a in store.graph.nodes(data=True) if a["kind"].value == "Message"]
    loaded = store.message_bodies(keys)
    assert sum(1 for body in loaded if body) > 10
    assert loaded == read_snapshot(db, corpus=False).message_bodies(keys)
