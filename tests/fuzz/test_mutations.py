"""Mutation fuzzing over real list traffic: no exception escapes, every mutant is accounted for.

Messages of `kvm-cc-2025plus.mbox.gz` are mutated deterministically (`mutators.py`, seeded),
each mutant goes through `parse_mail`, then the mutants are written to an mboxrd file (one
message each) and loaded with `load_sources`: the summary must count exactly the mutants
written, and its counts must add up.

CI runs 2,000 mutants. A long run: `FUZZ_EXAMPLES=50000 pytest tests/fuzz/test_mutations.py -s`
(`FUZZ_SEED` picks another sequence; `FUZZ_REPORT=path.json` writes the numbers).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest

from graphapi.loading import LoadSummary
from loaders.mail.message import parse_mail
from loaders.records import Message
from loaders.sources.mbox import iter_messages
from tests.conftest import corpus_file
from tests.fuzz.mutators import mutate, split
from tests.fuzz.support import (
    assert_adds_up,
    check_message,
    expected_counts,
    format_crash,
    known_crash,
    load,
    mbox_form,
    visible_to_splitter,
    write_mboxrd,
)

CORPUS = "kvm-cc-2025plus.mbox.gz"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
SEED = int(os.environ.get("FUZZ_SEED", "1337"))
BATCH = 2000  # mutants per mbox file (one load each, so memory stays flat on a long run)
PLAIN_SEEDS = 300  # the first messages of the corpus
SPECIAL_SEEDS = 40  # plus MIME, base64 and quoted-printable ones from further on
SCAN_LIMIT = 3000  # how far to look for those


@dataclass
class Report:
    """What a fuzz run did and found."""

    seed: int
    tried: int = 0
    parse_calls: int = 0
    loaded_batches: int = 0
    written: int = 0
    read: int = 0
    loaded: int = 0
    duplicates: int = 0
    defective: int = 0
    skipped: int = 0
    unaccounted: int = 0
    known_crashes: dict[str, int] = field(default_factory=dict)
    new_crashes: list[str] = field(default_factory=list)
    load_failures: list[str] = field(default_factory=list)
    mutators: dict[str, int] = field(default_factory=dict)
    slowest_parse_ms: float = 0.0
    slowest_mutators: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"fuzz seed={self.seed}: {self.tried} mutants tried, {self.parse_calls} parse_mail "
            f"calls, crashes known={sum(self.known_crashes.values())} {self.known_crashes} "
            f"new={len(self.new_crashes)}, load failures={len(self.load_failures)}, written="
            f"{self.written}, read={self.read} (loaded {self.loaded}, duplicates "
            f"{self.duplicates}, skipped {self.skipped}), defective={self.defective}, "
            f"unaccounted={self.unaccounted}, slowest parse {self.slowest_parse_ms:.0f} ms "
            f"({self.slowest_mutators}), {self.seconds:.1f} s"
        )


def _seed_messages() -> list[bytes]:
    """The first messages, plus MIME / base64 / quoted-printable ones from further on."""
    path = corpus_file(CORPUS)
    plain: list[bytes] = []
    special: list[bytes] = []
    for _, raw in itertools.islice(iter_messages(path), SCAN_LIMIT):
        if len(plain) < PLAIN_SEEDS:
            plain.append(raw)
            continue
        head = split(raw)[0].lower()
        if any(word in head for word in (b"multipart/", b"base64", b"quoted-printable")):
            special.append(raw)
            if len(special) == SPECIAL_SEEDS:
                break
    return plain + special


def _unique_id(rng: random.Random, raw: bytes, index: int) -> bytes:
    """Half the mutants get a fresh Message-ID, so that they load rather than duplicate."""
    if rng.random() < 0.5:
        return raw
    return raw.replace(b"Message-ID: <", b"Message-ID: <fuzz%d." % index, 1).replace(
        b"Message-Id: <", b"Message-Id: <fuzz%d." % index, 1
    )


def _parse(
    raw: bytes, origin: str, report: Report, names: tuple[str, ...], keep: Path
) -> Message | None:
    """parse_mail, timed; a crash is recorded (known or new; a new one's input kept) -> None."""
    report.parse_calls += 1
    started = time.perf_counter()
    try:
        message = parse_mail(raw, origin)
    except Exception as exc:
        crash = known_crash(exc)
        if crash is not None:
            report.known_crashes[crash.name] = report.known_crashes.get(crash.name, 0) + 1
        else:
            saved = keep / f"new-crash-{origin.replace('#', '-')}.eml"
            saved.write_bytes(raw)
            report.new_crashes.append(f"{saved} via {names}: {raw[:300]!r}\n{format_crash(exc)}")
        return None
    elapsed = (time.perf_counter() - started) * 1000
    if elapsed > report.slowest_parse_ms:
        report.slowest_parse_ms, report.slowest_mutators = elapsed, "+".join(names)
    check_message(message, origin)
    return message


def _load_batch(path: Path, mutants: list[bytes], expected: list[Message], report: Report) -> None:
    written = write_mboxrd(path, mutants)
    report.written += written
    report.loaded_batches += 1
    try:
        summary = load(path)
    except Exception as exc:
        report.load_failures.append(f"{path}: {format_crash(exc)}")
        return
    _tally(summary, written, expected, report)
    path.unlink()


def _tally(summary: LoadSummary, written: int, expected: list[Message], report: Report) -> None:
    assert_adds_up(summary)
    report.read += summary.read
    report.loaded += summary.loaded
    report.duplicates += summary.duplicates
    report.defective += summary.defective
    report.skipped += summary.skipped
    report.unaccounted += abs(written - summary.read)
    loaded, duplicates, (fewest, most) = expected_counts(expected)
    assert (summary.loaded, summary.duplicates) == (loaded, duplicates), summary.line()
    assert fewest <= summary.defective <= most, summary.line()


def run_fuzz(tmp_path: Path, examples: int, seed: int) -> Report:
    seeds = _seed_messages()
    report = Report(seed=seed)
    started = time.perf_counter()
    mutants: list[bytes] = []
    expected: list[Message] = []
    used: Counter[str] = Counter()
    for index in range(examples):
        rng = random.Random(seed * 1_000_003 + index)
        original = _unique_id(rng, rng.choice(seeds), index)
        mutant, names = mutate(rng, original)
        while not visible_to_splitter(mutant):  # blank: inputs/gap-blank-message.mbox
            mutant, names = mutate(rng, original)
        used.update(names)
        report.tried += 1
        origin = f"mutant#{index}"
        message = _parse(mutant, origin, report, names, tmp_path)
        if message is not None and mbox_form(mutant) != mutant:  # what the mbox holds
            message = _parse(mbox_form(mutant), origin, report, names, tmp_path)
        if message is None:
            continue
        mutants.append(mutant)
        expected.append(message)
        if len(mutants) == BATCH:
            _load_batch(tmp_path / f"batch{index}.mbox", mutants, expected, report)
            mutants, expected = [], []
    if mutants:
        _load_batch(tmp_path / "last.mbox", mutants, expected, report)
    report.mutators = dict(sorted(used.items()))
    report.seconds = time.perf_counter() - started
    return report


# charset=unicode_escape is decoded with that codec, which warns about bad escapes: noise here
# (reported; under `-W error` the warning would escape parse_mail).
@pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning")
def test_mutated_real_messages_never_crash_and_are_accounted_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run_fuzz(tmp_path, EXAMPLES, SEED)
    with capsys.disabled():
        print("\n" + report.line())
    if target := os.environ.get("FUZZ_REPORT"):
        Path(target).write_text(json.dumps(asdict(report), indent=2) + "\n")
    assert report.tried == EXAMPLES
    assert not report.new_crashes, "\n\n".join(report.new_crashes[:5])
    assert not report.load_failures, "\n\n".join(report.load_failures[:3])
    assert report.unaccounted == 0, report.line()
    assert report.read == report.written, report.line()
    assert report.read == report.loaded + report.duplicates + report.skipped
    assert report.defective > 0  # the mutations do break messages
