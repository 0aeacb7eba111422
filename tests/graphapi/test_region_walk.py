"""An update on a database finds its region and its shortlog names from `message_keys`
(`region.walk_region`, `region_names.stored_names`), reading only the region's rows: both
must answer exactly what the whole-corpus way answers (`find_region` over every entry,
`name_indexes`), for any set of new messages and with a mailmap that renames people."""

from __future__ import annotations

import itertools
import random
import sqlite3
from pathlib import Path

import pytest

from graphapi import message_index
from graphapi.identity import Identities
from graphapi.loading import load_sources
from graphapi.region import UNDATED_REFUSAL, find_region, walk_region
from graphapi.region_names import _produced, name_indexes, stored_names
from graphapi.sample import write_sample_mbox
from graphapi.snapshot import open_for_load
from loaders.identity.mailmap import parse_mailmap
from loaders.records import Address
from tests.graphapi.test_region import SCENARIOS, _mbox, _unrelated


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sample list and every scenario's mail of `test_region`, in one database."""
    root = tmp_path_factory.mktemp("walk")
    write_sample_mbox(root / "list.mbox", series_count=8)
    mails = [mail for old, new, _ in SCENARIOS.values() for mail in (*old, *new)]
    scenarios = _mbox(root, "scenarios.mbox", [*_unrelated(), *dict.fromkeys(mails)])
    with open_for_load(root / "g.db") as store:
        load_sources(store, [root / "list.mbox", scenarios])
    return root / "g.db"


def _order(conn: sqlite3.Connection) -> list[str]:
    return [key for (key,) in conn.execute("SELECT key FROM messages ORDER BY seq")]


def _changed_sets(order: list[str]) -> list[set[str]]:
    chooser = random.Random(13)
    picks = [set(chooser.sample(order, size)) for size in (1, 1, 2, 3, 5, 8, 20)]
    return [*picks, set(order[-4:]), {"v1-0@a"}, {"st-9@c"}]


def test_the_walk_finds_the_region_the_union_find_finds(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPHAPI_REGION_SHARE", "1")
    order = _order(conn)
    entries = message_index.read(conn)
    entries = {key: entries[key] for key in order}
    index = message_index.StoredIndex(conn)
    assert index.complete
    sizes = set()
    for changed in _changed_sets(order):
        whole = find_region(entries, changed)
        walked = walk_region(index, order, len(order), changed)
        assert whole.refusal is None and walked.refusal is None
        assert walked.keys == whole.keys
        assert walked.known_before == whole.known_before
        assert walked.known_after == whole.known_after
        sizes.add(len(whole.keys))
    assert len(sizes) > 3 and max(sizes) < len(order)  # regions of many sizes, not all


def test_the_walk_stops_past_the_share_and_refuses_what_the_scan_refuses(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = _order(conn)
    entries = message_index.read(conn)
    index = message_index.StoredIndex(conn)
    changed = {order[len(order) // 2]}
    size = len(find_region(entries, changed).keys)
    monkeypatch.setenv("GRAPHAPI_REGION_SHARE", str((size - 1) / len(order)))
    past_share = "the region holds"
    assert (find_region(entries, changed).refusal or "").startswith(past_share)
    assert (walk_region(index, order, len(order), changed).refusal or "").startswith(past_share)
    assert walk_region(index, order, len(order), set(order)).refusal == "a fresh load"
    conn.execute("INSERT INTO message_keys VALUES (?, 0, ?)", (message_index.UNDATED, order[0]))
    # refused for the undated message, not for the share (which would refuse it already)
    assert walk_region(index, order, len(order), changed).refusal == UNDATED_REFUSAL


def _identities(entries: dict[str, message_index.Entry]) -> Identities:
    """A mailmap renaming two senders (one by address, one by name and address) and giving
    a third the name of a fourth."""
    people = sorted({p for e in entries.values() for p in e.people if p.name}, key=str)
    assert len(people) >= 4
    first, second, third, fourth = people[:4]
    text = (
        f"Renamed Person <{first.email}>\n"
        f"Other Name <{second.email}> {second.name} <{second.email}>\n"
        f"{fourth.name} <{third.email}>\n"
    )
    return Identities(parse_mailmap(text))


@pytest.mark.parametrize("mailmap", [False, True])
def test_first_sightings_read_by_name_equal_those_of_the_whole_corpus(
    conn: sqlite3.Connection, mailmap: bool
) -> None:
    order = _order(conn)
    entries = message_index.read(conn)
    identities = _identities(entries) if mailmap else Identities()
    index = message_index.StoredIndex(conn)
    folded = {
        name for e in entries.values() for p in e.people for name in _produced(p, identities)[1]
    }
    folded |= {"renamed person", "other name", "nobody known"}
    first_sightings: dict[str, str] = {}  # folded name -> the message first sighting it
    for entry in sorted(entries.values(), key=lambda e: (e.date, e.key)):
        for person in entry.people:
            for name in _produced(person, identities)[1]:
                first_sightings.setdefault(name, entry.key)
    # people the corpus names outside its messages (MAINTAINERS, .mailmap): one sharing a
    # message author's name under another address, one no message names
    author = next(p for e in entries.values() for p in e.people if p.name)
    named = [
        Address(author.name, "elsewhere@example.org", f"{author.name} <elsewhere@example.org>"),
        Address("Nobody Known", "nobody@example.org", "Nobody Known <nobody@example.org>"),
    ]
    # new messages that sight names first: before them, later sightings (of others) decide
    for changed, people in itertools.product(
        [*_changed_sets(order), set(first_sightings.values())], ([], named)
    ):
        whole = name_indexes(entries, people, changed, identities)
        stored = stored_names(index, people, changed, identities)
        for name in sorted(folded):
            assert stored.before.get(name) == whole.before.get(name), (name, changed)
            assert stored.after.get(name) == whole.after.get(name), (name, changed)
        moved = {n for n in whole.candidates if whole.before.get(n) != whole.after.get(n)}
        assert moved <= set(stored.candidates)
