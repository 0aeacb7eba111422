"""Run `b4 am` on many thread mboxes in one process (run by b4's own venv's Python).

Starting b4 costs more than applying one thread's trailers, so the oracle hands a whole
batch over: one JSON job per line on stdin (`mbox`, `outdir`, `version`, `msgid`), one JSON
result per line on stdout (`msgid`, `ok`, `error`). This file imports only b4 and the
standard library; it is never imported by the project.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys


def run_one(job: dict[str, str]) -> dict[str, object]:
    """One `b4 --offline-mode -q am -m MBOX -o OUT -n got -i -v N MSGID`, errors captured."""
    import b4  # type: ignore[import-not-found]
    import b4.command  # type: ignore[import-not-found]

    argv = ["--offline-mode", "-q", "am", "-m", job["mbox"], "-o", job["outdir"], "-n", "got"]
    argv += ["-i", "-v", str(job["version"]), job["msgid"]]
    noise = io.StringIO()
    try:
        cmdargs = b4.command.setup_parser().parse_args(argv)
        b4.setup_config(cmdargs)
        b4.can_network = False
        with contextlib.redirect_stdout(noise), contextlib.redirect_stderr(noise):
            cmdargs.func(cmdargs)
    except SystemExit as stop:
        if stop.code not in (0, None):
            return {"msgid": job["msgid"], "ok": False, "error": f"exit {stop.code}"}
    except Exception as error:
        return {"msgid": job["msgid"], "ok": False, "error": repr(error)}
    return {"msgid": job["msgid"], "ok": True, "error": ""}


def main() -> None:
    logging.getLogger("b4").setLevel(logging.CRITICAL)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(run_one(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
