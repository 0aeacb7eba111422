"""Was it merged? Golden tests on a tiny tree and its mail (tests/merges_fixture.py).

One test per signal and one for "a later version wins", through the loader, the matcher,
the graph and the GraphQL schema; then the tree's cursor (a reload reads only new commits),
`--range`, load order, and the query errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphapi.loading import load_into_store, load_sources
from graphapi.store.networkx_store import NetworkXStore
from loaders.errors import SourceError
from loaders.identity.companies import load_company_map
from loaders.sources.detect import SourceFormat, detect_format
from tests.graphapi.conftest import run, run_errors
from tests.merges_fixture import (
    ALICE,
    EXPECTED,
    NOT_MERGED,
    MergeFixture,
    add_commit,
    build_merge_fixture,
)

PATCHES = """query($id: String!) { patch(messageId: $id) {
  commits { matchedBy commit {
    sha title repository authorEmail author { name } patches { messageId } } }
  series { merge { state mergedPatches totalPatches hoursToMerge hoursFromFirstVersion
                   firstCommitAt lastCommitAt } }
} }"""


@pytest.fixture()
def fixture(tmp_path: Path) -> MergeFixture:
    return build_merge_fixture(tmp_path)


@pytest.fixture()
def loaded(fixture: MergeFixture) -> NetworkXStore:
    store = NetworkXStore()
    load_sources(store, [fixture.mbox, fixture.repo], load_company_map())
    return store


def _pairs(store: NetworkXStore) -> dict[str, tuple[str, list[str]]]:
    """patch message-id -> (commit title, signals) for every patch of the fixture."""
    found: dict[str, tuple[str, list[str]]] = {}
    for message_id in [*EXPECTED, *NOT_MERGED]:
        commits = run(store, PATCHES, id=message_id)["patch"]["commits"]
        assert len(commits) <= 1, commits
        if commits:
            found[message_id] = (commits[0]["commit"]["title"], commits[0]["matchedBy"])
    return found


def test_a_code_tree_is_detected_as_one(fixture: MergeFixture) -> None:
    assert detect_format(fixture.repo) is SourceFormat.CODE_REPO
    assert detect_format(fixture.repo / ".git") is SourceFormat.CODE_REPO


@pytest.mark.parametrize("message_id", list(EXPECTED))
def test_each_signal_pairs_its_patch(loaded: NetworkXStore, message_id: str) -> None:
    assert _pairs(loaded)[message_id] == EXPECTED[message_id]


def test_the_latest_version_posted_before_the_commit_wins(loaded: NetworkXStore) -> None:
    pairs = _pairs(loaded)
    assert all(m not in pairs for m in NOT_MERGED)  # v1 older, v3 posted after the commit
    merge = run(loaded, PATCHES, id="zap-v2@example.org")["patch"]["series"]["merge"]
    assert merge["state"] == "MERGED"
    assert (merge["mergedPatches"], merge["totalPatches"]) == (1, 1)
    assert merge["hoursToMerge"] == 9 * 24.0  # 1 Mar -> 10 Mar
    assert merge["hoursFromFirstVersion"] == 18 * 24.0  # v1 on 20 Feb
    for older in NOT_MERGED:
        state = run(loaded, PATCHES, id=older)["patch"]["series"]["merge"]["state"]
        assert state == "NOT_MERGED"


def test_commit_fields_and_lookup(loaded: NetworkXStore, fixture: MergeFixture) -> None:
    sha = fixture.shas["lib: add helper"]
    query = """query($sha: String!) { commit(sha: $sha) { id sha title repository
      authorName authorEmail committerEmail authoredAt committedAt
      author { emails } committer { name } patches { messageId } } }"""
    commit = run(loaded, query, sha=sha[:10])["commit"]
    assert commit["sha"] == sha and commit["id"] == f"Commit:{sha}"
    assert commit["repository"] == "tree"
    assert (commit["authorName"], commit["authorEmail"]) == ALICE
    assert commit["committerEmail"] == "maint@example.org"
    assert commit["committedAt"].startswith("2025-01-10T10:00:00")
    assert commit["author"] == {"emails": ["alice@example.org"]}
    assert commit["committer"] is None  # the maintainer never posted: not a person here
    assert commit["patches"] == [{"messageId": "helper-1@example.org"}]
    node_query = "query($id: ID!) { node(id: $id) { ... on Commit { title } } }"
    node = run(loaded, node_query, id=f"Commit:{sha}")
    assert node["node"] == {"title": "lib: add helper"}


def test_commit_lookup_errors(loaded: NetworkXStore) -> None:
    query = "query($sha: String!) { commit(sha: $sha) { sha } }"
    assert "at least 7 hex digits" in run_errors(loaded, query, sha="abc")[0]
    assert "at least 7 hex digits" in run_errors(loaded, query, sha="zzzzzzzz")[0]
    assert run(loaded, query, sha="0000000000")["commit"] is None


def test_all_series_filters_by_merge_state(loaded: NetworkXStore) -> None:
    query = """query($state: MergeState) { allSeries(merged: $state, first: 50) {
      totalCount nodes { messageId merge { state } } } }"""
    merged = run(loaded, query, state="MERGED")["allSeries"]
    assert merged["totalCount"] == len(EXPECTED)
    assert {n["merge"]["state"] for n in merged["nodes"]} == {"MERGED"}
    assert run(loaded, query, state="NOT_MERGED")["allSeries"]["totalCount"] == 2
    assert run(loaded, query, state=None)["allSeries"]["totalCount"] == 7


def test_mail_only_graph_has_no_merge_data(fixture: MergeFixture) -> None:
    store = NetworkXStore()
    load_sources(store, [fixture.mbox], load_company_map())
    assert run(store, PATCHES, id="helper-1@example.org")["patch"]["series"]["merge"] is None


def test_load_order_does_not_matter(fixture: MergeFixture) -> None:
    for order in ([fixture.repo], [fixture.mbox]), ([fixture.mbox], [fixture.repo]):
        store = NetworkXStore()
        for sources in order:
            load_into_store(store, sources, load_company_map())
        assert _pairs(store) == EXPECTED


def test_a_reload_reads_only_new_commits(fixture: MergeFixture) -> None:
    store = NetworkXStore()
    first = load_sources(store, [fixture.repo], load_company_map())
    assert first.commits == 6
    assert load_sources(store, [fixture.repo], load_company_map()).commits == 0
    add_commit(fixture.repo, "new.c", "x\n", "lib: later", "2025-04-01T10:00:00Z", ALICE)
    again = load_sources(store, [fixture.repo], load_company_map())
    assert again.commits == 1
    assert len(store.corpus.commits) == 7


def test_a_reload_into_a_store_without_corpus_uses_the_stored_head(
    fixture: MergeFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = NetworkXStore()
    load_into_store(store, [fixture.repo], load_company_map())
    add_commit(fixture.repo, "new.c", "x\n", "lib: later", "2025-04-01T10:00:00Z", ALICE)
    read: list[str | None] = []
    import graphapi.merging as merging

    real = merging.iter_commits

    def spy(path: Any, range_spec: str | None = None) -> Any:
        read.append(range_spec)
        return real(path, range_spec)

    monkeypatch.setattr(merging, "iter_commits", spy)
    summary = load_into_store(store, [fixture.repo], load_company_map())
    assert summary.commits == 1
    assert read and read[0] is not None and read[0].startswith(fixture.shas["s390: zap"])


def test_range_limits_the_commits(fixture: MergeFixture) -> None:
    store = NetworkXStore()
    start, end = fixture.shas["initial"], fixture.shas["x86: fix the frobnicator"]
    summary = load_sources(store, [fixture.repo], load_company_map(), range_spec=f"{start}..{end}")
    assert summary.commits == 2
    with pytest.raises(SourceError, match="git"):
        load_sources(NetworkXStore(), [fixture.repo], load_company_map(), range_spec="nope..x")


def test_review_stats_merged_share_and_median_hours(loaded: NetworkXStore) -> None:
    query = """{ reviewStats(groupBy: COMPANY) { name seriesPosted seriesMerged shareMerged
      medianHoursToMerge } }"""
    rows = run(loaded, query)["reviewStats"]
    assert sum(r["seriesPosted"] for r in rows) == 7
    assert sum(r["seriesMerged"] for r in rows) == 5
    assert len(rows) == 1  # every fixture author is independent
    # merged series' hours to merge: 216 (helper), 120 (frob), 168 (bar), 120 (quux), 216 (zap)
    assert rows[0]["medianHoursToMerge"] == 168.0
    assert rows[0]["shareMerged"] == 5 / 7


def test_review_stats_without_a_tree_say_nothing_of_merges(fixture: MergeFixture) -> None:
    store = NetworkXStore()
    load_sources(store, [fixture.mbox], load_company_map())
    rows = run(store, "{ reviewStats { seriesMerged shareMerged medianHoursToMerge } }")
    assert rows["reviewStats"] == [
        {"seriesMerged": None, "shareMerged": None, "medianHoursToMerge": None}
    ]


def test_graph_views_and_exports_show_merged_series(loaded: NetworkXStore) -> None:
    from graphapi.export import view_for
    from graphapi.views import cytoscape_json

    query = """query($id: ID!) { neighborhood(id: $id, depth: 1) { nodes { id kind merged } } }"""
    nodes = run(loaded, query, id="Series:zap-v2@example.org")["neighborhood"]["nodes"]
    merged = {n["id"]: n["merged"] for n in nodes if n["kind"] == "Series"}
    assert merged["Series:zap-v2@example.org"] == "MERGED"
    assert merged.get("Series:zap-v1@example.org", "NOT_MERGED") == "NOT_MERGED"
    view = view_for(loaded, "neighborhood:Series:zap-v2@example.org:0")
    exported = cytoscape_json(view)["elements"]["nodes"]
    assert [n["data"]["mergeState"] for n in exported] == ["MERGED"]


def test_a_later_version_loaded_later_takes_the_commit_over(
    fixture: MergeFixture, tmp_path: Path
) -> None:
    """v1 alone is paired; once v2 arrives, v2 is, and v1's pair does not linger."""
    text = fixture.mbox.read_text()
    first, _, rest = text.partition("From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: Erin Dev")
    separator = "From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: Erin Dev"
    zap_v1, _, later = rest.partition(separator)
    early, late = tmp_path / "early.mbox", tmp_path / "late.mbox"
    early.write_text(first + separator + zap_v1)
    late.write_text(separator + later)
    store = NetworkXStore()
    load_into_store(store, [early, fixture.repo], load_company_map())
    commits = run(store, PATCHES, id="zap-v1@example.org")["patch"]["commits"]
    assert [(c["commit"]["title"], c["matchedBy"]) for c in commits] == [
        ("s390: zap", ["PATCH_ID", "SUBJECT"])
    ]
    load_into_store(store, [late], load_company_map())
    assert _pairs(store) == EXPECTED


def test_the_cursor_survives_a_snapshot(fixture: MergeFixture, tmp_path: Path) -> None:
    from graphapi.snapshot import read_snapshot, write_snapshot

    store = NetworkXStore()
    load_sources(store, [fixture.mbox, fixture.repo], load_company_map())
    write_snapshot(store, tmp_path / "graph.db")
    again = read_snapshot(tmp_path / "graph.db")
    add_commit(fixture.repo, "new.c", "x\n", "lib: later", "2025-04-01T10:00:00Z", ALICE)
    assert load_sources(again, [fixture.repo], load_company_map()).commits == 1
    assert _pairs(again) == EXPECTED
