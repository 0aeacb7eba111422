"""CompanyMap: the built-in map, roll-up, user overrides, single addresses and date ranges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from loaders.errors import SourceError
from loaders.identity.companies import (
    INDEPENDENT,
    CompanyMap,
    CompanySpan,
    company_slug,
    load_company_map,
    parse_company_map,
)

USER_MAP = """\
# user overrides
jane@example.com: Acme until 2024-03-01
jane@example.com: Initech from 2024-03-01
example.com: Acme from 2020-01-01 until 2023-12-31   # the domain, for everyone else
solo@gmail.com: Freelance Kernel Consulting
intel.com: Intel Corporation
made.example: Made from Scratch
kernel.org: independent
"""


@pytest.fixture
def user_map(tmp_path: Path) -> CompanyMap:
    path = tmp_path / "companies.txt"
    path.write_text(USER_MAP, encoding="utf-8")
    return load_company_map(path)


def test_builtin_map_and_roll_up() -> None:
    companies = load_company_map()
    assert companies.company_for("kirill@linux.intel.com") == "Intel"
    assert companies.company_for("Someone@RedHat.com") == "Red Hat"
    assert companies.company_for("x@mail.zte.com.cn") == "ZTE"
    assert companies.company_for("dev@gmail.com") is None
    assert companies.company_for("maint@kernel.org") is None
    assert companies.company_for("who@unknown.example") is None
    assert "linux.alibaba.com" in companies.domains_of("Alibaba")


def test_plain_constructor_still_works() -> None:
    companies = CompanyMap({"intel.com": "Intel", "jane@intel.com": INDEPENDENT})
    assert companies.company_for("a@linux.intel.com") == "Intel"
    assert companies.company_for("jane@intel.com") is None
    assert companies.domains_of("Intel") == ["intel.com"]


def test_address_entries_win_over_domains(user_map: CompanyMap) -> None:
    assert user_map.company_for("solo@gmail.com") == "Freelance Kernel Consulting"
    assert user_map.company_for("other@gmail.com") is None
    assert user_map.company_for("solo+lkml@gmail.com") == "Freelance Kernel Consulting"


def test_date_ranges(user_map: CompanyMap) -> None:
    jane = "jane@example.com"
    assert user_map.company_for(jane, datetime(2023, 6, 1)) == "Acme"
    assert user_map.company_for(jane, datetime(2024, 2, 29, 23, 59)) == "Acme"
    assert user_map.company_for(jane, datetime(2024, 3, 1)) == "Initech"
    assert user_map.company_for(jane) == "Initech"  # no date: the latest line
    bob = "bob@example.com"
    assert user_map.company_for(bob, datetime(2019, 12, 31)) is None
    assert user_map.company_for(bob, datetime(2021, 5, 5, tzinfo=UTC)) == "Acme"
    assert user_map.company_for(bob, datetime(2023, 12, 31)) is None  # `until` is exclusive
    assert user_map.company_for(bob) == "Acme"


def test_aware_times_are_compared_in_utc(user_map: CompanyMap) -> None:
    east = timezone(timedelta(hours=9))
    late_feb_utc = datetime(2024, 3, 1, 8, 0, tzinfo=east)  # 2024-02-29 23:00 UTC
    assert user_map.company_for("jane@example.com", late_feb_utc) == "Acme"


def test_an_expired_address_line_falls_back_to_the_domain() -> None:
    spans = parse_company_map(
        "ann@corp.example: Startup until 2022-01-01\ncorp.example: Corp\n", "map"
    )
    companies = CompanyMap({}, spans)
    assert companies.company_for("ann@corp.example", datetime(2021, 1, 1)) == "Startup"
    assert companies.company_for("ann@corp.example", datetime(2023, 1, 1)) == "Corp"
    assert companies.spans_for("ann@corp.example") == (
        CompanySpan("Startup", None, datetime(2022, 1, 1).date()),
    )


def test_user_file_replaces_builtin_keys(user_map: CompanyMap) -> None:
    assert user_map.company_for("a@linux.intel.com") == "Intel Corporation"
    assert user_map.company_for("a@redhat.com") == "Red Hat"
    assert user_map.company_for("x@made.example") == "Made from Scratch"
    assert user_map.domains_of("Acme") == ["example.com"]


def test_later_plain_line_wins_like_before() -> None:
    companies = CompanyMap({}, parse_company_map("a.example: Old\na.example: New\n", "map"))
    assert companies.company_for("x@a.example") == "New"
    assert companies.company_for("x@a.example", datetime(2000, 1, 1)) == "New"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("no colon here", "expected 'domain: Company'"),
        ("a.example: Acme from 2024-13-01", "'2024-13-01' is not a YYYY-MM-DD date"),
        ("a.example: Acme until 2024-3-1", "'2024-3-1' is not a YYYY-MM-DD date"),
        ("a.example: Acme from 2024-01-01 from 2025-01-01", "'from' given twice"),
        ("a.example: Acme from 2024-01-01 until 2023-01-01", "is not before"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "map.txt"
    path.write_text(f"# header\n{line}\n", encoding="utf-8")
    with pytest.raises(SourceError, match=message) as error:
        load_company_map(path)
    assert str(error.value).startswith(f"{path}:2:")


def test_clauses_in_either_order() -> None:
    spans = parse_company_map("a.example: Acme until 2024-01-01 from 2020-01-01\n", "map")
    assert spans["a.example"] == (
        CompanySpan("Acme", datetime(2020, 1, 1).date(), datetime(2024, 1, 1).date()),
    )


def test_unreadable_map_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read company map"):
        load_company_map(tmp_path / "missing.txt")


def test_company_slug() -> None:
    assert company_slug("Red Hat") == "red-hat"
    assert company_slug("  ") == "unknown"
