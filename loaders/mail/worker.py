"""Entry point of a parse worker (`python -m loaders.mail.worker PARENT_PID`); see
`loaders.mail.parallel`.

Kept apart and tiny so that the worker asks to die with its parent before anything slow:
importing the mail parser takes a few tenths of a second, and a parent killed meanwhile
must not leave a worker behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Have Linux kill this process when its parent dies; exit now if it already has.

    SIGINT is ignored: Ctrl-C reaches the whole process group and the parent handles it.
    Elsewhere than Linux the request fails quietly, and stdin EOF still stops the worker.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


if __name__ == "__main__":
    die_with_parent(int(sys.argv[1]))
    from loaders.mail.parallel import serve_chunks

    serve_chunks()
