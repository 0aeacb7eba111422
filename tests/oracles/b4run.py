"""b4 as an independent oracle: its own venv, thread mboxes cut from raw mail, its output read.

b4 (PyPI) is never a project dependency: it is installed into a venv of its own, cached at
`$GRAPHAPI_B4_VENV` (default `~/.cache/graphapi-b4-venv`), pinned to `B4_VERSION` so the
recorded disagreements do not move with b4 releases (`$GRAPHAPI_B4_VERSION` overrides it).
"""

from __future__ import annotations

import json
import mailbox
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.oracles.rawmail import RawMail

B4_VERSION = os.environ.get("GRAPHAPI_B4_VERSION", "0.16.0")
DRIVER = Path(__file__).with_name("b4_driver.py")
REVIEW_TAG = re.compile(r"^(Reviewed|Acked|Tested)-by:\s*(.*)$", re.IGNORECASE | re.MULTILINE)
_MSGID_TRAILER = re.compile(r"^Message-ID:\s*<([^>]+)>\s*$", re.IGNORECASE | re.MULTILINE)
_ADDRESS = re.compile(r"<([^<>@\s]+@[^<>\s]+)>|([^\s<>()\"]+@[^\s<>()\"]+)")
_ESCAPE_FROM = re.compile(rb"^(>*From )", re.MULTILINE)


def venv_dir() -> Path:
    default = Path.home() / ".cache" / "graphapi-b4-venv"
    return Path(os.environ.get("GRAPHAPI_B4_VENV", default))


def ensure_b4() -> tuple[Path | None, str]:
    """b4's venv Python, installed on first use; (None, why) when it cannot be installed."""
    venv = venv_dir()
    python = venv / "bin" / "python"
    if _installed_version(python) == B4_VERSION:
        return python, ""
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", f"b4=={B4_VERSION}"]
        subprocess.run(pip, check=True, capture_output=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"b4 {B4_VERSION} could not be installed into {venv}: {error}"
    found = _installed_version(python)
    if found != B4_VERSION:
        return None, f"b4 in {venv} reports version {found!r}, wanted {B4_VERSION}"
    return python, ""


def _installed_version(python: Path) -> str | None:
    if not python.exists():
        return None
    probe = [str(python), "-c", "import b4; print(b4.__VERSION__)"]
    done = subprocess.run(probe, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def write_mbox(path: Path, mails: Iterable[RawMail]) -> None:
    """An mboxrd file of the given messages, oldest first."""
    ordered = sorted(mails, key=lambda m: (m.date.timestamp() if m.date else 0.0, m.message_id))
    with path.open("wb") as out:
        for mail in ordered:
            raw = _ESCAPE_FROM.sub(rb">\1", mail.raw)
            out.write(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + raw.rstrip(b"\n") + b"\n\n")


@dataclass(frozen=True)
class Job:
    """One thread for b4: its mbox, where b4 writes, the version and message to apply."""

    mbox: Path
    outdir: Path
    version: int
    msgid: str


def run_b4(python: Path, jobs: Sequence[Job], workers: int = 2) -> dict[str, str]:
    """Run every job in `workers` long-lived b4 processes; msgid -> error ("" when fine)."""
    batches = [jobs[index::workers] for index in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        answers = list(pool.map(lambda batch: _run_batch(python, batch), batches))
    return {msgid: error for answer in answers for msgid, error in answer.items()}


def _run_batch(python: Path, jobs: Sequence[Job]) -> dict[str, str]:
    if not jobs:
        return {}
    lines = [
        json.dumps(
            {"mbox": str(j.mbox), "outdir": str(j.outdir), "version": j.version, "msgid": j.msgid}
        )
        for j in jobs
    ]
    done = subprocess.run(
        [str(python), str(DRIVER)],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=jobs[0].outdir.parent,
        timeout=900,
    )
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    errors = {r["msgid"]: r["error"] for r in results}
    return {j.msgid: errors.get(j.msgid, f"no answer: {done.stderr[-300:]}") for j in jobs}


def applied_trailers(outdir: Path) -> dict[str, set[str]]:
    """What b4 wrote into `got.mbx`: patch Message-ID -> Reviewed/Acked/Tested-by addresses."""
    path = outdir / "got.mbx"
    if not path.exists():
        return {}
    applied: dict[str, set[str]] = {}
    for message in mailbox.mbox(str(path)):
        payload = message.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        commit_message = re.split(r"^---$", text, maxsplit=1, flags=re.MULTILINE)[0]
        ids = _MSGID_TRAILER.findall(commit_message)
        if ids:
            applied[ids[-1]] = {
                a for _, v in REVIEW_TAG.findall(commit_message) if (a := address(v))
            }
    return applied


def address(value: str) -> str:
    """The e-mail address of a trailer value (`Name <a@b>` or a bare address), lower-cased.

    >>> address("Ana Lopez <Ana@Intel.com> # v2")
    'ana@intel.com'
    """
    found = _ADDRESS.findall(value)
    bracketed = [b for b, _ in found if b]
    bare = [a for _, a in found if a]
    chosen = bracketed[0] if bracketed else (bare[0] if bare else "")
    return chosen.strip(".,;").lower()
