"""Keyset cursors across a reload: paging neither repeats nor skips what existed before it.

A list is paged through two pages, then a second load adds items (some of them before the
last cursor in list order), then paging goes on with that cursor to the end. Every item
present before the reload is seen exactly once. With offset cursors each item inserted
before the cursor pushed an item already seen into the next page, where it came again
(issue 15: 55 people repeated, 55 never returned). Run on the embedded store (a reload
builds a new store from both loads, as `graphapi serve` reloads a snapshot) and on Neo4j
(the same database receives the second load).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graphapi.loading import load_into_store
from graphapi.sample import write_mboxrd, write_sample_mbox
from graphapi.schema import Context, schema
from graphapi.schema.common import decode_cursor
from graphapi.store.base import GraphStore
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map

#: (name, query, path to the connection): root lists and a nested connection.
LISTS = [
    (
        "people",
        "query($after: String) { people(first: 3, after: $after) { @page } }",
        ("people",),
    ),
    (
        "allSeries",
        "query($after: String) { allSeries(first: 3, after: $after) { @page } }",
        ("allSeries",),
    ),
    (
        "a person's patches",
        'query($after: String) { people(first: 1, search: "maintainer") { nodes { '
        "patches(first: 3, after: $after) { @page } } } }",
        ("people", "nodes", 0, "patches"),
    ),
    (
        "a person's series",
        'query($after: String) { people(first: 1, search: "maintainer") { nodes { '
        "series(first: 1, after: $after) { @page } } } }",
        ("people", "nodes", 0, "series"),
    ),
]

#: New posters for the second load, named to sort first, among and after the sample's people.
NEW_PEOPLE = [("Aaron Able", "aaron@example.org"), ("Eve Middle", "eve@example.net")]
NEW_PEOPLE += [("Zoe Last", "zoe@example.com")]
PAGE = "totalCount pageInfo { hasNextPage endCursor } nodes { id }"

Reload = Callable[[GraphStore], GraphStore]
FirstLoad = Callable[[], GraphStore]


def _connection(store: GraphStore, query: str, path: tuple[Any, ...], after: str | None) -> Any:
    result = schema.execute_sync(
        query.replace("@page", PAGE),
        variable_values={"after": after},
        context_value=Context(store=store),
    )
    assert result.errors is None, result.errors
    data: Any = result.data
    for step in path:
        data = data[step]
    return data


def _pages(
    store: GraphStore, query: str, path: tuple[Any, ...], after: str | None
) -> Iterator[tuple[list[str], str | None]]:
    """Each page's ids and end cursor, from `after` to the last page."""
    while True:
        connection = _connection(store, query, path, after)
        after = connection["pageInfo"]["endCursor"]
        yield [n["id"] for n in connection["nodes"]], after
        if not connection["pageInfo"]["hasNextPage"]:
            return


def _all_ids(store: GraphStore, query: str, path: tuple[Any, ...]) -> list[str]:
    return [i for ids, _ in _pages(store, query, path, None) for i in ids]


def check_paging_across_reload(first_load: FirstLoad, reload: Reload) -> dict[str, int]:
    """Page each list across a reload; how many items the reload inserted before the cursor."""
    inserted_before: dict[str, int] = {}
    for name, query, path in LISTS:
        store = first_load()
        before = _all_ids(store, query, path)
        assert len(before) >= 3, f"{name}: too short a list to page across ({len(before)})"
        pages = _pages(store, query, path, None)
        seen = [*next(pages)[0]]
        ids, cursor = next(pages)
        seen += ids
        reloaded = reload(store)
        after = _all_ids(reloaded, query, path)
        assert set(before) < set(after), f"{name}: the second load added nothing"
        position = after.index(seen[-1])
        inserted_before[name] = len(set(after[:position]) - set(before))
        seen += [i for ids, _ in _pages(reloaded, query, path, cursor) for i in ids]
        repeated = sorted({i for i in seen if seen.count(i) > 1})
        assert repeated == [], f"{name}: repeated across the reload: {repeated}"
        assert sorted(set(before) - set(seen)) == [], f"{name}: skipped across the reload"
    return inserted_before


def _new_posters_mail(path: Path) -> Path:
    """One single patch from each of `NEW_PEOPLE`, in January 2025 (among the sample's)."""
    messages = []
    for day, (name, address) in enumerate(NEW_PEOPLE, start=10):
        messages.append(
            f"From: {name} <{address}>\nTo: kvm@vger.kernel.org\n"
            f"Subject: [PATCH] KVM: x86: Tidy helper number {day}\n"
            f"Date: Fri, {day} Jan 2025 10:00:00 +0000\n"
            f"Message-ID: <new-{day}@example.org>\n\n"
            f"Tidy the helper.\n\nSigned-off-by: {name} <{address}>\n---\n"
            " arch/x86/kvm/x86.c | 1 +\n 1 file changed, 1 insertion(+)\n".encode()
        )
    write_mboxrd(messages, path)
    return path


@pytest.fixture(scope="module")
def loads(tmp_path_factory: pytest.TempPathFactory) -> list[list[Path]]:
    """Two loads: the synthetic list, then another draw of it (series and patches dated among
    the first's) and three new posters."""
    tmp = tmp_path_factory.mktemp("paging")
    write_sample_mbox(tmp / "first.mbox", series_count=10, seed=1)
    write_sample_mbox(tmp / "second.mbox", series_count=10, seed=2)
    return [[tmp / "first.mbox"], [tmp / "second.mbox", _new_posters_mail(tmp / "new.mbox")]]


def test_paging_across_a_reload_on_the_embedded_store(loads: list[list[Path]]) -> None:
    companies = load_company_map()

    def load(parts: list[list[Path]]) -> GraphStore:
        store = NetworkXStore()
        for part in parts:
            load_into_store(store, part, companies)
        return store.warm()

    inserted = check_paging_across_reload(lambda: load(loads[:1]), lambda _: load(loads))
    assert all(inserted.values()), f"an item must be inserted before each cursor: {inserted}"


@pytest.mark.neo4j
def test_paging_across_a_reload_on_neo4j(loads: list[list[Path]], neo4j_store: Any) -> None:
    companies = load_company_map()

    def first_load() -> GraphStore:
        neo4j_store.clear()
        load_into_store(neo4j_store, loads[0], companies)
        return neo4j_store  # type: ignore[no-any-return]

    def reload(store: GraphStore) -> GraphStore:
        load_into_store(store, loads[1], companies)
        return store

    inserted = check_paging_across_reload(first_load, reload)
    assert all(inserted.values()), f"an item must be inserted before each cursor: {inserted}"


def test_offset_cursors_are_refused_with_a_clear_error() -> None:
    from graphapi.schema.errors import ApiError

    with pytest.raises(ApiError, match="offset cursor"):
        decode_cursor("bzow")  # base64 of "o:0", an offset cursor of earlier versions
    with pytest.raises(ApiError, match="invalid cursor"):
        decode_cursor("azpbMV0=")  # "k:[1]": a keyset cursor without a key
