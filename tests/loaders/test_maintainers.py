"""parse_maintainers and Maintainers.subsystems_for: golden fixture plus the path rules."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import pytest

from loaders.errors import SourceError
from loaders.identity.maintainers import (
    Maintainers,
    load_maintainers,
    parse_maintainers,
    pattern_precision,
)
from loaders.records import Address
from tests.conftest import FIXTURES
from tests.loaders.golden import to_jsonable

MAINTAINERS = FIXTURES / "maintainers"
LOOKUP_PATHS = (
    "arch/x86/kvm/mmu/tdp_mmu.c",
    "arch/x86/kvm/svm/svm.c",
    "arch/x86/include/asm/kvm_host.h",
    "arch/arm64/include/asm/kvm_host.h",
    "virt/kvm/kvm_main.c",
    "drivers/net/wireless/ath/main.c",
    "drivers/net/ethernet/acme/acme.c",
    "drivers/misc/acme-frob-core.c",
    "drivers/misc/sub/acme-frob.c",
    "arch/arm/mach-tegra/board.c",
    "drivers/gpu/host1x/tegra-dc.c",
    "drivers/misc/integrator.c",
    "README",
    "kernel/sched/core.c",
    "./include/linux/sched.h",
    "Documentation/devicetree/bindings/misc/acme,frob.yaml",
)


def snapshot(maintainers: Maintainers, paths: tuple[str, ...] = LOOKUP_PATHS) -> dict[str, Any]:
    """What a golden *.expected.json holds: the entries, the defects and sample lookups."""
    return {
        "subsystems": to_jsonable([dataclasses.asdict(s) for s in maintainers.subsystems]),
        "defects": list(maintainers.defects),
        "lookups": {path: _lookup(maintainers, path) for path in paths},
    }


def _lookup(maintainers: Maintainers, path: str) -> list[list[object]]:
    return [[m.subsystem.name, m.precision, m.pattern] for m in maintainers.matches_for(path)]


def golden_names() -> list[str]:
    return sorted(path.stem for path in MAINTAINERS.glob("*.MAINTAINERS"))


@pytest.mark.parametrize("name", golden_names())
def test_golden(name: str) -> None:
    source = MAINTAINERS / f"{name}.MAINTAINERS"
    expected = json.loads((MAINTAINERS / f"{name}.expected.json").read_text(encoding="utf-8"))
    parsed = parse_maintainers(source.read_text(encoding="utf-8"), source.name)
    assert snapshot(parsed, tuple(expected["lookups"])) == expected


def test_load_maintainers_reads_a_file() -> None:
    loaded = load_maintainers(MAINTAINERS / "small.MAINTAINERS")
    assert loaded.by_name("the rest") is not None
    assert loaded.subsystems[0].maintainers[0] == Address(
        "Lena Hartmann", "lena.hartmann@example.com", "Lena Hartmann <Lena.Hartmann@example.com>"
    )


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        load_maintainers(tmp_path / "MAINTAINERS")


@pytest.mark.parametrize(
    "text",
    ["", "Just prose.\n\nMore prose.\n", "Descriptions\n\n\tM: Mail: Name <a@example.org>\n"],
)
def test_no_entries_is_a_source_error(text: str) -> None:
    with pytest.raises(SourceError, match="no MAINTAINERS entries"):
        parse_maintainers(text)


def test_preamble_field_descriptions_are_not_entries() -> None:
    text = (
        "Descriptions of section entries\n"
        "-------------------------------\n\n"
        "\tM: Mail patches to: FullName <address@domain>\n"
        "\tF: Files:\n\t   F:\tdrivers/net/\tall files below\n\n"
        "FOO DRIVER\nM:\tAnn Example <ann@example.com>\nF:\tdrivers/foo/\n"
    )
    parsed = parse_maintainers(text)
    assert [s.name for s in parsed.subsystems] == ["FOO DRIVER"]
    assert parsed.defects == ()


def _one(*patterns: str, excludes: tuple[str, ...] = (), regexes: tuple[str, ...] = ()) -> str:
    lines = ["ONLY ENTRY", "S:\tMaintained"]
    lines += [f"F:\t{p}" for p in patterns]
    lines += [f"X:\t{p}" for p in excludes]
    lines += [f"N:\t{r}" for r in regexes]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("drivers/net/", "drivers/net/a.c", True),
        ("drivers/net/", "drivers/net/x/y/z.c", True),
        ("drivers/net/", "drivers/network/a.c", False),
        ("drivers/net/*", "drivers/net/a.c", True),
        ("drivers/net/*", "drivers/net/x/a.c", False),
        ("*/net/*", "drivers/net/a.c", True),
        ("*/net/*", "net/a.c", False),
        ("*/net/*", "drivers/net/x/a.c", False),
        ("drivers/net/phy/*.c", "drivers/net/phy/mdio.c", True),
        ("drivers/net/phy/*.c", "drivers/net/phy/mdio.h", False),
        ("drivers/hid/hid-?pple.c", "drivers/hid/hid-apple.c", True),
        ("drivers/hid/hid-?pple.c", "drivers/hid/hid-/pple.c", False),
        ("arch/*/kvm/", "arch/x86/kvm/mmu/mmu.c", True),
        ("arch/*/kvm/", "arch/x86/y/kvm/mmu.c", False),
        ("drivers/foo", "drivers/foo", True),
        ("drivers/foo", "drivers/foo/bar/baz.c", True),
        ("drivers/foo", "drivers/foobar.c", False),
        ("drivers/foo.c", "drivers/foo.cpp", False),
        ("include/linux/acme.h", "include/linux/acme.h", True),
        ("include/linux/acme.h", "include/linux/acmeXh", False),
        ("*", "Makefile", True),
        ("*", "drivers/Makefile", False),
        ("*/", "drivers/Makefile", True),
        ("./tools/", "tools/x.c", True),
    ],
)
def test_file_patterns(pattern: str, path: str, matches: bool) -> None:
    parsed = parse_maintainers(_one(pattern))
    assert bool(parsed.subsystems_for(path)) is matches


def test_exclude_removes_the_entry_and_regex_adds_it() -> None:
    parsed = parse_maintainers(_one("net/", excludes=("net/ipv6/",), regexes=(r"[^a-z]tegra",)))
    assert parsed.subsystems_for("net/ipv4/tcp.c")
    assert not parsed.subsystems_for("net/ipv6/route.c")
    assert parsed.subsystems_for("drivers/gpu/tegra/dc.c")
    assert not parsed.subsystems_for("drivers/integrator.c")


def test_exclude_beats_a_regex_match_too() -> None:
    parsed = parse_maintainers(_one(excludes=("drivers/staging/",), regexes=("tegra",)))
    assert not parsed.subsystems_for("drivers/staging/tegra/x.c")


def test_regex_is_extended_syntax() -> None:
    """Perl's `m/.../x`: whitespace in the pattern is not matched."""
    parsed = parse_maintainers(_one(regexes=("te gra",)))
    assert parsed.subsystems_for("drivers/tegra.c")


@pytest.mark.parametrize(
    ("pattern", "precision"),
    [
        ("drivers/net/", 2),
        ("drivers/net/a.c", 3),
        ("drivers/net/*", 3),
        ("drivers/net", 2),
        ("*", -1),
        ("*/", -1),
        ("*/net/*", -1),
    ],
)
def test_precision_is_get_maintainer_depth(pattern: str, precision: int) -> None:
    assert pattern_precision(pattern) == precision


def test_most_precise_first_then_by_name() -> None:
    text = "\n\n".join(
        [
            "ZETA\nF:\tdrivers/net/",
            "ALPHA\nF:\tdrivers/net/",
            "EXACT\nF:\tdrivers/net/phy/mdio.c",
            "WIDE\nF:\tdrivers/",
            "REST\nF:\t*/",
            "GUESS\nN:\tmdio",
        ]
    )
    parsed = parse_maintainers(text)
    names = [s.name for s in parsed.subsystems_for("drivers/net/phy/mdio.c")]
    assert names == ["EXACT", "ALPHA", "ZETA", "WIDE", "GUESS", "REST"]


def test_best_pattern_of_an_entry_counts() -> None:
    parsed = parse_maintainers("BOTH\nF:\tdrivers/\nF:\tdrivers/net/a.c\n")
    (match,) = parsed.matches_for("drivers/net/a.c")
    assert (match.precision, match.pattern) == (3, "drivers/net/a.c")


def test_lookups_are_fast_on_a_large_file() -> None:
    """8,000 entries, 20,000 lookups: indexed by literal directory prefix, not a linear scan."""
    entries = [
        f"SUBSYSTEM {n}\nM:\tPerson {n} <p{n}@example.org>\nS:\tMaintained\n"
        f"F:\tdrivers/area{n % 97}/part{n}/\nF:\tinclude/linux/part{n}*.h\n"
        f"X:\tdrivers/area{n % 97}/part{n}/old/\n"
        for n in range(8000)
    ]
    entries.append("THE REST\nF:\t*\nF:\t*/\nN:\tfirmware\n")
    parsed = parse_maintainers("\n".join(entries))
    started = time.perf_counter()
    for n in range(20000):
        part = n % 8000
        found = parsed.subsystems_for(f"drivers/area{part % 97}/part{part}/file{n}.c")
        assert found[0].name == f"SUBSYSTEM {part}"
    assert time.perf_counter() - started < 5.0
