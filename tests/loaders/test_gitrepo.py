"""loaders.sources.gitrepo: commits streamed from git, their patch-ids and the mail they name."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from loaders.mail.patchid import patch_id
from loaders.sources.gitrepo import (
    head_of,
    is_code_repository,
    iter_commits,
    link_message_ids,
    repository_name,
)
from tests.merges_fixture import build_merge_fixture


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("t\n\nLink: https://lore.kernel.org/r/a.b@c.d\n", ("a.b@c.d",)),
        ("t\n\nLink: https://lore.kernel.org/kvm/a.b@c.d/\n", ("a.b@c.d",)),
        ("t\n\nLink: https://lore.kernel.org/all/a.b@c.d/T/#u\n", ("a.b@c.d",)),
        ("t\n\nLink: https://patch.msgid.link/x%2By@c.d\n", ("x+y@c.d",)),
        ("t\n\nMessage-Id: <m-1@c.d>\n", ("m-1@c.d",)),
        ("t\n\nLink: https://gitlab.com/qemu-project/qemu/-/issues/1\n", ()),
        ("t\n\nLink: https://bugzilla.kernel.org/show_bug.cgi?id=1\n", ()),
        ("t\n\nMessage-Id: <m@c.d>\nLink: https://lore.kernel.org/r/m@c.d\n", ("m@c.d",)),
    ],
)
def test_link_message_ids(message: str, expected: tuple[str, ...]) -> None:
    assert link_message_ids(message) == expected


def test_commits_oldest_first_with_patch_ids_equal_to_the_mailed_diffs(tmp_path: Path) -> None:
    fixture = build_merge_fixture(tmp_path)
    commits = list(iter_commits(fixture.repo))
    assert [c.title for c in commits] == list(fixture.shas)
    helper = commits[1]
    assert helper.sha == fixture.shas["lib: add helper"]
    assert helper.author.email == "alice@example.org"
    assert helper.committer.email == "maint@example.org"
    diff = subprocess.run(
        ["git", "-C", str(fixture.repo), "show", "--format=", helper.sha],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert helper.patch_id == patch_id(diff)
    assert commits[4].links == ("quux-1@example.org",)
    assert head_of(fixture.repo) == commits[-1].sha


def test_code_repository_and_name(tmp_path: Path) -> None:
    fixture = build_merge_fixture(tmp_path / "a")
    assert is_code_repository(fixture.repo)
    assert repository_name(fixture.repo) == "tree"
    bare = tmp_path / "kvm-unit-tests.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(fixture.repo), str(bare)], check=True)
    assert is_code_repository(bare)
    assert repository_name(bare) == "tree"  # the origin's name, not the clone's
    assert not is_code_repository(tmp_path)  # not a repository at all


def test_a_public_inbox_epoch_is_not_a_code_repository(tmp_path: Path) -> None:
    epoch = tmp_path / "inbox"
    epoch.mkdir()
    subprocess.run(["git", "-C", str(epoch), "init", "-q"], check=True)
    (epoch / "m").write_text("From: a@b.c\nSubject: hi\n\nbody\n")
    subprocess.run(["git", "-C", str(epoch), "add", "m"], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(epoch),
            "-c",
            "user.name=x",
            "-c",
            "user.email=x@y.z",
            "commit",
            "-qm",
            "m",
        ],
        check=True,
    )
    assert not is_code_repository(epoch)
