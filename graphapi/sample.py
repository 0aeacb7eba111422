"""A deterministic synthetic mailing list: realistic series, versions, reviews, dependencies.

Used for the README's sample graph (no real mail is shipped with the project) and for scale
benchmarks (any size). Same seed and size, same bytes: series by people of several
companies, cover letters with b4 `change-id`/`base-commit`, re-rolls linked with
`Link to vN:`, replies carrying Reviewed-by/Acked-by/Tested-by, some in reply to the cover,
prerequisites between series, and diffs touching kernel-like paths.
"""

from __future__ import annotations

import gzip
import os
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

__all__ = ["generate_messages", "write_mboxrd", "write_sample_mbox"]

_PEOPLE = [
    ("Alice Kernel", "alice.kernel@intel.com"),
    ("Bob Reviewer", "bob.reviewer@google.com"),
    ("Chen Wei", "chen.wei@huawei.com"),
    ("Dana Maintainer", "dana@kernel.org"),
    ("Erik Larsen", "erik.larsen@redhat.com"),
    ("Fatima Noor", "fatima.noor@arm.com"),
    ("Gopal Rao", "gopal.rao@amd.com"),
    ("Hana Sato", "hana.sato@linux.intel.com"),
    ("Ivan Petrov", "ivan.petrov@suse.com"),
    ("Julia Costa", "julia.costa@oracle.com"),
]
_AREAS = [
    ("KVM: x86/mmu", "arch/x86/kvm/mmu", ["mmu.c", "tdp_mmu.c", "spte.h"]),
    ("KVM: arm64", "arch/arm64/kvm", ["arm.c", "mmu.c", "vgic/vgic-v3.c"]),
    ("KVM: selftests", "tools/testing/selftests/kvm", ["lib/kvm_util.c", "include/kvm_util.h"]),
    ("KVM: SVM", "arch/x86/kvm/svm", ["svm.c", "nested.c"]),
    ("KVM: guest_memfd", "virt/kvm", ["guest_memfd.c", "kvm_main.c"]),
    ("RISC-V: KVM", "arch/riscv/kvm", ["vcpu.c", "mmu.c"]),
]
_VERBS = ["Fix", "Rework", "Add", "Drop", "Harden", "Document", "Split", "Introduce"]
_OBJECTS = [
    "page splitting",
    "dirty logging",
    "nested paging",
    "vCPU reset",
    "MMIO caching",
    "huge page mapping",
    "register save/restore",
    "interrupt injection",
]
_REVIEW_KINDS = ["Reviewed-by", "Reviewed-by", "Acked-by", "Tested-by"]

#: The first series draw only from the cast and words above (tests rely on their bytes).
#: Beyond them the list grows as a real one does, so that a large sample is not ten people
#: sending the same 384 titles: one more author every `_SERIES_PER_NEW_AUTHOR` series (about
#: 4,000 at a million messages; the first cast stays the busiest), every title made distinct
#: by the function it touches (two series by one author with one title are re-rolls to
#: assembly), and files named after those functions.
_BASE_SERIES = 1000
_SERIES_PER_NEW_AUTHOR = 50
_FIRST_NAMES = [
    "Aiko", "Bruno", "Carla", "Deepak", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas",
    "Kavya", "Lars", "Maya", "Nikolai", "Olga", "Pedro", "Qing", "Rahul", "Sofia", "Tomas",
    "Uma", "Viktor", "Wen", "Xavier", "Yara", "Zoltan",
]  # fmt: skip
_LAST_NAMES = [
    "Almeida", "Becker", "Castro", "Dubois", "Eriksen", "Fischer", "Gupta", "Horvat", "Ito",
    "Jansen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Popescu", "Quinn",
    "Rossi", "Schmidt", "Tanaka", "Underwood", "Varga", "Wagner", "Xu", "Yilmaz", "Zhang",
]  # fmt: skip
_DOMAINS = sorted({email.split("@", 1)[1] for _, email in _PEOPLE})
_WORDS = [
    "alloc", "apic", "cache", "check", "clear", "dirty", "entry", "exit", "fault", "flush",
    "gfn", "init", "irq", "lock", "map", "msr", "page", "pte", "range", "reset", "root",
    "slot", "spte", "state", "sync", "tlb", "unmap", "vcpu", "walk", "zap",
]  # fmt: skip


@dataclass(slots=True)
class _Series:
    author: tuple[str, str]
    title: str
    area: tuple[str, str, list[str]]
    change_id: str
    patches: int
    msgids: list[str]
    cast: int = 0  # past the base: how many authors the grown cast has


def _msgid(rng: random.Random, when: datetime, email: str, n: int) -> str:
    return f"{when:%Y%m%d%H%M%S}.{rng.randrange(10**6):06d}-{n}-{email}"


def _diff(rng: random.Random, area: tuple[str, str, list[str]], tag: str = "") -> tuple[str, str]:
    """A diffstat and a diff; `tag` makes the lines (hence the patch-id) the patch's own (the
    base series' diffs differ only by path and size: thousands share a patch-id)."""
    path = f"{area[1]}/{rng.choice(area[2])}"
    plus, minus = rng.randint(1, 30), rng.randint(0, 12)
    stat = f" {path} | {plus + minus} {'+' * min(plus, 20)}{'-' * min(minus, 10)}\n"
    stat += f" 1 file changed, {plus} insertions(+), {minus} deletions(-)\n"
    body = [
        f"diff --git a/{path} b/{path}",
        f"--- a/{path}",
        f"+++ b/{path}",
        f"@@ -1,{minus} +1,{plus} @@",
    ]
    body += [f"-old line {i}{tag}" for i in range(minus)]
    body += [f"+new line {i}{tag}" for i in range(plus)]
    return stat, "\n".join(body) + "\n"


def _mail(
    frm: tuple[str, str],
    msgid: str,
    subject: str,
    when: datetime,
    body: str,
    reply_to: list[str] | None = None,
) -> bytes:
    headers = [
        f"From: {frm[0]} <{frm[1]}>",
        "To: kvm@vger.kernel.org",
        f"Subject: {subject}",
        f"Date: {format_datetime(when)}",
        f"Message-ID: <{msgid}>",
    ]
    if reply_to:
        headers.append(f"In-Reply-To: <{reply_to[-1]}>")
        headers.append("References: " + " ".join(f"<{r}>" for r in reply_to))
    headers += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    return ("\n".join(headers) + "\n\n" + body).encode("utf-8")


def generate_messages(series_count: int = 24, seed: int = 1) -> Iterator[bytes]:
    """Raw messages of a synthetic list, oldest first."""
    rng = random.Random(seed)
    when = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    earlier: list[_Series] = []
    for index in range(series_count):
        author = rng.choice(_PEOPLE)
        area = rng.choice(_AREAS)
        title = f"{area[0]}: {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
        cast = 0
        if index >= _BASE_SERIES:
            cast = (index - _BASE_SERIES) // _SERIES_PER_NEW_AUTHOR + 1
            author, title, area = _grown(rng, cast, author, title, area)
        series = _Series(
            author,
            title,
            area,
            f"{when:%Y%m%d}-s{index}-{rng.randrange(16**8):08x}",
            rng.randint(1, 4),
            [],
            cast,
        )
        prerequisite = earlier[-1].msgids[-1] if earlier and rng.random() < 0.25 else None
        for version in range(1, rng.randint(1, 3) + 1):
            yield from _send_version(rng, series, version, when, prerequisite)
            when += timedelta(days=rng.randint(3, 20))
        earlier.append(series)
        when += timedelta(hours=rng.randint(1, 30))


def _grown(
    rng: random.Random,
    cast: int,
    author: tuple[str, str],
    title: str,
    area: tuple[str, str, list[str]],
) -> tuple[tuple[str, str], str, tuple[str, str, list[str]]]:
    """A series past the base: an author of the grown cast of `cast` (one in three still
    from the first cast), its title qualified by a function, and that function's file."""
    if rng.random() >= 1 / 3:
        author = _author(rng.randrange(cast))
    prefix = area[1].rsplit("/", 1)[-1].replace("-", "_")
    first, second = rng.choice(_WORDS), rng.choice(_WORDS)
    function = f"{prefix}_{first}_{second}"
    return author, f"{title} in {function}()", (*area[:2], [f"{first}_{second}.c"])


def _author(number: int) -> tuple[str, str]:
    """The `number`th author of the grown cast: a name, and an address at a cast company."""
    first = _FIRST_NAMES[number % len(_FIRST_NAMES)]
    rest = number // len(_FIRST_NAMES)
    last = _LAST_NAMES[rest % len(_LAST_NAMES)]
    again = rest // len(_LAST_NAMES)  # past 676 names, a second Aiko Almeida
    name = f"{first} {last}" + (f" {_roman(again + 1)}" if again else "")
    local = f"{first}.{last}".lower() + (str(again + 1) if again else "")
    return name, f"{local}@{_DOMAINS[number % len(_DOMAINS)]}"


def _roman(number: int) -> str:
    """Small numbers as the generational suffixes of names (II, III, IV ...)."""
    numerals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    text = ""
    for value, numeral in numerals:
        while number >= value:
            text, number = text + numeral, number - value
    return text


def _send_version(
    rng: random.Random, series: _Series, version: int, when: datetime, prerequisite: str | None
) -> Iterator[bytes]:
    tag = "PATCH" if version == 1 else f"PATCH v{version}"
    total = series.patches
    cover_id = _msgid(rng, when, series.author[1], 0)
    links = "".join(
        f"- Link to v{v + 1}: https://patch.msgid.link/{m}\n" for v, m in enumerate(series.msgids)
    )
    links = links or "- First version.\n"
    prereq = f"prerequisite-message-id: <{prerequisite}>\n" if prerequisite else ""
    cover_body = (
        f"This series reworks {series.title.split(': ', 1)[1].lower()}.\n\n"
        f"Signed-off-by: {series.author[0]} <{series.author[1]}>\n---\n"
        f"Changes in v{version}:\n{links}\n"
        f"---\nbase-commit: {rng.randrange(16**40):040x}\nchange-id: {series.change_id}\n{prereq}\n"
        f"Best regards,\n-- \n{series.author[0]}\n"
    )
    yield _mail(series.author, cover_id, f"[{tag} 0/{total}] {series.title}", when, cover_body)
    series.msgids.append(cover_id)
    patch_ids = []
    for number in range(1, total + 1):
        pid = _msgid(rng, when, series.author[1], number)
        patch_ids.append(pid)
        tag = f" /* {series.change_id}.{number} */" if series.cast else ""
        stat, diff = _diff(rng, series.area, tag)
        body = (
            f"Part {number} of the work.\n\n"
            f"Signed-off-by: {series.author[0]} <{series.author[1]}>\n"
            f"---\n{stat}\n{diff}--\n2.43.0\n"
        )
        subject = f"[{tag} {number}/{total}] {series.title} (part {number})"
        yield _mail(series.author, pid, subject, when + timedelta(seconds=number), body, [cover_id])
    yield from _replies(rng, series, cover_id, patch_ids, when)


def _replies(
    rng: random.Random, series: _Series, cover_id: str, patch_ids: list[str], when: datetime
) -> Iterator[bytes]:
    others = [p for p in _PEOPLE if p != series.author]
    for reviewer in rng.sample(others, rng.randint(0, 3)):
        if series.cast and rng.random() < 0.5:  # a grown list: half its reviews by peers
            peer = _author(rng.randrange(series.cast))
            reviewer = reviewer if peer == series.author else peer
        to_cover = rng.random() < 0.3
        target = cover_id if to_cover else rng.choice(patch_ids)
        kind = rng.choice(_REVIEW_KINDS)
        body = (
            f"> Part of the work.\n\nLooks good to me.\n\n{kind}: {reviewer[0]} <{reviewer[1]}>\n"
        )
        later = when + timedelta(hours=rng.randint(2, 200))
        parents = [cover_id] if to_cover else [cover_id, target]
        yield _mail(
            reviewer,
            _msgid(rng, later, reviewer[1], 99),
            f"Re: {series.title}",
            later,
            body,
            parents,
        )


def write_mboxrd(messages: Iterable[bytes], path: str | os.PathLike[str]) -> int:
    """Write raw messages as an mboxrd file (gzipped when the name ends in .gz): a separator
    line per message, `>*From ` lines escaped with one more `>`. Returns the count."""
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    count = 0
    with opener(path, "wb") as handle:
        for raw in messages:
            handle.write(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n")
            for line in raw.split(b"\n"):
                if line.lstrip(b">").startswith(b"From "):
                    line = b">" + line
                handle.write(line + b"\n")
            handle.write(b"\n")
            count += 1
    return count


def write_sample_mbox(path: str | os.PathLike[str], series_count: int = 24, seed: int = 1) -> int:
    """Write the synthetic list as an mboxrd file (gzipped when the name ends in .gz)."""
    return write_mboxrd(generate_messages(series_count, seed), path)
