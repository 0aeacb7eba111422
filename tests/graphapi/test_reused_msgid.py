"""A reused Message-ID (issue 11, item 8): a different message under a used id is kept under
a derived key; an identical copy (here with a list footer added) stays a duplicate; the load
order does not change the graph. Fixtures: tests/fixtures/reused/ (expected.json beside)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphapi.corpus import is_reused_key
from graphapi.loading import load_sources
from graphapi.model import NodeKind
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from tests.conftest import FIXTURES

REUSED = FIXTURES / "reused"
EXPECTED = json.loads((REUSED / "expected.json").read_text())


def _load(*names: str) -> tuple[NetworkXStore, list[int]]:
    store = NetworkXStore()
    counts = []
    for name in names:
        summary = load_sources(store, [REUSED / name], load_company_map())
        counts.append(summary.reused_ids)
    return store, counts


def test_one_load_keeps_both_and_counts_the_reuse() -> None:
    store = NetworkXStore()
    both = REUSED / "both.mbox"
    both.write_bytes((REUSED / "first.mbox").read_bytes() + (REUSED / "second.mbox").read_bytes())
    try:
        summary = load_sources(store, [both], load_company_map())
    finally:
        both.unlink()
    assert (summary.loaded, summary.duplicates, summary.reused_ids) == (
        EXPECTED["loaded"],
        EXPECTED["duplicates"],
        EXPECTED["reused_ids"],
    )
    assert "reused Message-ID 1" in summary.line()
    messages = store.corpus.messages
    assert messages["same-id@example.com"].subject.title == EXPECTED["plain_key_title"]
    derived = [key for key in messages if is_reused_key(key)]
    assert len(derived) == 1 and derived[0].startswith("same-id@example.com#")
    assert messages[derived[0]].subject.title == EXPECTED["derived_key_title"]


@pytest.mark.parametrize("order", [("first.mbox", "second.mbox"), ("second.mbox", "first.mbox")])
def test_any_load_order_gives_the_same_graph(order: tuple[str, str]) -> None:
    store, counts = _load(*order)
    reference, _ = _load("first.mbox", "second.mbox")
    assert sum(counts) == EXPECTED["reused_ids"]
    assert sorted(store.corpus.messages) == sorted(reference.corpus.messages)
    assert sorted(store.graph.nodes) == sorted(reference.graph.nodes)
    assert sorted(store.graph.edges) == sorted(reference.graph.edges)
    assert reference.list_nodes(NodeKind.SERIES, first=10).total == 2


@pytest.mark.parametrize("order", [("first.mbox", "second.mbox"), ("second.mbox", "first.mbox")])
def test_the_database_keeps_both_in_any_load_order(order: tuple[str, str], tmp_path: Path) -> None:
    """Through the database: a message replaced under its plain key keeps its row updated."""
    from graphapi.snapshot import open_for_load, read_snapshot

    db = tmp_path / "g.db"
    for name in order:
        with open_for_load(db) as store:
            load_sources(store, [REUSED / name], load_company_map())
    reference, _ = _load("first.mbox", "second.mbox")
    stored = read_snapshot(db)

    def content(store: NetworkXStore) -> dict[str, str]:  # which copy is kept may differ
        return {k: m.subject.raw for k, m in store.corpus.messages.items()}

    assert content(stored) == content(reference)
    assert sorted(stored.graph.edges) == sorted(reference.graph.edges)


def _mail(sender: str, date: str, text: str) -> bytes:
    return (
        f"From: {sender}\nDate: {date}\nMessage-ID: <same@example.org>\nSubject: [PATCH] x\n\n"
        f"{text}\n"
    ).encode()


def test_a_copy_of_a_variant_is_a_duplicate_whatever_its_date() -> None:
    """A copy of a message already held under a derived key stays a duplicate, even when it
    is dated earlier than the message holding the plain key (found by the fuzz suite)."""
    from graphapi.corpus import Corpus
    from loaders.mail.message import parse_mail

    first = parse_mail(_mail("A <a@x.org>", "Tue, 3 Mar 2026 10:00:00 +0000", "one"), "m#0")
    other = parse_mail(_mail("B <b@x.org>", "Mon, 2 Mar 2026 10:00:00 +0000", "two"), "m#1")
    copy = parse_mail(_mail("A <a@x.org>", "Sun, 1 Mar 2026 10:00:00 +0000", "one"), "m#2")
    corpus = Corpus()
    added = corpus.add_messages([first, other, copy])
    assert [m.origin for m in added] == ["m#0", "m#1"]
    assert sorted(m.origin for m in corpus.messages.values()) == ["m#0", "m#1"]
