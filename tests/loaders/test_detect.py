"""detect_format: one answer per kind of source, and UNKNOWN for everything else;
check_source: the same answers, or one line saying why a path cannot be loaded."""

from __future__ import annotations

import gzip
import os
import subprocess
from pathlib import Path

import pytest

from loaders.errors import SourceError
from loaders.sources.detect import NotMailArchive, SourceFormat, check_source, detect_format
from tests.conftest import corpus_file

MAIL = b"From: A <a@example.com>\nSubject: x\nMessage-ID: <x@y>\n\nbody\n"
MAINTAINERS_ENTRIES = b"""KVM PARAVIRT (KVM/paravirt)
M:\tAlice Maintainer <alice@example.com>
R:\tBob Reviewer <bob@example.com>
L:\tkvm@vger.kernel.org
S:\tSupported
F:\tarch/x86/kernel/kvm.c
"""


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def bare_repo(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("archive.mbox", b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + MAIL, SourceFormat.MBOX),
        ("t.mbox.gz", gzip.compress(b"From x\n" + MAIL), SourceFormat.MBOX),
        ("no-suffix", gzip.compress(b"From x\n" + MAIL), SourceFormat.MBOX),
        (
            "digest.txt",
            b"\nKVM mailing list update from 810a535b1 to 2da7ebe7a\n\nTop contributors\n",
            SourceFormat.DIGEST,
        ),
        ("MAINTAINERS", b"anything at all\n", SourceFormat.MAINTAINERS),
        ("maintainers-6.19.txt", MAINTAINERS_ENTRIES * 2, SourceFormat.MAINTAINERS),
        (
            "m.txt",
            b"List of maintainers and how to submit kernel changes\n===\n",
            SourceFormat.MAINTAINERS,
        ),
        (".mailmap", b"Jane Doe <jane@example.com> <jd@old.example.com>\n", SourceFormat.MAILMAP),
        ("kernel.mailmap", b"# comment\n", SourceFormat.MAILMAP),
        ("notes.txt", b"just some notes\n", SourceFormat.UNKNOWN),
        ("empty", b"", SourceFormat.UNKNOWN),
        ("single.eml", MAIL, SourceFormat.MBOX),
        ("crlf.eml", b"Return-Path: <a@b>\r\nFrom: A <a@b>\r\n\r\nx\r\n", SourceFormat.MBOX),
        ("config.yaml", b"name: x\nvalue: y\n", SourceFormat.UNKNOWN),
    ],
)
def test_files(tmp_path: Path, name: str, data: bytes, expected: SourceFormat) -> None:
    assert detect_format(write(tmp_path / name, data)) == expected


def test_missing_path_is_unknown(tmp_path: Path) -> None:
    assert detect_format(tmp_path / "nope") == SourceFormat.UNKNOWN


def test_public_inbox_bare_epoch(tmp_path: Path) -> None:
    assert detect_format(bare_repo(tmp_path / "0.git")) == SourceFormat.PUBLIC_INBOX


def test_public_inbox_epochs_directly_or_under_git(tmp_path: Path) -> None:
    bare_repo(tmp_path / "flat" / "0.git")
    bare_repo(tmp_path / "inbox" / "git" / "1.git")
    assert detect_format(tmp_path / "flat") == SourceFormat.PUBLIC_INBOX
    assert detect_format(str(tmp_path / "inbox")) == SourceFormat.PUBLIC_INBOX


def test_maildir(tmp_path: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (tmp_path / "md" / sub).mkdir(parents=True)
    assert detect_format(tmp_path / "md") == SourceFormat.MAILDIR


def test_directory_of_message_files(tmp_path: Path) -> None:
    write(tmp_path / "msgs" / "1.eml", MAIL)
    write(tmp_path / "msgs" / "2.eml", b"From x Mon Jan 13 10:00:00 2025\n" + MAIL)
    assert detect_format(tmp_path / "msgs") == SourceFormat.MAILDIR


def test_other_directories_are_unknown(tmp_path: Path) -> None:
    write(tmp_path / "src" / "main.c", b"int main(void) { return 0; }\n")
    (tmp_path / "empty").mkdir()
    assert detect_format(tmp_path / "src") == SourceFormat.UNKNOWN
    assert detect_format(tmp_path / "empty") == SourceFormat.UNKNOWN


def test_real_digest_and_mbox() -> None:
    assert detect_format(corpus_file("kvm-cc-2025plus.mbox.gz")) == SourceFormat.MBOX
    digest = corpus_file("kvm-digest-810a535b1..2da7ebe7a.txt")
    assert detect_format(digest) == SourceFormat.DIGEST


def commit(git_dir: Path, files: dict[str, bytes]) -> Path:
    """Make HEAD one commit whose tree holds `files` (git plumbing: no config needed)."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"}

    def git(*args: str, data: bytes | None = None) -> str:
        done = subprocess.run(
            ["git", f"--git-dir={git_dir}", *args], input=data, capture_output=True, env=env,
            check=True,
        )  # fmt: skip
        return done.stdout.decode().strip()

    blobs = {name: git("hash-object", "-w", "--stdin", data=data) for name, data in files.items()}
    tree = git("mktree", data="".join(f"100644 blob {b}\t{n}\n" for n, b in blobs.items()).encode())
    git("update-ref", "HEAD", git("commit-tree", tree, "-m", "x"))
    return git_dir


def test_inbox_commits_hold_one_message_or_deletion(tmp_path: Path) -> None:
    message = commit(bare_repo(tmp_path / "a" / "0.git"), {"m": MAIL})
    commit(bare_repo(tmp_path / "b" / "git" / "0.git"), {"d": MAIL})
    assert check_source(message) is SourceFormat.PUBLIC_INBOX
    assert check_source(tmp_path / "b") is SourceFormat.PUBLIC_INBOX


def test_code_repository_is_a_code_tree_not_mail(tmp_path: Path) -> None:
    repo = commit(bare_repo(tmp_path / "code.git"), {"Makefile": b"all:\n", "m": b"x"})
    assert check_source(repo) is SourceFormat.CODE_REPO  # loaded as commits (issue 16)
    assert detect_format(repo) is SourceFormat.CODE_REPO
    epochs = tmp_path / "looks-like-epochs"
    commit(bare_repo(epochs / "0.git"), {"README": b"hello\n"})
    with pytest.raises(NotMailArchive, match="README"):
        check_source(epochs)
    with pytest.raises(NotMailArchive, match="not a public-inbox archive"):
        check_source(repo, SourceFormat.PUBLIC_INBOX)  # forcing the format does not help


def test_working_tree_and_bundle_say_what_they_are(tmp_path: Path) -> None:
    (tmp_path / "tree" / ".git").mkdir(parents=True)
    write(tmp_path / "tree" / "main.c", b"int main(void) { return 0; }\n")
    with pytest.raises(NotMailArchive, match="a git working tree"):
        check_source(tmp_path / "tree")
    bundle = write(tmp_path / "x.bundle", b"# v2 git bundle\n" + b"0" * 40 + b" HEAD\n\nPACK\0")
    with pytest.raises(NotMailArchive, match="git clone --mirror"):
        check_source(bundle)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (gzip.compress(bytes(range(256)) * 40), "a gzip file, but not of mail: it holds binary"),
        (gzip.compress(b"name: x\nvalue: y\n"), "a gzip file, but not of mail: it holds text"),
        (gzip.compress(b""), "a gzip file, but not of mail: it holds nothing"),
        (gzip.compress(b"From x\n" + MAIL)[:15], "truncated gzip file"),
        (b"\x1f\x8b" + b"\xff" * 30, "corrupt gzip file"),
    ],
)
def test_gzip_that_is_not_mail(tmp_path: Path, data: bytes, reason: str) -> None:
    source = write(tmp_path / "x.mbox.gz", data)
    with pytest.raises(SourceError, match=reason):
        check_source(source)


def test_special_files_are_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it would block until someone writes
    with pytest.raises(SourceError, match="a FIFO"):
        check_source(fifo)
    with pytest.raises(SourceError, match="a FIFO"):
        check_source(fifo, SourceFormat.MBOX)
    with pytest.raises(SourceError, match="a device"):
        check_source("/dev/null")
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(SourceError, match="a symbolic link loop"):
        check_source(tmp_path / "a")
    with pytest.raises(SourceError, match="no such file or directory"):
        check_source(tmp_path / "missing" / "x.mbox")


def test_forced_format_needs_the_right_kind_of_path(tmp_path: Path) -> None:
    notes = write(tmp_path / "notes.txt", b"just some notes\n")
    with pytest.raises(NotMailArchive):
        check_source(notes)
    assert check_source(notes, SourceFormat.MBOX) is SourceFormat.MBOX
    with pytest.raises(SourceError, match="--format maildir needs a directory"):
        check_source(notes, SourceFormat.MAILDIR)
    with pytest.raises(SourceError, match="--format mbox needs a file"):
        check_source(tmp_path, SourceFormat.MBOX)
    assert check_source(tmp_path, SourceFormat.MAILDIR) is SourceFormat.MAILDIR


BUNDLES = {
    "kvm-ppc.vger.kernel.org.0.bundle": SourceFormat.PUBLIC_INBOX,
    "linux-riscv.lists.infradead.org.0.bundle": SourceFormat.PUBLIC_INBOX,
    "virtualization.lists.linux-foundation.org.0.bundle": SourceFormat.PUBLIC_INBOX,
    "kvm-unit-tests.bundle": SourceFormat.CODE_REPO,  # code trees: their commits (issue 16)
    "kvmtool.bundle": SourceFormat.CODE_REPO,
}


@pytest.fixture(scope="module")
def clones(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every git bundle of the corpora, cloned once (`--mirror`, as lore is cloned)."""
    root = tmp_path_factory.mktemp("clones")
    cloned: dict[str, Path] = {}
    for name in BUNDLES:
        target = root / name.replace(".bundle", ".git")
        command = ["git", "clone", "-q", "--mirror", str(corpus_file(name)), str(target)]
        subprocess.run(command, check=True)
        cloned[name] = target
    return cloned


def test_every_real_archive_and_code_repository(clones: dict[str, Path]) -> None:
    for name, expected in BUNDLES.items():
        bundle = corpus_file(name)
        with pytest.raises(NotMailArchive, match="a git bundle"):
            check_source(bundle)
        if expected is None:
            with pytest.raises(NotMailArchive, match="not a public-inbox archive"):
                check_source(clones[name])
        else:
            assert check_source(clones[name]) is expected, name
    assert check_source(corpus_file("kvm-cc-2025plus.mbox.gz")) is SourceFormat.MBOX
    digest = corpus_file("kvm-digest-810a535b1..2da7ebe7a.txt")
    assert check_source(digest) is SourceFormat.DIGEST
