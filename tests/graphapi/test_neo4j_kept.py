"""Answers `Neo4jStore` keeps per state of the database (`neo4j_kept`) are never stale.

Statistics, the review network, review statistics, whole-kind lists and review ties are kept
per database mark (the bookmark naming its last commit). Against the real test server: a
load, the queries (each twice: the second is the kept answer), a second load, the same
queries; every answer equal to the embedded store's on the same loads, and the answers of
the two loads different (so a stale one would show). A commit made through another driver
(another process, as `graphapi load` is beside a server) is seen too, and a kept answer
costs no statement but the mark's.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from neo4j import GraphDatabase

from graphapi.loading import load_into_store
from graphapi.sample import generate_messages, write_mboxrd
from graphapi.schema import Context, schema
from graphapi.store.base import GraphStore
from graphapi.store.neo4j_kept import (
    UNFOLLOWED,
    FollowedMark,
    KeptAnswers,
    KeptRefresher,
    weight_of,
)
from graphapi.store.neo4j_store import Neo4jStore
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map

#: One query per kind of kept answer; the lists' relation fields ask for every item's
#: ties in one batch (`ties_many` of many keys).
QUERIES = {
    "stats": """{ stats { messages people companies series patches files
      topDomains { name count } topCompanies { name count }
      topContributors { count person { name } } } }""",
    "network": "{ reviewNetwork(level: PERSON, first: 50) { cytoscape } }",
    "company network": "{ reviewNetwork(level: COMPANY, first: 50) { cytoscape } }",
    "review stats": "{ reviewStats(groupBy: COMPANY) { name seriesPosted seriesReviewed } }",
    "series page": "{ allSeries(first: 5) { totalCount nodes { title version } } }",
    "people": """{ people(first: 50) { totalCount nodes { name
      reviewers(first: 5) { count lineages person { name } }
      reviewees(first: 5) { count person { name } } } } }""",
    "companies": """{ companies(first: 20) { nodes { name
      reviewers(first: 5) { count company { name } }
      reviewees(first: 5) { count company { name } } } } }""",
    "files": """{ files(pathPrefix: "", first: 20) { nodes { path
      authors(first: 5) { count person { name } }
      reviewers(first: 5) { count person { name } } } } }""",
}


def _execute(store: GraphStore, query: str) -> dict[str, Any]:
    result = schema.execute_sync(query, context_value=Context(store))
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


@pytest.fixture(scope="module")
def loads(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A synthetic list cut in two loads: two thirds, then the rest."""
    messages = list(generate_messages(16, seed=7))
    cut = len(messages) * 2 // 3
    folder = Path(tmp_path_factory.mktemp("kept"))
    paths = []
    for name, part in (("first", messages[:cut]), ("rest", messages[cut:])):
        path = folder / f"{name}.mbox"
        write_mboxrd(part, path)
        paths.append(path)
    return paths


@pytest.mark.neo4j
def test_kept_answers_follow_each_load(neo4j_store: Neo4jStore, loads: list[Path]) -> None:
    neo4j_store.clear()
    nx = NetworkXStore()
    companies = load_company_map()
    answers: list[dict[str, Any]] = []
    for path in loads:
        for store in (nx, neo4j_store):
            load_into_store(store, [path], companies)
        found = {}
        for name, query in QUERIES.items():
            expected = _execute(nx, query)
            assert _execute(neo4j_store, query) == expected, f"{name}, computed"
            assert _execute(neo4j_store, query) == expected, f"{name}, kept"
            found[name] = expected
        answers.append(found)
    changed = [name for name in QUERIES if answers[0][name] != answers[1][name]]
    assert {"stats", "network", "series page", "people"} <= set(changed), changed


@pytest.mark.neo4j
def test_a_commit_through_another_driver_is_seen(
    neo4j_store: Neo4jStore, loads: list[Path], neo4j_uri: str
) -> None:
    neo4j_store.clear()
    load_into_store(neo4j_store, loads[:1], load_company_map())
    before = _execute(neo4j_store, QUERIES["stats"])["stats"]["messages"]
    assert _execute(neo4j_store, QUERIES["stats"])["stats"]["messages"] == before
    with GraphDatabase.driver(neo4j_uri, auth=None) as other:
        other.execute_query("MATCH (m:Message) WITH m ORDER BY m.key LIMIT 1 DETACH DELETE m")
    assert _execute(neo4j_store, QUERIES["stats"])["stats"]["messages"] == before - 1


@pytest.mark.neo4j
def test_a_kept_answer_costs_only_the_mark(
    neo4j_store: Neo4jStore, loads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    neo4j_store.clear()
    load_into_store(neo4j_store, loads[:1], load_company_map())
    statements = _calls(monkeypatch, neo4j_store, "run_read")
    marks = _calls(monkeypatch, neo4j_store, "database_mark")
    for name in ("stats", "network", "people"):
        first = _execute(neo4j_store, QUERIES[name])
        computed = len(statements)
        statements.clear()
        marks.clear()
        assert _execute(neo4j_store, QUERIES[name]) == first
        assert computed > 0
        # `people` reads its page (kept) and two tie batches (kept): three marks
        assert statements == [], name
        assert len(marks) == (3 if name == "people" else 1), name
        statements.clear()


def test_a_new_mark_drops_what_was_kept() -> None:
    kept = KeptAnswers()
    computed: list[Hashable] = []

    def compute(question: Hashable) -> Callable[[], str]:
        return lambda: computed.append(question) or f"answer {len(computed)}"

    assert kept.answer("m1", "q", compute("q")) == "answer 1"
    assert kept.answer("m1", "q", compute("q")) == "answer 1"
    assert kept.answer("m2", "q", compute("q")) == "answer 2"
    assert kept.answer(None, "q", compute("q")) == "answer 3"  # no mark: never kept
    assert kept.answer(None, "q", compute("q")) == "answer 4"
    assert len(kept) == 0


def test_answers_computes_only_the_missing_in_one_call() -> None:
    kept = KeptAnswers()
    calls: list[list[Hashable]] = []

    def compute(missing: list[Hashable]) -> list[str]:
        calls.append(missing)
        return [f"{q}!" for q in missing]

    assert kept.answers("m", ["a", "b"], compute) == ["a!", "b!"]
    assert kept.answers("m", ["b", "c", "c", "a"], compute) == ["b!", "c!", "c!", "a!"]
    assert calls == [["a", "b"], ["c"]]


def test_an_answer_computed_under_an_old_mark_is_not_kept() -> None:
    kept = KeptAnswers()

    def racing(_: list[Hashable]) -> list[str]:
        kept.answer("new", "other", lambda: "x")  # another request saw a later commit
        return ["old answer"]

    assert kept.answers("old", ["q"], racing) == ["old answer"]
    assert kept.answers("new", ["q"], lambda missing: ["new answer"]) == ["new answer"]


def test_the_least_recently_used_go_beyond_the_limits() -> None:
    kept = KeptAnswers(entries=2, weight=1_000)
    for question in ("a", "b", "c"):
        kept.answer("m", question, lambda: [1, 2])
    assert len(kept) == 2
    assert kept.answer("m", "a", lambda: "recomputed") == "recomputed"
    heavy = KeptAnswers(entries=10, weight=100)
    heavy.answer("m", "big", lambda: list(range(500)))  # heavier than the whole limit
    assert len(heavy) == 0
    assert weight_of({"items": [1, 2, 3], "n": 4}) == 4


def test_a_question_being_computed_is_computed_once() -> None:
    kept = KeptAnswers()
    started, release = threading.Event(), threading.Event()
    calls: list[list[Hashable]] = []

    def slow(missing: list[Hashable]) -> list[str]:
        calls.append(missing)
        started.set()
        assert release.wait(10)
        return ["the answer"]

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(kept.answers, "m", ["stats"], slow)
        assert started.wait(10)
        second = pool.submit(kept.answers, "m", ["stats"], slow)
        time.sleep(0.05)  # the second is waiting, not computing
        release.set()
        assert first.result(10) == second.result(10) == ["the answer"]
    assert calls == [["stats"]]


def test_a_failure_reaches_whoever_waited_and_nothing_is_kept() -> None:
    kept = KeptAnswers()
    started, release = threading.Event(), threading.Event()

    def failing(_: list[Hashable]) -> list[str]:
        started.set()
        assert release.wait(10)
        raise RuntimeError("timed out")

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(kept.answers, "m", ["q"], failing)
        assert started.wait(10)
        second = pool.submit(kept.answers, "m", ["q"], failing)
        time.sleep(0.05)
        release.set()
        for future in (first, second):
            with pytest.raises(RuntimeError, match="timed out"):
                future.result(10)
    assert kept.answers("m", ["q"], lambda missing: ["fine"]) == ["fine"]


@pytest.mark.neo4j
def test_a_kept_neighbourhood_follows_each_load(neo4j_store: Neo4jStore, loads: list[Path]) -> None:
    """The bounded neighbourhood (its rings are walked whole to count them) is kept too, and
    a load retires it: a person's 2-hop view grows between the loads."""
    neo4j_store.clear()
    nx = NetworkXStore()
    companies = load_company_map()
    views = []
    query = ""
    for path in loads:
        for store in (nx, neo4j_store):
            load_into_store(store, [path], companies)
        if not query:  # one person of the first load, asked about after each load
            person = _execute(nx, "{ people(first: 1) { nodes { id } } }")["people"]["nodes"][0]
            query = (
                f'{{ neighborhood(id: "{person["id"]}", depth: 2, first: 10) '
                "{ cytoscape truncated totalNodes } }"
            )
        expected = _execute(nx, query)
        assert _execute(neo4j_store, query) == expected, "computed"
        assert _execute(neo4j_store, query) == expected, "kept"
        views.append(expected["neighborhood"])
    assert views[0]["totalNodes"] < views[1]["totalNodes"]


def test_a_refresh_computes_the_recent_questions_for_the_new_mark() -> None:
    kept = KeptAnswers()
    state = {"n": 1}
    for question in ("stats", "network"):
        kept.answer("m1", question, lambda q=question: f"{q} {state['n']}")
    state["n"] = 2
    assert kept.refresh("m2") == 2
    assert kept.mark == "m2"
    # kept at m2 now: asking computes nothing
    assert kept.answer("m2", "stats", lambda: "computed") == "stats 2"
    assert kept.answer("m2", "network", lambda: "computed") == "network 2"
    assert kept.refresh(None) == 0  # the database gives no mark: nothing to keep


def test_the_refresher_waits_for_the_mark_to_settle() -> None:
    """A moving mark (a load still committing) is not refreshed for; a settled one is."""
    kept = KeptAnswers()
    computed: list[str] = []
    kept.answer(0, "stats", lambda: computed.append("stats") or "answer")
    marks = iter([1, 2, 3, 3, 3, 3, 3, 3])
    seen: list[int] = []

    def read_mark() -> int:
        mark = next(marks, 3)
        seen.append(mark)
        return mark

    with kept_refresher(kept, read_mark) as refresher:
        deadline = time.monotonic() + 10
        while refresher.refreshes == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert refresher.refreshes == 1
    assert kept.mark == 3
    assert computed == ["stats", "stats"]  # once at 0, once at 3: never at 1 or 2
    assert seen[:4] == [1, 2, 3, 3]


def test_the_refresher_refreshes_once_per_mark_even_with_nothing_asked() -> None:
    kept = KeptAnswers()
    looks: list[int] = []

    def read_mark() -> int:
        looks.append(1)
        return 7

    with kept_refresher(kept, read_mark) as refresher:
        deadline = time.monotonic() + 10
        while len(looks) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert len(looks) >= 20
    assert refresher.refreshes == 1
    assert refresher.refreshed == 7


def kept_refresher(kept: KeptAnswers, read_mark: Callable[[], int]) -> KeptRefresher:
    return KeptRefresher(kept, read_mark, interval=0.01, settle=0.015)


@pytest.mark.neo4j
def test_after_a_load_the_server_finds_its_answers_kept(
    neo4j_store: Neo4jStore, loads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the server's refresher running, the statistics asked before a load are computed
    again for the new state in the background: the first request after it runs no statement
    but the mark's."""
    neo4j_store.clear()
    companies = load_company_map()
    load_into_store(neo4j_store, loads[:1], companies)
    with neo4j_store.refresher(interval=0.05) as refresher:
        before = _execute(neo4j_store, QUERIES["stats"])
        load_into_store(neo4j_store, loads[1:], companies)
        mark = neo4j_store.database_mark()  # the load's last commit
        deadline = time.monotonic() + 30
        while refresher.refreshed != mark and time.monotonic() < deadline:
            time.sleep(0.05)  # (a pause between the load's commits may be refreshed for too)
        assert refresher.refreshed == mark
        statements = _calls(monkeypatch, neo4j_store, "run_read")
        after = _execute(neo4j_store, QUERIES["stats"])
    assert statements == []
    assert after != before
    assert after == _execute(_loaded_nx(loads, companies), QUERIES["stats"])


def _loaded_nx(paths: list[Path], companies: Any) -> NetworkXStore:
    store = NetworkXStore()
    for path in paths:
        load_into_store(store, [path], companies)
    return store


def test_a_followed_mark_is_used_only_while_fresh_and_no_write_is_near() -> None:
    followed = FollowedMark(fresh_for=0.2)
    assert followed.current() is UNFOLLOWED  # nothing followed yet: requests read it
    followed.follow("m1", followed.epoch())
    assert followed.current() == "m1"
    followed.follow(None, followed.epoch())  # "the server gives no mark" is a mark too
    assert followed.current() is None
    epoch = followed.epoch()
    with followed.writing():
        assert followed.current() is UNFOLLOWED
        followed.follow("during", followed.epoch())  # read while a write is under way
        assert followed.current() is UNFOLLOWED
    assert followed.current() is UNFOLLOWED  # the write is over: not read since
    followed.follow("before the write ended", epoch)  # read before it: void
    assert followed.current() is UNFOLLOWED
    followed.follow("m2", followed.epoch())
    assert followed.current() == "m2"
    time.sleep(0.25)
    assert followed.current() is UNFOLLOWED  # the refresher stopped looking
    followed.follow("m3", followed.epoch())
    followed.stop()
    assert followed.current() is UNFOLLOWED


@pytest.mark.neo4j
def test_with_a_refresher_a_kept_answer_costs_no_round_trip(
    neo4j_store: Neo4jStore, loads: list[Path], neo4j_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's refresher follows the mark: a kept answer runs nothing, a write through
    the store shows at once, another process's commit within a look."""
    neo4j_store.clear()
    companies = load_company_map()
    load_into_store(neo4j_store, loads[:1], companies)
    with neo4j_store.refresher(interval=0.05):
        first = _execute(neo4j_store, QUERIES["stats"])
        marks = _calls(monkeypatch, neo4j_store, "read_mark")
        _wait_followed(neo4j_store)
        marks.clear()
        for _ in range(5):
            assert _execute(neo4j_store, QUERIES["stats"]) == first
        assert marks == []  # the refresher's own looks go through the unpatched method
        load_into_store(neo4j_store, loads[1:], companies)
        after = _execute(neo4j_store, QUERIES["stats"])  # at once: no wait for a look
        assert after != first
        assert after == _execute(_loaded_nx(loads, companies), QUERIES["stats"])
        messages = after["stats"]["messages"]
        with GraphDatabase.driver(neo4j_uri, auth=None) as other:
            other.execute_query("MATCH (m:Message) WITH m ORDER BY m.key LIMIT 1 DETACH DELETE m")
        deadline = time.monotonic() + 10
        seen = messages
        while seen == messages and time.monotonic() < deadline:
            seen = _execute(neo4j_store, QUERIES["stats"])["stats"]["messages"]
            time.sleep(0.02)
        assert seen == messages - 1


#: Lookups and per-key reads (`kept_rows`), on names picked from the loaded graph.
PICKS = """{ people(first: 20) { nodes { emails } } companies(first: 10) { nodes { name } }
  allSeries(first: 30) { nodes { id patches { messageId } } }
  files(pathPrefix: "", first: 20) { nodes { path } } }"""
LOOKUPS = {
    "person": """query($e: String!) { person(email: $e) { name emails company { name }
      reviewers(first: 5) { count person { name } } } }""",
    "company": "query($n: String!) { company(name: $n) { name domains people { totalCount } } }",
    "series": """query($m: String!) { series(messageId: $m) { title version
      versions { title version } dependencies { kind series { title } }
      patches { number title author { name } } } }""",
    "series by id": "query($id: ID!) { series(id: $id) { title previousVersion { title } } }",
    "dependencies": "query($id: ID!) { dependencyGraph(series: $id) { cytoscape } }",
    "file": """query($p: String!) { file(path: $p) { path
      authors(first: 5) { count person { name } } } }""",
}


def _lookups(picks: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Each lookup on each picked name, as (what, query, variables)."""
    asked: list[tuple[str, str, dict[str, Any]]] = []
    for person in picks["people"]["nodes"]:
        asked.append(("person", LOOKUPS["person"], {"e": person["emails"][0]}))
    for company in picks["companies"]["nodes"]:
        asked.append(("company", LOOKUPS["company"], {"n": company["name"]}))
    for series in picks["allSeries"]["nodes"]:
        asked.append(("series by id", LOOKUPS["series by id"], {"id": series["id"]}))
        asked.append(("dependencies", LOOKUPS["dependencies"], {"id": series["id"]}))
        for patch in series["patches"][:1]:
            asked.append(("series", LOOKUPS["series"], {"m": patch["messageId"]}))
    for file in picks["files"]["nodes"]:
        asked.append(("file", LOOKUPS["file"], {"p": file["path"]}))
    return asked


def _run(store: GraphStore, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    result = schema.execute_sync(query, variable_values=variables, context_value=Context(store))
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


@pytest.mark.neo4j
def test_kept_lookups_follow_each_load(
    neo4j_store: Neo4jStore, loads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A node by key or address, a series by message, lineages, relations and dependency
    graphs are kept per state too: asked again they run no statement, and after a second
    load every answer is the embedded store's again (the picks of the first load included,
    whose answers the second load changes)."""
    neo4j_store.clear()
    nx = NetworkXStore()
    companies = load_company_map()
    statements = _calls(monkeypatch, neo4j_store, "run_read")
    asked: list[tuple[str, str, dict[str, Any]]] = []
    answers: list[list[dict[str, Any]]] = []
    with _following(neo4j_store):
        for path in loads:
            for store in (nx, neo4j_store):
                load_into_store(store, [path], companies)
            _wait_followed(neo4j_store)
            asked += _lookups(_execute(nx, PICKS))
            found = []
            for what, query, variables in asked:
                expected = _run(nx, query, variables)
                assert _run(neo4j_store, query, variables) == expected, f"{what}, computed"
                statements.clear()
                assert _run(neo4j_store, query, variables) == expected, f"{what}, kept"
                assert statements == [], what
                found.append(expected)
            answers.append(found)
    first = len(answers[0])
    assert any(answers[0][i] != answers[1][i] for i in range(first)), "the load changed none"


@pytest.mark.neo4j
def test_a_kept_lookup_sees_another_process_commit(
    neo4j_store: Neo4jStore, loads: list[Path], neo4j_uri: str
) -> None:
    """A series and its patches, read by key (`get_many`) and per key (`_per_key`), kept;
    another driver retitles them: the next answers show the new titles."""
    neo4j_store.clear()
    load_into_store(neo4j_store, loads[:1], load_company_map())
    picked = next(s for s in _execute(neo4j_store, PICKS)["allSeries"]["nodes"] if s["patches"])
    query = "query($id: ID!) { series(id: $id) { title patches { messageId title } } }"
    variables = {"id": picked["id"]}
    key = picked["id"].split(":", 1)[1]
    with _following(neo4j_store), GraphDatabase.driver(neo4j_uri, auth=None) as other:
        _wait_followed(neo4j_store)
        before = _run(neo4j_store, query, variables)["series"]
        assert _run(neo4j_store, query, variables)["series"] == before  # kept
        other.execute_query("MATCH (s:Series {key: $key}) SET s.title = 'Retitled'", key=key)
        other.execute_query(
            "MATCH (p:Patch) WHERE p.key IN $keys SET p.title = 'Retitled'",
            keys=[p["messageId"] for p in before["patches"]],
        )
        deadline = time.monotonic() + 10  # within the refresher's next look
        after = before
        while after["title"] != "Retitled" and time.monotonic() < deadline:
            time.sleep(0.02)
            after = _run(neo4j_store, query, variables)["series"]
    assert after["title"] == "Retitled" != before["title"]
    assert before["patches"] and {p["title"] for p in after["patches"]} == {"Retitled"}


@contextlib.contextmanager
def _following(store: Neo4jStore) -> Iterator[None]:
    """A refresher that follows the mark every 0.05 s and never refreshes (a refresh would
    run statements of its own beside the ones a test counts)."""
    with KeptRefresher(store.kept, store.read_mark, 0.05, settle=3600, followed=store.followed):
        yield


def _wait_followed(store: Neo4jStore) -> None:
    """Until the refresher has looked since the last write (a write forgets the mark)."""
    deadline = time.monotonic() + 10
    while store.followed.current() is UNFOLLOWED and time.monotonic() < deadline:
        time.sleep(0.01)
    assert store.followed.current() is not UNFOLLOWED


def _calls(monkeypatch: pytest.MonkeyPatch, store: Neo4jStore, method: str) -> list[Any]:
    """Count the calls of one of the store's methods: each call's first argument (a read's
    statement), None for a call without one. The refresher's looks, bound before, are not
    counted."""
    calls: list[Any] = []
    original: Callable[..., Any] = getattr(store, method)

    def counting(*args: Any, **params: Any) -> Any:
        calls.append(args[0] if args else None)
        return original(*args, **params)

    monkeypatch.setattr(store, method, counting)
    return calls
