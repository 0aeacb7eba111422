"""`graphapi.incremental` without a database: who merges into whom, what a store keeps.

The Neo4j side (the files kept in the database and re-applied to a loaded graph, in every
load order) is `test_relations_golden_neo4j.py`.
"""

from __future__ import annotations

import pytest

from graphapi.errors import UsageError
from graphapi.identity import Identities
from graphapi.incremental import KeptFiles, PersonState, kept_files_of, merge_plan
from graphapi.ingest import MAILMAP_NAME_WEIGHT
from graphapi.loading import load_into_store
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.aliases import parse_aliases
from loaders.identity.companies import load_company_map
from loaders.identity.mailmap import parse_mailmap
from tests.conftest import FIXTURES

HERE = FIXTURES / "relations"


def test_kept_files_round_trip_and_replace_only_what_is_given() -> None:
    kept = KeptFiles(maintainers="M", aliases="A")
    assert KeptFiles.from_dict(kept.as_dict()) == kept
    assert kept.as_dict() == {"maintainers": "M", "aliases": "A"}
    assert kept.updated(maintainers=None, mailmap="L") == KeptFiles("M", "L", "A", None)


def test_a_mailmap_merges_an_old_address_and_names_the_person() -> None:
    people = [
        PersonState("lena@old-host.example", ["lena@old-host.example"], {"Lena F": 1}),
        PersonState("lena.fischer@intel.com", ["lena.fischer@intel.com"], {"Lena Fischer": 2}),
        PersonState("name:someone", [], {"Someone": 1}),
    ]
    mailmap = parse_mailmap("Lena Fischer <lena.fischer@intel.com> <lena@old-host.example>\n")
    records, moves = merge_plan(people, Identities(mailmap))
    assert moves == {"lena@old-host.example": "lena.fischer@intel.com"}
    [merged] = records
    assert merged.key == "lena.fischer@intel.com"
    assert merged.props["emails"] == ["lena.fischer@intel.com", "lena@old-host.example"]
    assert merged.name_counts == {"Lena F": 1, "Lena Fischer": 2 + MAILMAP_NAME_WEIGHT}


def test_aliases_merge_people_and_nothing_is_split() -> None:
    people = [
        PersonState("raj@chromium.org", ["raj@chromium.org"], {"Raj Iyer": 1}),
        PersonState("raj.iyer@google.com", ["raj.iyer+kvm@google.com", "raj.iyer@google.com"], {}),
        PersonState("dana@kernel.org", ["dana@kernel.org"], {"Dana Maint": 3}),
    ]
    aliases = parse_aliases("raj.iyer@google.com: raj@chromium.org\n")
    records, moves = merge_plan(people, Identities(None, aliases))
    assert moves == {"raj@chromium.org": "raj.iyer@google.com"}
    assert [r.key for r in records] == ["raj.iyer@google.com"]
    assert records[0].props["emails"] == [
        "raj.iyer+kvm@google.com",
        "raj.iyer@google.com",
        "raj@chromium.org",
    ]
    assert merge_plan(people, Identities()) == ([], {})  # no identities: nobody moves


def test_the_embedded_store_keeps_the_files_in_its_corpus_but_cannot_re_apply_them() -> None:
    store = NetworkXStore()
    load_into_store(store, [HERE / "list.mbox"], load_company_map())
    with pytest.raises(UsageError, match="load_sources"):
        load_into_store(store, [HERE / "MAINTAINERS"], load_company_map())
    fresh = NetworkXStore()
    load_into_store(fresh, [HERE / "MAINTAINERS", HERE / "list.mbox"], load_company_map())
    assert kept_files_of(fresh).maintainers == (HERE / "MAINTAINERS").read_text("utf-8")
