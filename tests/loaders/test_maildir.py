"""Maildir and plain message directories: which files, in which order, with which origin."""

from __future__ import annotations

from pathlib import Path

from loaders.sources.maildir import iter_messages


def message(subject: str) -> bytes:
    return f"From: A <a@example.com>\nSubject: {subject}\nMessage-ID: <{subject}@x>\n\nb\n".encode()


def make_maildir(root: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    (root / "cur" / "1736850000.M1P1.host:2,S").write_bytes(message("seen-first"))
    (root / "new" / "1736850001.M2P1.host").write_bytes(message("unseen-second"))
    (root / "cur" / "1736850002.M3P1.host:2,RS").write_bytes(message("seen-third"))
    (root / "tmp" / "1736850003.M4P1.host").write_bytes(message("still-delivering"))
    (root / "cur" / ".hidden").write_bytes(b"not mail")
    (root / ".Sent").mkdir()  # a Maildir++ sub-folder: not this folder's mail
    return root


def test_maildir_cur_and_new_sorted_by_filename(tmp_path: Path) -> None:
    root = make_maildir(tmp_path / "kvm")
    found = list(iter_messages(root))
    assert [origin for origin, _raw in found] == [
        str(root / "cur" / "1736850000.M1P1.host:2,S"),
        str(root / "new" / "1736850001.M2P1.host"),
        str(root / "cur" / "1736850002.M3P1.host:2,RS"),
    ]
    assert [raw for _origin, raw in found] == [
        message("seen-first"),
        message("unseen-second"),
        message("seen-third"),
    ]


def test_maildir_with_only_new(tmp_path: Path) -> None:
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "b").write_bytes(message("b"))
    (tmp_path / "new" / "a").write_bytes(message("a"))
    assert [Path(origin).name for origin, _raw in iter_messages(tmp_path)] == ["a", "b"]


def test_plain_directory_of_message_files(tmp_path: Path) -> None:
    (tmp_path / "0002.eml").write_bytes(message("two"))
    (tmp_path / "0001.eml").write_bytes(message("one"))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "0003.eml").write_bytes(message("not-recursed"))
    found = list(iter_messages(str(tmp_path)))
    assert [origin for origin, _raw in found] == [
        str(tmp_path / "0001.eml"),
        str(tmp_path / "0002.eml"),
    ]
    assert found[0][1] == message("one")


def test_empty_directory(tmp_path: Path) -> None:
    assert list(iter_messages(tmp_path)) == []
