"""What a load reads: each source through its cursor, parsed on every core.

`parse_sources` turns the sources of one load into one `Parsed`: the new messages (only what
the cursors in `graphapi.cursors` say was not read before), the people a digest names, the
identity and ownership files, a code tree's new commits, and how many messages were known
already. A source that cannot be loaded is one `SourceError` line, raised before anything is
parsed (`check_sources`). `graphapi.loading` then hands the result to a store.
"""

from __future__ import annotations

import gzip
import itertools
import os
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graphapi.cursors import (
    CODE_TREE,
    FileCursor,
    MaildirCursor,
    cursor_key,
    file_fingerprint,
)
from graphapi.merging import read_tree
from graphapi.progress import Progress, Reporter, silent
from loaders.errors import SourceError
from loaders.identity.maintainers import parse_maintainers
from loaders.mail.parallel import parse_many
from loaders.mail.text import read_text_file
from loaders.records import Address, Message
from loaders.sources import maildir, mbox, publicinbox
from loaders.sources.detect import SourceFormat, check_source
from loaders.sources.digest import read_digest
from loaders.sources.gitrepo import CodeCommit

__all__ = ["BLANK_ENTRY", "Intake", "Parsed", "Source", "check_sources", "parse_sources"]

#: Takes parsed messages as they come, in source order (`parse_sources(intake=...)`).
Intake = Callable[[list[Message]], None]
#: Messages an intake gets at a time: few enough to keep memory flat, enough to batch writes.
INTAKE_CHUNK = 2000


@dataclass(slots=True)
class Source:
    messages: list[Message]
    people: list[Address]
    skipped: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # "maintainers"/"mailmap" -> text
    known: int = 0  # messages read by an earlier load and not read again (duplicates)
    commits: list[CodeCommit] = field(default_factory=list)  # a code tree's (issue 16)
    heads: dict[str, tuple[str, str]] = field(default_factory=dict)  # tree -> (path, head)
    count: int = 0  # messages parsed: `messages`, or those handed to an intake
    intake: Intake | None = None  # takes the messages as they come (then `messages` stays empty)

    def take(self, messages: Iterable[Message]) -> None:
        """Hand the messages to the intake in chunks, as they come; without one, keep them."""
        if self.intake is None:
            self.messages.extend(messages)
            self.count = len(self.messages)
            return
        iterator = iter(messages)
        while chunk := list(itertools.islice(iterator, INTAKE_CHUNK)):
            self.count += len(chunk)
            self.intake(chunk)


def _parse_raw(
    source: Source,
    items: Iterable[tuple[str, bytes]],
    progress: Progress | None = None,
    total: Callable[[int], int | None] = lambda done: None,
) -> None:
    """Parse on every core (`$GRAPHAPI_WORKERS` overrides how many), in source order, into
    `source`, counted by `progress` (`total(done)` estimates how many there are)."""
    parsed = parse_many(items)
    source.take(progress.track(parsed, total) if progress is not None else parsed)


class _MboxTotal:
    """Messages in an mbox, estimated from the bytes read so far against the file's
    (uncompressed) size; a gzip file states that size, modulo 4 GiB, in its last 4 bytes."""

    def __init__(self, path: Path, plain: bool) -> None:
        size = path.stat().st_size
        if not plain:
            with path.open("rb") as handle:
                handle.seek(max(0, size - 4))
                size = int.from_bytes(handle.read(4), "little")
        self._size, self._bytes, self._messages = size, 0, 0

    def note(self, items: Iterable[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
        """`items`, their sizes counted as they pass."""
        for origin, raw in items:
            self._bytes += len(raw)
            self._messages += 1
            yield origin, raw

    def __call__(self, done: int) -> int | None:
        if not self._bytes or self._size < self._bytes:
            return None
        return round(self._messages * self._size / self._bytes)


def _read_inbox(
    path: Path, range_spec: str | None, cursors: dict[str, str], progress: Progress, source: Source
) -> Source:
    """Messages of a public-inbox archive; without a range, only what arrived since last time."""
    position = cursor_key("public-inbox", path)
    last = cursors.get(position)
    if range_spec is None and last is not None:
        range_spec = f"{last}.."

    def messages() -> Iterator[tuple[str, bytes]]:
        """The archive's messages; deletions are counted as skipped, heads kept up to date."""
        for entry in publicinbox.iter_entries(path, range_spec):
            cursors[position] = entry.commit
            if entry.deleted:
                source.skipped["deleted from the archive"] = (
                    source.skipped.get("deleted from the archive", 0) + 1
                )
                continue
            yield entry.origin, entry.raw

    total = publicinbox.count_entries(path, range_spec)
    _parse_raw(source, messages(), progress, lambda done: total)
    return source


def _read_mbox(path: Path, cursors: dict[str, str], progress: Progress, source: Source) -> Source:
    """An mbox's messages past those an earlier load read (see `graphapi.cursors`)."""
    key, now = cursor_key("mbox", path), file_fingerprint(path)
    saved = FileCursor.parse(cursors.get(key))
    if saved is not None and saved.unchanged(now):
        source.skipped, source.known = dict(saved.skipped), saved.messages
        return source
    with path.open("rb") as probe:
        plain = probe.read(2) != b"\x1f\x8b"
    resume = saved if saved is not None and saved.appended_to(now, plain) else None
    source.skipped = dict(resume.skipped) if resume else {}
    source.known = resume.messages if resume else 0
    entries = [resume.entries if resume else 0]

    def counted(items: Iterable[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
        for item in items:
            entries[0] += 1
            yield item

    total = _MboxTotal(path, plain)
    items = _reading(path, mbox.iter_messages(path))
    raw = itertools.islice(total.note(items), entries[0], None)
    _parse_raw(source, _non_blank(counted(raw), source.skipped), progress, total)
    cursor = FileCursor(*now, entries=entries[0], skipped=dict(source.skipped))
    cursor.messages = source.known + source.count
    cursors[key] = cursor.dump()
    return source


def _read_maildir(
    path: Path, cursors: dict[str, str], progress: Progress, source: Source
) -> Source:
    """A Maildir's message files not read by an earlier load (files are never rewritten)."""
    key = cursor_key("maildir", path)
    cursor = MaildirCursor.parse(cursors.get(key))
    seen = set(cursor.names)
    source.known = len(seen)

    new = []
    for file_path in maildir.message_files(path):
        name = os.path.basename(file_path).split(":", 1)[0]  # flags change the name
        if name not in seen:
            seen.add(name)
            new.append(file_path)

    def fresh() -> Iterator[tuple[str, bytes]]:
        for file_path in new:
            with open(file_path, "rb") as handle:
                yield file_path, handle.read()

    items = _non_blank(_reading(path, fresh()), source.skipped)
    _parse_raw(source, items, progress, lambda _: len(new))
    cursors[key] = MaildirCursor(sorted(seen)).dump()
    return source


def _read_digest(path: Path, cursors: dict[str, str], source: Source) -> Source:
    key, now = cursor_key("digest", path), file_fingerprint(path)
    saved = FileCursor.parse(cursors.get(key))
    if saved is not None and saved.unchanged(now):
        source.known = saved.messages
        return source
    digest = read_digest(path)
    messages = list(digest.messages)
    cursors[key] = FileCursor(*now, entries=len(messages), messages=len(messages)).dump()
    source.people = [a for a, _ in digest.contributor_tally]
    source.take(messages)
    return source


def _read_tree(path: Path, range_spec: str | None, cursors: dict[str, str]) -> Source:
    """A code tree's commits past the head an earlier load read (`graphapi.merging`)."""
    heads = {
        key.removeprefix(CODE_TREE): value
        for key, value in cursors.items()
        if key.startswith(CODE_TREE)
    }
    commits, found = read_tree(path, range_spec, heads)
    cursors.update((CODE_TREE + name, head) for name, (_, head) in found.items())
    return Source([], [], commits=commits, heads=found)


def _read_source(
    path: Path,
    range_spec: str | None,
    cursors: dict[str, str],
    report: Reporter = silent,
    forced: SourceFormat | None = None,
    intake: Intake | None = None,
) -> Source:
    """Parse one source file or directory (as `forced`, else as detected) into messages
    (and the people it names), reading only what `cursors` says is new; the messages go to
    `intake` as they come, when there is one."""
    fmt = check_source(path, forced)  # one clear line for whatever cannot be loaded
    if range_spec and fmt not in (SourceFormat.PUBLIC_INBOX, SourceFormat.CODE_REPO):
        raise SourceError(f"{path}: --range applies to git repositories only")
    if fmt is SourceFormat.CODE_REPO:
        return _read_tree(path, range_spec, cursors)
    source = Source([], [], intake=intake)
    if fmt is SourceFormat.DIGEST:
        return _read_digest(path, cursors, source)
    if fmt is SourceFormat.MBOX:
        return _read_mbox(path, cursors, report(path.name), source)
    if fmt is SourceFormat.MAILDIR:
        return _read_maildir(path, cursors, report(path.name), source)
    if fmt is SourceFormat.PUBLIC_INBOX:
        return _read_inbox(path, range_spec, cursors, report(path.name), source)
    if fmt is SourceFormat.MAINTAINERS:
        text = read_text_file(path, "MAINTAINERS file")
        parse_maintainers(text, str(path))  # a file without any entry fails here, loudly
        return Source([], [], files={"maintainers": text})
    if fmt is SourceFormat.MAILMAP:
        return Source([], [], files={"mailmap": read_text_file(path, "mailmap")})
    raise SourceError(f"{path}: cannot load a source of format {fmt.value}")


BLANK_ENTRY = "empty entry (whitespace only)"


def _non_blank(
    items: Iterable[tuple[str, bytes]], skipped: dict[str, int]
) -> Iterator[tuple[str, bytes]]:
    """The entries holding anything; the others are counted as skipped (`BLANK_ENTRY`)."""
    for origin, raw in items:
        if raw.strip():
            yield origin, raw
        else:
            skipped[BLANK_ENTRY] = skipped.get(BLANK_ENTRY, 0) + 1


def _reading(path: Path, items: Iterator[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
    """`items`, with a failure to read the source part-way made one clear line.

    Detection reads only the start of a file: a `.gz` cut short, or a Maildir file that
    cannot be opened, shows up only here. The whole load then fails and writes nothing.
    """
    count = 0
    try:
        for item in items:
            yield item
            count += 1
    except EOFError as exc:
        raise SourceError(
            f"{path}: truncated gzip file (its data stops early; {count} messages read whole)"
        ) from exc
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise SourceError(f"{path}: corrupt gzip file after {count} messages ({exc})") from exc
    except OSError as exc:
        where = exc.filename or path
        raise SourceError(f"{where}: cannot read: {exc.strerror or exc}") from exc


@dataclass(slots=True)
class Parsed:
    messages: list[Message]  # empty when they went to an intake as they came
    people: list[Address]
    skipped: dict[str, int]
    files: dict[str, str]
    known: int = 0
    commits: list[CodeCommit] = field(default_factory=list)
    heads: dict[str, tuple[str, str]] = field(default_factory=dict)
    count: int = -1  # messages parsed (-1: as many as `messages`)

    def __post_init__(self) -> None:
        if self.count < 0:
            self.count = len(self.messages)

    def nothing_new(self) -> bool:
        """True when the sources held nothing an earlier load had not read."""
        return not (self.count or self.people or self.files or self.commits)


def check_sources(
    sources: Sequence[str | os.PathLike[str]], fmt: SourceFormat | None = None
) -> None:
    """Raise the one-line SourceError of the first source that cannot be loaded (as `fmt`,
    else as detected): cheap, so a load can refuse bad input before waiting for the db."""
    for path in sources:
        check_source(path, fmt)


def parse_sources(
    sources: Sequence[str | os.PathLike[str]],
    range_spec: str | None,
    cursors: dict[str, str],
    report: Reporter = silent,
    forced: SourceFormat | None = None,
    intake: Intake | None = None,
) -> Parsed:
    """The sources' new messages, people, files and commits. With an `intake`, messages go
    there in chunks as they are parsed, and are not kept (memory stays flat however many)."""
    check_sources(sources, forced)  # every source's one-line reason before slow parsing
    parsed = [
        _read_source(Path(source), range_spec, cursors, report, forced, intake)
        for source in sources
    ]
    skipped: dict[str, int] = {}
    for source in parsed:
        for reason, count in source.skipped.items():
            skipped[reason] = skipped.get(reason, 0) + count
    return Parsed(
        [m for source in parsed for m in source.messages],
        [p for source in parsed for p in source.people],
        skipped,
        {name: text for source in parsed for name, text in source.files.items()},
        sum(source.known for source in parsed),
        [c for source in parsed for c in source.commits],
        {name: head for source in parsed for name, head in source.heads.items()},
        sum(source.count for source in parsed),
    )
