"""A tiny code tree and the mail its patches were posted in, built in a temp dir per test.

Each commit exercises one matching rule (the expectation beside it, in `EXPECTED`):

- `lib: add helper`: posted as committed, so PATCH_ID and SUBJECT both pair it;
- `x86: fix the frobnicator`: retitled on the way in, diff kept: PATCH_ID only;
- `arm: tidy the bar`: diff touched up by the maintainer, title and author kept: SUBJECT only;
- `riscv: quux`: title and diff reworked, only its `Link:` trailer names the mail: LINK only
  (the mail's author address differs from the commit's);
- `s390: zap`: posted three times with the same diff; v1 and v2 before the commit, v3 after:
  the latest version posted before the commit (v2) wins.

Dates are fixed (author and committer), so the shas are the same on every run.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EXPECTED", "MergeFixture", "add_commit", "build_merge_fixture"]


@dataclass(frozen=True, slots=True)
class MergeFixture:
    repo: Path
    mbox: Path
    shas: dict[str, str]  # commit title -> sha


#: patch message-id -> (title of the commit it became, signals); absent: not merged
EXPECTED: dict[str, tuple[str, list[str]]] = {
    "helper-1@example.org": ("lib: add helper", ["PATCH_ID", "SUBJECT"]),
    "frob-1@example.org": ("x86: fix the frobnicator", ["PATCH_ID"]),
    "bar-1@example.org": ("arm: tidy the bar", ["SUBJECT"]),
    "quux-1@example.org": ("riscv: quux", ["LINK"]),
    "zap-v2@example.org": ("s390: zap", ["PATCH_ID", "SUBJECT"]),
}
NOT_MERGED = ["zap-v1@example.org", "zap-v3@example.org"]


def _git(repo: Path, *args: str, date: str = "", who: tuple[str, str] = ("", "")) -> str:
    env = dict(os.environ)
    if date:
        env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    if who[0]:
        env |= {"GIT_AUTHOR_NAME": who[0], "GIT_AUTHOR_EMAIL": who[1]}
    env |= {"GIT_COMMITTER_NAME": "Maintainer", "GIT_COMMITTER_EMAIL": "maint@example.org"}
    result = subprocess.run(
        ["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def add_commit(
    repo: Path, path: str, text: str, message: str, date: str, who: tuple[str, str]
) -> str:
    """Write `text` to `path`, commit it; returns the sha."""
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    _git(repo, "add", path)
    _git(repo, "commit", "-q", "-m", message, date=date, who=who)
    return _git(repo, "rev-parse", "HEAD").strip()


def _diff(repo: Path, sha: str) -> str:
    return _git(repo, "show", "--format=", "--no-color", sha)


def _mail(message_id: str, date: str, sender: str, subject: str, diff: str) -> str:
    return (
        "From mboxrd@z Thu Jan  1 00:00:00 1970\n"
        f"From: {sender}\nDate: {date}\nSubject: {subject}\nMessage-ID: <{message_id}>\n"
        "To: list@example.org\n\n"
        "A change worth making.\n\n"
        f"Signed-off-by: {sender}\n---\n{diff}--\n2.43.0\n\n"
    )


ALICE = ("Alice Dev", "alice@example.org")
BOB = ("Bob Dev", "bob@example.org")
CAROL = ("Carol Dev", "carol@example.org")
DAVE = ("Dave Dev", "dave@corp.example")
ERIN = ("Erin Dev", "erin@example.org")


def _who(person: tuple[str, str]) -> str:
    return f"{person[0]} <{person[1]}>"


def build_merge_fixture(root: Path) -> MergeFixture:
    """The tree (`root/tree`, not bare) and the mail (`root/mail.mbox`)."""
    repo = root / "tree"
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "master")
    base = add_commit(repo, "README", "demo\n", "initial", "2024-12-01T10:00:00+00:00", ALICE)
    shas = {"initial": base}
    mails: list[str] = []

    sha = add_commit(
        repo, "lib.c", "int helper(void);\n", "lib: add helper", "2025-01-10T10:00:00Z", ALICE
    )
    shas["lib: add helper"] = sha
    mails.append(
        _mail(
            "helper-1@example.org",
            "Wed, 01 Jan 2025 10:00:00 +0000",
            _who(ALICE),
            "[PATCH] lib: add helper",
            _diff(repo, sha),
        )
    )

    sha = add_commit(
        repo, "x86.c", "int frob;\n", "x86: fix the frobnicator", "2025-01-20T10:00:00Z", BOB
    )
    shas["x86: fix the frobnicator"] = sha
    mails.append(
        _mail(
            "frob-1@example.org",
            "Wed, 15 Jan 2025 10:00:00 +0000",
            _who(BOB),
            "[PATCH] x86: Fix frobnicator handling",
            _diff(repo, sha),
        )
    )

    posted = _fake_diff("arm.c", "int bar = 1;\n")
    sha = add_commit(
        repo, "arm.c", "int bar = 2;\n", "arm: tidy the bar", "2025-02-01T10:00:00Z", CAROL
    )
    shas["arm: tidy the bar"] = sha
    mails.append(
        _mail(
            "bar-1@example.org",
            "Sat, 25 Jan 2025 10:00:00 +0000",
            _who(CAROL),
            "[PATCH] arm: tidy the bar",
            posted,
        )
    )

    message = "riscv: quux\n\nReworked on the way in.\n\nLink: https://lore.kernel.org/r/quux-1@example.org\n"
    sha = add_commit(repo, "riscv.c", "int quux;\n", message, "2025-02-10T10:00:00Z", DAVE)
    shas["riscv: quux"] = sha
    mails.append(
        _mail(
            "quux-1@example.org",
            "Wed, 05 Feb 2025 10:00:00 +0000",
            "Dave Dev <dave@home.example>",
            "[PATCH] riscv: add the quux thing",
            _fake_diff("riscv.c", "long quux;\n"),
        )
    )

    sha = add_commit(repo, "s390.c", "int zap;\n", "s390: zap", "2025-03-10T10:00:00Z", ERIN)
    shas["s390: zap"] = sha
    zap = _diff(repo, sha)
    for version, day in ((1, "20 Feb"), (2, "01 Mar"), (3, "20 Mar")):
        tag = "[PATCH]" if version == 1 else f"[PATCH v{version}]"
        mails.append(
            _mail(
                f"zap-v{version}@example.org",
                f"Thu, {day} 2025 10:00:00 +0000",
                _who(ERIN),
                f"{tag} s390: zap",
                zap,
            )
        )
    mbox = root / "mail.mbox"
    mbox.write_text("".join(mails))
    return MergeFixture(repo, mbox, shas)


def _fake_diff(path: str, line: str) -> str:
    """A new-file diff of one line, as format-patch writes it (never committed as such)."""
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1 @@\n+{line}"
    )
