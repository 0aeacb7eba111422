"""detect_format: one answer per kind of source, and UNKNOWN for everything else."""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pytest

from loaders.detect import SourceFormat, detect_format
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
