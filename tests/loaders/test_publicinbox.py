"""public-inbox v2: epochs, ranges, deletions, resume, early stop; then the real kvm-ppc epoch.

The test archive is built with git plumbing (hash-object, mktree, commit-tree) the way
public-inbox writes it: every commit's tree holds one file, `m` for a message or `d` for a
deletion carrying the deleted message.
"""

from __future__ import annotations

import os
import subprocess
import threading
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from loaders.errors import SourceError
from loaders.mail.message import parse_mail
from loaders.sources.publicinbox import head_commit, iter_entries, iter_messages
from tests.conftest import corpus_file


def _git_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="public-inbox",
        GIT_AUTHOR_EMAIL="inbox@example.org",
        GIT_AUTHOR_DATE="1736850000 +0000",
        GIT_COMMITTER_NAME="public-inbox",
        GIT_COMMITTER_EMAIL="inbox@example.org",
        GIT_COMMITTER_DATE="1736850000 +0000",
    )
    return env


@dataclass
class Epoch:
    """A bare repository written the way public-inbox writes an epoch."""

    git_dir: Path
    env: dict[str, str]
    commits: list[str] = field(default_factory=list)

    def git(self, *args: str, data: bytes | None = None) -> str:
        result = subprocess.run(
            ["git", f"--git-dir={self.git_dir}", *args],
            input=data,
            capture_output=True,
            check=True,
            env=self.env,
        )
        return result.stdout.decode().strip()

    def add(self, name: str, raw: bytes) -> str:
        blob = self.git("hash-object", "-w", "--stdin", data=raw)
        tree = self.git("mktree", data=f"100644 blob {blob}\t{name}\n".encode())
        parents = ["-p", self.commits[-1]] if self.commits else []
        commit = self.git("commit-tree", tree, *parents, "-m", f"{name} {len(self.commits)}")
        self.git("update-ref", "HEAD", commit)
        self.commits.append(commit)
        return commit

    def add_many(self, raws: list[bytes]) -> None:
        """Many `m` commits at once through `git fast-import` (one process, not four each)."""
        self.git("symbolic-ref", "HEAD", "refs/heads/master")
        stream = bytearray()
        for index, raw in enumerate(raws):
            stream += b"commit refs/heads/master\nmark :%d\n" % (index + 1)
            stream += b"committer inbox <inbox@example.org> 1736850000 +0000\ndata 1\nm\n"
            stream += b"M 100644 inline m\ndata %d\n%s\n" % (len(raw), raw)
        self.git("fast-import", "--quiet", data=bytes(stream))
        self.commits = self.git("rev-list", "--reverse", "HEAD").split()


def make_epoch(path: Path, home: Path) -> Epoch:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True, env=_git_env(home))
    return Epoch(path, _git_env(home))


def mail(n: int) -> bytes:
    return (
        f"From: Person {n} <p{n}@example.com>\nSubject: [PATCH] change {n}\n"
        f"Message-ID: <msg{n}@example.com>\nDate: Tue, 14 Jan 2025 10:0{n}:00 +0000\n\n"
        f"Body {n}.\n"
    ).encode()


@dataclass
class Archive:
    root: Path
    epoch0: Epoch
    epoch1: Epoch


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    """`inbox/git/0.git`: m1, m2, d(m1), m3; `inbox/git/1.git`: m4, m5."""
    root = tmp_path / "inbox"
    epoch0 = make_epoch(root / "git" / "0.git", tmp_path)
    for name, raw in [("m", mail(1)), ("m", mail(2)), ("d", mail(1)), ("m", mail(3))]:
        epoch0.add(name, raw)
    epoch1 = make_epoch(root / "git" / "1.git", tmp_path)
    for n in (4, 5):
        epoch1.add("m", mail(n))
    return Archive(root, epoch0, epoch1)


def ids(raws: list[bytes]) -> list[str]:
    return [parse_mail(raw, "t").key for raw in raws]


def test_messages_in_epoch_then_commit_order(archive: Archive) -> None:
    found = list(iter_messages(archive.root))
    assert ids([raw for _origin, raw in found]) == [f"msg{n}@example.com" for n in (1, 2, 3, 4, 5)]
    c0, c1 = archive.epoch0.commits, archive.epoch1.commits
    assert [origin for origin, _raw in found] == [
        f"0@{c0[0]}",
        f"0@{c0[1]}",
        f"0@{c0[3]}",
        f"1@{c1[0]}",
        f"1@{c1[1]}",
    ]


def test_deletions_are_entries_with_the_deleted_message(archive: Archive) -> None:
    entries = list(iter_entries(archive.root))
    assert [entry.deleted for entry in entries] == [False, False, True, False, False, False]
    deletion = entries[2]
    assert deletion.commit == archive.epoch0.commits[2]
    assert deletion.origin == f"0@{deletion.commit}"
    assert deletion.raw == mail(1)


def test_layouts_epochs_directly_or_one_bare_repo(tmp_path: Path) -> None:
    first = make_epoch(tmp_path / "flat" / "0.git", tmp_path)
    first.add("m", mail(1))
    second = make_epoch(tmp_path / "flat" / "10.git", tmp_path)
    second.add("m", mail(3))
    third = make_epoch(tmp_path / "flat" / "2.git", tmp_path)
    third.add("m", mail(2))
    raws = [raw for _origin, raw in iter_messages(tmp_path / "flat")]
    assert ids(raws) == ["msg1@example.com", "msg2@example.com", "msg3@example.com"]  # numeric
    single = list(iter_messages(str(tmp_path / "flat" / "2.git")))
    assert [origin for origin, _raw in single] == [f"2@{third.commits[0]}"]


def test_range_within_one_epoch(archive: Archive) -> None:
    c0 = archive.epoch0.commits
    raws = [raw for _origin, raw in iter_messages(archive.root / "git" / "0.git", f"{c0[0]}..")]
    assert ids(raws) == ["msg2@example.com", "msg3@example.com"]
    entries = list(iter_entries(archive.root, f"{c0[0]}..{c0[2]}"))
    assert [entry.commit for entry in entries] == c0[1:3]
    assert [entry.commit for entry in iter_entries(archive.root, f"..{c0[1]}")] == c0[:2]


def test_range_across_epochs(archive: Archive) -> None:
    c0, c1 = archive.epoch0.commits, archive.epoch1.commits
    assert [e.commit for e in iter_entries(archive.root, f"{c0[2]}..")] == [c0[3], *c1]
    assert [e.commit for e in iter_entries(archive.root, f"{c0[2]}..{c1[0]}")] == [c0[3], c1[0]]
    assert [e.commit for e in iter_entries(archive.root, f"{c1[0]}..")] == [c1[1]]
    assert [e.commit for e in iter_entries(archive.root, f"{c0[3]}..{c1[1]}")] == c1


def test_head_commit_resumes_a_load(archive: Archive) -> None:
    heads = head_commit(archive.root)
    assert heads == {"0": archive.epoch0.commits[-1], "1": archive.epoch1.commits[-1]}
    assert list(iter_messages(archive.root, f"{heads['1']}..")) == []
    new = archive.epoch1.add("m", mail(6))
    resumed = list(iter_messages(archive.root, f"{heads['1']}.."))
    assert [origin for origin, _raw in resumed] == [f"1@{new}"]
    assert ids([raw for _origin, raw in resumed]) == ["msg6@example.com"]


@pytest.mark.parametrize("spec", ["nonsense", "a...b", "..", "-x..", "0123abcd.."])
def test_bad_ranges_raise_source_error(archive: Archive, spec: str) -> None:
    with pytest.raises(SourceError):
        list(iter_entries(archive.root, spec))


def test_end_before_start_raises(archive: Archive) -> None:
    c0, c1 = archive.epoch0.commits, archive.epoch1.commits
    with pytest.raises(SourceError):
        list(iter_entries(archive.root, f"{c1[0]}..{c0[0]}"))


def test_not_an_archive(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        list(iter_messages(tmp_path))


def test_empty_epoch_is_skipped(tmp_path: Path) -> None:
    make_epoch(tmp_path / "inbox" / "0.git", tmp_path)
    later = make_epoch(tmp_path / "inbox" / "1.git", tmp_path)
    later.add("m", mail(1))
    assert len(list(iter_messages(tmp_path / "inbox"))) == 1
    assert head_commit(tmp_path / "inbox") == {"1": later.commits[0]}


def test_stopping_early_leaves_no_process_or_thread(tmp_path: Path) -> None:
    epoch = make_epoch(tmp_path / "0.git", tmp_path)
    epoch.add_many([mail(n % 10) + b"x" * 20000 for n in range(300)])  # enough to fill pipes
    threads_before = threading.active_count()
    messages = iter_messages(epoch.git_dir)
    assert isinstance(messages, types.GeneratorType)
    next(messages)
    messages.close()
    assert threading.active_count() == threads_before
    assert len(list(iter_messages(epoch.git_dir))) == 300


def test_kvm_ppc_bundle(tmp_path: Path) -> None:
    bundle = corpus_file("kvm-ppc.vger.kernel.org.0.bundle")
    mirror = tmp_path / "kvm-ppc" / "git" / "0.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(bundle), str(mirror)], check=True)
    entries = list(iter_entries(tmp_path / "kvm-ppc"))
    deletions = sum(1 for entry in entries if entry.deleted)
    messages = len(entries) - deletions
    print(f"\nkvm-ppc: {len(entries)} commits, {deletions} deletions, {messages} messages")
    assert len(entries) == 5965
    assert messages == 5965 - deletions
    assert len(list(iter_messages(tmp_path / "kvm-ppc"))) == messages
    assert head_commit(tmp_path / "kvm-ppc") == {"0": entries[-1].commit}
