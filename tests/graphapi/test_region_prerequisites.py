"""b4 prerequisites do not join unrelated series into one region.

A `prerequisite-message-id:` names a series by its cover's Message-ID, with neither a URL nor
a label. The region's link keys once gave every such dependency the same key ("ref:" and an
empty target), so one new series with a prerequisite pulled in every series that had one: a
1 % update of the synthetic 95k list rebuilt whole. Databases written then still hold that
key; the region ignores it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from graphapi import database, message_index
from graphapi.loading import load_sources
from graphapi.message_index import entries
from graphapi.region import find_region, links_of, walk_region
from graphapi.snapshot import open_for_load
from graphapi.store.networkx_store import NetworkXStore
from tests.graphapi.test_region import ALICE, BOB, _mbox, mail, patch


def _series(name: str, hour: int, sender: str, prerequisite: str | None) -> list[str]:
    """A cover and one patch; the cover declares `prerequisite` (b4's trailer) if given."""
    declared = f"prerequisite-message-id: <{prerequisite}>\n" if prerequisite else ""
    cover = f"Work on {name}.\n\n---\nbase-commit: {'ab' * 20}\nchange-id: 2025-{name}\n{declared}"
    return [
        mail(f"{name}-0@x", f"[PATCH 0/1] {name}: rework", f"{hour:02d}:00", cover, sender=sender),
        patch(
            f"{name}-1@x",
            f"[PATCH 1/1] {name}: rework the {name} path",
            f"{hour:02d}:01",
            f"drivers/{name}.c",
            name,
            sender=sender,
            reply_to=f"{name}-0@x",
        ),
    ]


def test_series_with_prerequisites_stay_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPHAPI_REGION_SHARE", "1")
    # hours apart: the grouping fallback's two-hour buckets join nothing
    base = [*_series("alpha", 1, ALICE, None), *_series("beta", 7, BOB, None)]
    old = [*base, *_series("gamma", 13, ALICE, "alpha-0@x")]
    new = _series("delta", 19, BOB, "beta-0@x")
    store = NetworkXStore()
    load_sources(store, [_mbox(tmp_path, "old.mbox", old)])
    load_sources(store, [_mbox(tmp_path, "new.mbox", new)])
    messages = store.corpus.messages
    covers = [messages["gamma-0@x"], messages["delta-0@x"]]
    assert all(m.info.dependencies for m in covers)  # both declare their prerequisite
    assert not any(key == "ref:" for m in covers for key in links_of(m))
    region = find_region(entries(messages, None), {"delta-0@x", "delta-1@x"})
    assert region.refusal is None
    region.read(messages)
    # delta and the series it names; not gamma (another prerequisite) nor alpha
    assert sorted(m.key for m in region.new) == ["beta-0@x", "beta-1@x", "delta-0@x", "delta-1@x"]


def test_the_key_earlier_databases_stored_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPHAPI_REGION_SHARE", "1")
    old = [*_series("alpha", 1, ALICE, None), *_series("gamma", 7, ALICE, "alpha-0@x")]
    store = NetworkXStore()
    load_sources(store, [_mbox(tmp_path, "old.mbox", old)])
    load_sources(store, [_mbox(tmp_path, "new.mbox", _series("delta", 13, BOB, "beta-0@x"))])
    stored = entries(store.corpus.messages, None)
    for key in ("gamma-0@x", "delta-0@x"):  # as an earlier version saved them
        stored[key] = dataclasses.replace(stored[key], links=(*stored[key].links, "ref:"))
    region = find_region(stored, {"delta-0@x", "delta-1@x"})
    assert region.refusal is None
    region.read(store.corpus.messages)
    assert sorted(m.key for m in region.new) == ["delta-0@x", "delta-1@x"]


def test_the_walk_does_not_follow_the_stored_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same on a database (`walk_region` over `message_keys`), its rows as an earlier
    version wrote them."""
    monkeypatch.setenv("GRAPHAPI_REGION_SHARE", "1")
    old = [*_series("alpha", 1, ALICE, None), *_series("gamma", 7, ALICE, "alpha-0@x")]
    new = _series("delta", 13, BOB, "beta-0@x")
    db = tmp_path / "g.db"
    with open_for_load(db) as store:
        load_sources(store, [_mbox(tmp_path, "old.mbox", old), _mbox(tmp_path, "new.mbox", new)])
    conn = database.connect(db)
    try:
        with conn:
            for key in ("gamma-0@x", "delta-0@x"):
                select = "SELECT data FROM message_index WHERE key = ?"
                (data,) = conn.execute(select, (key,)).fetchone()
                decoded = json.loads(data)
                decoded[message_index._LINKS].append("ref:")
                conn.execute(
                    "UPDATE message_index SET data = ? WHERE key = ?", (json.dumps(decoded), key)
                )
                conn.execute(
                    "INSERT INTO message_keys SELECT 'link:ref:', at, key FROM message_keys "
                    "WHERE key = ? LIMIT 1",
                    (key,),
                )
        order = [key for (key,) in conn.execute("SELECT key FROM messages ORDER BY seq")]
        index = message_index.StoredIndex(conn)
        assert index.complete and index.keys_with(["link:ref:"]) == {"gamma-0@x", "delta-0@x"}
        walked = walk_region(index, order, len(order), {"delta-0@x", "delta-1@x"})
    finally:
        conn.close()
    assert walked.refusal is None
    assert walked.keys == ["delta-0@x", "delta-1@x"]
