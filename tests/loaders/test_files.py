"""FileResolver: a diffstat's `.../tail` completed from the full paths known in a load."""

from __future__ import annotations

from loaders.mail.files import FileResolver
from loaders.records import FileChange

KNOWN = [
    "Documentation/devicetree/bindings/riscv/sifive-l2-cache.txt",
    "arch/riscv/include/asm/thread_info.h",
    "drivers/hid/wacom_wac.c",
]


def _resolve(path: str, known: list[str]) -> str:
    return FileResolver([], known).resolve(FileChange(path, 51, 0, shortened=True)).path


def test_a_tail_completes_to_the_one_known_path_ending_with_it() -> None:
    """Each tail finds its own path, whichever known path was indexed last."""
    assert _resolve(".../riscv/sifive-l2-cache.txt", KNOWN) == KNOWN[0]
    assert _resolve(".../asm/thread_info.h", KNOWN) == KNOWN[1]
    assert _resolve(".../wacom_wac.c", list(reversed(KNOWN))) == KNOWN[2]


def test_a_tail_matches_whole_components_only_and_stays_when_unknown_or_ambiguous() -> None:
    assert _resolve(".../fifive-l2-cache.txt", KNOWN) == ".../fifive-l2-cache.txt"
    assert _resolve(".../ive-l2-cache.txt", KNOWN) == ".../ive-l2-cache.txt"
    twice = [*KNOWN, "arch/arm64/include/asm/thread_info.h"]
    assert _resolve(".../asm/thread_info.h", twice) == ".../asm/thread_info.h"
    assert _resolve(".../riscv/include/asm/thread_info.h", twice) == KNOWN[1]
