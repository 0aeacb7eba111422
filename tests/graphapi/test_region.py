"""Incremental updates (`graphapi.region`, `graphapi.region_write`), one cross-thread link
kind at a time: an old load, then an update whose messages reach into it, must give the
graph one load of both gives; and the update must take the short way where it can (a
refused one rebuilds, which is correct too, so the tests say which they expect).

The mails are written here, small and made up: each scenario is an old part and a new part.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from graphapi.loading import load_sources
from graphapi.message_index import entries
from graphapi.region import find_region
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map
from tests.oracles.test_load_splits import _differences, _graph

ALICE = "Alice Example <alice@example.org>"
BOB = "Bob Reviewer <bob@example.com>"
CAROL = "Carol Other <carol@example.net>"


def _diff(path: str, line: str) -> str:
    return (
        f"---\n {path} | 1 +\n 1 file changed, 1 insertion(+)\n\n"
        f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n"
        f"--- a/{path}\n+++ b/{path}\n@@ -1,1 +1,2 @@\n context\n+{line}\n"
    )


def mail(
    msgid: str,
    subject: str,
    date: str,
    body: str,
    sender: str = ALICE,
    reply_to: str | None = None,
) -> str:
    """One mbox entry; `date` as `HH:MM` on one fixed day, or a whole RFC 2822 date."""
    when = date if "," in date else f"Mon, 3 Mar 2025 {date}:00 +0000"
    headers = [f"From: {sender}", f"Subject: {subject}", f"Date: {when}"]
    headers.append(f"Message-ID: <{msgid}>")
    if reply_to:
        headers += [f"In-Reply-To: <{reply_to}>", f"References: <{reply_to}>"]
    return "From mboxrd@z Thu Jan  1 00:00:00 1970\n" + "\n".join(headers) + f"\n\n{body}\n\n"


def patch(msgid: str, subject: str, date: str, path: str, line: str, **kw: Any) -> str:
    body = f"Change {line}.\n\nSigned-off-by: {kw.pop('sender', ALICE)}\n" + _diff(path, line)
    return mail(msgid, subject, date, body, **kw)


def _mbox(tmp: Path, name: str, entries: list[str]) -> Path:
    path = tmp / name
    path.write_text("".join(entries))
    return path


def _unrelated() -> list[str]:
    """A thread no scenario touches: an update must leave it out of its region."""
    return [
        patch(
            "other-1@x",
            "[PATCH] net: tidy the unrelated driver",
            "01:00",
            "net/x.c",
            "a",
            sender=CAROL,
        ),
        mail(
            "other-2@x",
            "Re: [PATCH] net: tidy the unrelated driver",
            "01:30",
            "Thanks.",
            sender=BOB,
            reply_to="other-1@x",
        ),
    ]


def _dependent() -> list[str]:
    """Carol's series that declares it depends on `_v1`'s cover letter."""
    return [
        mail(
            "dep-0@c",
            "[PATCH 0/1] kvm: use the frobnicator knob",
            "12:00",
            "Uses the knob.\n\nprerequisite-message-id: <v1-0@a>\n",
            sender=CAROL,
        ),
        patch(
            "dep-1@c",
            "[PATCH 1/1] kvm: use the frobnicator knob",
            "12:01",
            "arch/x86/kvm/use.c",
            "use",
            sender=CAROL,
            reply_to="dep-0@c",
        ),
    ]


def _v1() -> list[str]:
    return [
        mail(
            "v1-0@a",
            "[PATCH 0/2] kvm: make the frobnicator configurable",
            "09:00",
            "This series makes the frobnicator configurable.\n",
        ),
        patch(
            "v1-1@a",
            "[PATCH 1/2] kvm: add the frobnicator knob",
            "09:01",
            "arch/x86/kvm/frob.c",
            "knob",
            reply_to="v1-0@a",
        ),
        patch(
            "v1-2@a",
            "[PATCH 2/2] kvm: document the frobnicator knob",
            "09:02",
            "Documentation/virt/kvm/frob.rst",
            "doc",
            reply_to="v1-0@a",
        ),
    ]


SCENARIOS: dict[str, tuple[list[str], list[str], bool]] = {
    # a v2 of an old series, no link: same author and title; an unchanged patch carries v1's
    # reply trailer
    "new version of an old series": (
        [
            *_v1(),
            mail(
                "r1@b",
                "Re: [PATCH 1/2] kvm: add the frobnicator knob",
                "10:00",
                "> knob\n\nReviewed-by: " + BOB + "\n",
                sender=BOB,
                reply_to="v1-1@a",
            ),
        ],
        [
            mail(
                "v2-0@a",
                "[PATCH v2 0/2] kvm: make the frobnicator configurable",
                "Tue, 4 Mar 2025 09:00:00 +0000",
                "Now configurable.\n",
            ),
            patch(
                "v2-1@a",
                "[PATCH v2 1/2] kvm: add the frobnicator knob",
                "Tue, 4 Mar 2025 09:01:00 +0000",
                "arch/x86/kvm/frob.c",
                "knob",
                reply_to="v2-0@a",
            ),
            patch(
                "v2-2@a",
                "[PATCH v2 2/2] kvm: document the frobnicator knob",
                "Tue, 4 Mar 2025 09:02:00 +0000",
                "Documentation/virt/kvm/frob.rst",
                "doc2",
                reply_to="v2-0@a",
            ),
        ],
        True,
    ),
    # a reply trailer to an old cover letter goes to every patch of its series
    "reply trailer to an old cover": (
        _v1(),
        [
            mail(
                "r2@b",
                "Re: [PATCH 0/2] kvm: make the frobnicator configurable",
                "11:00",
                "Acked-by: " + BOB + "\n",
                sender=BOB,
                reply_to="v1-0@a",
            )
        ],
        True,
    ),
    # a changelog link from a new v2 to an old v1, in another thread
    "changelog link to an old version": (
        _v1(),
        [
            mail(
                "v2l-0@a",
                "[PATCH v2 0/1] kvm: frobnicator, take two",
                "Wed, 5 Mar 2025 09:00:00 +0000",
                "Changes in v2:\n- rework\n- Link to v1: https://lore.kernel.org/r/v1-0@a\n",
            ),
            patch(
                "v2l-1@a",
                "[PATCH v2 1/1] kvm: frobnicator, take two",
                "Wed, 5 Mar 2025 09:01:00 +0000",
                "arch/x86/kvm/frob.c",
                "two",
                reply_to="v2l-0@a",
            ),
        ],
        True,
    ),
    # a new series declaring that it depends on an old one
    "dependency on an old series": (
        _v1(),
        _dependent(),
        True,
    ),
    # an old series depended on one that arrives now: its placeholder resolves
    "a new series an old one depended on": (
        _dependent(),
        _v1(),
        True,
    ),
    # the Patchwork fallback: an unthreaded 2/2 joins the old 1/2 sent minutes before
    "unthreaded patch of an old series": (
        [
            patch(
                "fb-1@a",
                "[PATCH 1/2] kvm: split the frobnicator",
                "13:00",
                "arch/x86/kvm/split.c",
                "one",
            )
        ],
        [
            patch(
                "fb-2@a",
                "[PATCH 2/2] kvm: split the frobnicator more",
                "13:05",
                "arch/x86/kvm/split2.c",
                "two",
            )
        ],
        True,
    ),
    # a shortened diffstat path completed by a full path that arrives later
    "shortened path completed later": (
        [
            mail(
                "st-0@a",
                "[PATCH 0/1] kvm: long paths",
                "14:00",
                "Long paths.\n\n---\n .../selftests/kvm/long_path_test.c | 3 +++\n"
                " 1 file changed, 3 insertions(+)\n",
            )
        ],
        [
            patch(
                "st-9@c",
                "[PATCH] kvm: selftests: touch the long path",
                "15:00",
                "tools/testing/selftests/kvm/long_path_test.c",
                "x",
                sender=CAROL,
            )
        ],
        True,
    ),
}


def _load(*parts: Path) -> NetworkXStore:
    store = NetworkXStore()
    for part in parts:
        load_sources(store, [part], load_company_map())
    return store


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_an_update_gives_the_graph_of_one_load(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPHAPI_REGION_SHARE", "1")  # these corpora are tiny
    old, new, short = SCENARIOS[name]
    old_box = _mbox(tmp_path, "old.mbox", [*_unrelated(), *old])
    new_box = _mbox(tmp_path, "new.mbox", new)
    both = _mbox(tmp_path, "both.mbox", [*_unrelated(), *old, *new])
    one = _load(both)
    store = NetworkXStore()
    load_sources(store, [old_box], load_company_map())
    summary = load_sources(store, [new_box], load_company_map())
    assert _differences(_graph(one), _graph(store)) == []
    assert store.counts == one.counts
    assert (summary.rebuilt_because is None) is short, summary.rebuilt_because
    touched = store.touched
    if short:  # every row that differs from before the update is named in the hint
        assert touched is not None
        before = _graph(_load(old_box))
        changed = _differences(before, _graph(store))
        assert changed  # the scenario changes something
        names = touched[0] | {str(key) for key in touched[1]}
        for line in changed:
            assert line.split(": ")[0] in names, line


def test_the_region_leaves_unrelated_threads_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPHAPI_REGION_SHARE", "1")
    old, new, _ = SCENARIOS["reply trailer to an old cover"]
    store = _load(_mbox(tmp_path, "old.mbox", [*_unrelated(), *old]))
    store.corpus.add_messages(_load(_mbox(tmp_path, "new.mbox", new)).corpus.messages.values())
    region = find_region(entries(store.corpus.messages, None), {"r2@b"})
    assert region.refusal is None
    region.read(store.corpus.messages)
    assert sorted(m.key for m in region.new) == ["r2@b", "v1-0@a", "v1-1@a", "v1-2@a"]
    assert sorted(m.key for m in region.old) == ["v1-0@a", "v1-1@a", "v1-2@a"]


def test_an_undated_message_makes_the_update_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Undated messages (digest entries) match mail at any distance in time: no region
    is closed then."""
    monkeypatch.setenv("GRAPHAPI_REGION_SHARE", "1")
    messages = dict(_load(_mbox(tmp_path, "old.mbox", [*_unrelated(), *_v1()])).corpus.messages)
    assert find_region(entries(messages, None), {"other-2@x"}).refusal is None
    messages["v1-2@a"] = dataclasses.replace(messages["v1-2@a"], date=None)
    assert find_region(entries(messages, None), {"other-2@x"}).refusal is not None


def test_an_update_of_a_database_gives_the_rows_of_one_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database's graph is read, changed by the region and written back: its rows
    equal those of one load of everything."""
    from graphapi.snapshot import open_for_load, read_snapshot

    monkeypatch.setenv("GRAPHAPI_REGION_SHARE", "1")
    old, new, _ = SCENARIOS["new version of an old series"]
    parts = [_mbox(tmp_path, "old.mbox", [*_unrelated(), *old]), _mbox(tmp_path, "new.mbox", new)]
    summaries = []
    for part in parts:
        with open_for_load(tmp_path / "inc.db") as store:
            summaries.append(load_sources(store, [part], load_company_map()))
    with open_for_load(tmp_path / "one.db") as store:
        load_sources(
            store, [_mbox(tmp_path, "both.mbox", [*_unrelated(), *old, *new])], load_company_map()
        )
    assert summaries[1].rebuilt_because is None
    one, inc = read_snapshot(tmp_path / "one.db"), read_snapshot(tmp_path / "inc.db")
    assert _differences(_graph(one), _graph(inc)) == []
    assert one.counts == inc.counts


def _rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return {
            table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall())
            for table in ("nodes", "edges")
        }
    finally:
        conn.close()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_an_update_in_place_reads_only_its_rows_and_writes_those_of_one_load(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the database, the update changes a graph holding only the rows it read
    (`graphapi.region_graph`): the tables must still equal one load's, row for row, and the
    store's graph, asked for after, is the whole graph again."""
    from graphapi.snapshot import open_for_load, read_snapshot

    monkeypatch.setenv("GRAPHAPI_REGION_SHARE", "1")
    old, new, short = SCENARIOS[name]
    parts = [_mbox(tmp_path, "old.mbox", [*_unrelated(), *old]), _mbox(tmp_path, "new.mbox", new)]
    with open_for_load(tmp_path / "inc.db") as store:
        load_sources(store, parts[:1], load_company_map())
    with open_for_load(tmp_path / "inc.db") as store:
        summary = load_sources(store, parts[1:], load_company_map())
        if short:
            assert store.partial is not None
            assert "Message:other-2@x" not in store.graph  # an unrelated thread is not read
    with open_for_load(tmp_path / "one.db") as one_store:
        load_sources(one_store, parts, load_company_map())  # the same files: the same origins
    assert (summary.rebuilt_because is None) is short, summary.rebuilt_because
    assert _rows(tmp_path / "inc.db") == _rows(tmp_path / "one.db")
    assert store.partial is None
    assert _differences(_graph(read_snapshot(tmp_path / "one.db")), _graph(store)) == []


def test_two_updates_before_one_write_give_the_rows_of_one_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two loads into one store inside one `open_for_load`: the second changes the same
    partial graph, and the write holds both updates' rows."""
    from graphapi.snapshot import open_for_load

    monkeypatch.setenv("GRAPHAPI_REGION_SHARE", "1")
    old, new, _ = SCENARIOS["reply trailer to an old cover"]
    reply = mail(  # in another region than the first update's
        "other-3@x",
        "Re: [PATCH] net: tidy the unrelated driver",
        "12:00",
        "Tested-by: " + ALICE + "\n",
        reply_to="other-1@x",
    )
    parts = [
        _mbox(tmp_path, "old.mbox", [*_unrelated(), *old]),
        _mbox(tmp_path, "new1.mbox", new),
        _mbox(tmp_path, "new2.mbox", [reply]),
    ]
    with open_for_load(tmp_path / "inc.db") as store:
        load_sources(store, parts[:1], load_company_map())
    with open_for_load(tmp_path / "inc.db") as store:
        summaries = [load_sources(store, [part], load_company_map()) for part in parts[1:]]
    assert [s.rebuilt_because for s in summaries] == [None, None]
    with open_for_load(tmp_path / "one.db") as store:
        load_sources(store, parts, load_company_map())
    assert _rows(tmp_path / "inc.db") == _rows(tmp_path / "one.db")


def test_shortlog_names_resolve_as_a_whole_load_resolves_them(tmp_path: Path) -> None:
    """`name_index_of` predicts every CONTRIBUTED edge of a whole batch: a shortlog naming
    a person seen as a sender, a person known by a mailmap name, and nobody known."""
    from graphapi.identity import Identities
    from graphapi.ingest import batch_from_assembly
    from graphapi.model import EdgeKind
    from graphapi.region_names import name_index_of
    from loaders.assembly.assemble import assemble, normalise_title
    from loaders.identity.mailmap import parse_mailmap

    shortlog = (
        "A pull of three people's work.\n\n"
        "Alice Example (1):\n      kvm: one\n\n"
        "Bobby R (1):\n      kvm: two\n\n"
        "Dan Unknown (1):\n      kvm: three\n\n"
        " arch/x86/kvm/one.c | 1 +\n 1 file changed, 1 insertion(+)\n"
    )
    box = _mbox(
        tmp_path,
        "s.mbox",
        [
            *_v1(),
            mail("s-0@c", "[GIT PULL] kvm: three", "16:00", shortlog, sender=CAROL),
            *_unrelated(),
        ],
    )
    identities = Identities(parse_mailmap("Bobby R <bob@example.com>\n"))
    assembly = assemble(_load(box).corpus.messages.values())
    batch = batch_from_assembly(assembly, load_company_map(), identities)
    index = name_index_of(assembly.people, identities)
    expected = [
        index.get(normalise_title(name)) or "name:" + normalise_title(name)
        for series in assembly.series
        if series.resolved
        for name, _ in series.contributors
    ]
    got = [e.source[1] for e in batch.edges if e.kind is EdgeKind.CONTRIBUTED]
    assert got == expected
    assert got == ["alice@example.org", "bob@example.com", "name:dan unknown"]


def test_the_message_index_keeps_what_an_update_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are written with their messages and read back equal to what the messages give;
    a database without them (written before the index) gets them at its next update; once
    it has them, an update decodes only its region's records."""
    monkeypatch.setenv("GRAPHAPI_REGION_SHARE", "1")
    import sqlite3

    from graphapi import database, message_index
    from graphapi.corpus import StoredMessages
    from graphapi.snapshot import open_for_load

    old, new, _ = SCENARIOS["reply trailer to an old cover"]
    db = tmp_path / "i.db"
    with open_for_load(db) as store:
        load_sources(
            store, [_mbox(tmp_path, "old.mbox", [*_unrelated(), *old])], load_company_map()
        )
        made = {key: message_index.entry_of(m) for key, m in store.corpus.messages.items()}
    conn = sqlite3.connect(db)
    assert message_index.read(conn) == made
    assert any(entry.people and entry.links and entry.known for entry in made.values())
    keyed = {key for (key,) in conn.execute("SELECT DISTINCT key FROM message_keys")}
    assert keyed == set(made)  # every message has its `message_keys` rows, written with it
    with conn:  # as a database written before the index was
        conn.execute("DELETE FROM message_index")
        conn.execute("DELETE FROM message_keys")
        conn.execute("DELETE FROM meta WHERE name = ?", (message_index.KEYS_COMPLETE,))
    conn.close()
    decoded: list[str] = []

    def update(entries: list[str]) -> str | None:
        with open_for_load(db) as store:
            messages = store.corpus.messages
            assert isinstance(messages, StoredMessages)
            read = messages._read

            def counting(keys: Any) -> Any:
                decoded.extend(keys)
                return read(keys)

            messages._read = counting
            box = _mbox(tmp_path, f"new{len(decoded)}.mbox", entries)
            return load_sources(store, [box], load_company_map()).rebuilt_because

    assert update(new) is None
    assert sorted(set(decoded)) == sorted(made)  # no index rows: every message was read once
    conn = sqlite3.connect(db)
    assert set(message_index.read(conn)) == {*made, "r2@b"}
    keyed = {key for (key,) in conn.execute("SELECT DISTINCT key FROM message_keys")}
    assert keyed == {*made, "r2@b"}  # filled by that update: the next one walks them
    assert database.get_meta(conn, message_index.KEYS_COMPLETE) is not None
    conn.close()
    decoded.clear()
    reply = mail(
        "r3@b",
        "Re: [PATCH 2/2] kvm: document the frobnicator knob",
        "12:00",
        "Tested-by: " + BOB + "\n",
        sender=BOB,
        reply_to="v1-2@a",
    )
    assert update([reply]) is None
    assert sorted(set(decoded)) == ["r2@b", "v1-0@a", "v1-1@a", "v1-2@a"]  # not other-*@x
