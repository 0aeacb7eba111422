"""A real, throw-away Neo4j 5.26 server for tests.

``neo4j_server()`` starts ``tests/neo4j/run-server`` (an embedded Neo4j 5.26 Community DBMS built
from Maven Central, see ``tests/neo4j/``), waits until its Bolt port accepts connections and
yields its URI (``bolt://127.0.0.1:PORT``). Authentication is disabled on that server: connect
with ``GraphDatabase.driver(uri, auth=None)``. Its data lives in a temporary directory that is
deleted when the server stops, so every server starts empty.

If the environment variable ``NEO4J_URI`` is set, that URI is yielded instead and nothing is
started (e.g. to run the tests against a server you started yourself with
``tests/neo4j/run-server``, which saves the ~10 s start-up per test session).

The first start builds the server with Maven (downloading ~200 MB into ``~/.m2``), which can
take minutes; ``tests/neo4j/run-server --build-only`` does that step alone.
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, NoReturn

from neo4j import GraphDatabase
from neo4j.exceptions import DriverError, Neo4jError

__all__ = ["NEO4J_URI_ENV", "RUN_SERVER", "neo4j_server"]

#: The script that builds (once) and starts the server.
RUN_SERVER = Path(__file__).resolve().parent / "neo4j" / "run-server"

#: Environment variable naming an already running server to use instead of starting one.
NEO4J_URI_ENV = "NEO4J_URI"

_STDERR_TAIL_LINES = 40
_STOP_TIMEOUT = 30.0


@contextlib.contextmanager
def neo4j_server(timeout: float = 300, home: Path | None = None) -> Iterator[str]:
    """Start a Neo4j server, yield its Bolt URI, and stop it on exit.

    Args:
        timeout: Seconds allowed for the whole start-up: building the server on first use,
            starting the JVM and Neo4j, and the first successful Bolt connection.
        home: Serve this DBMS home (e.g. one `tests/neo4j/neo4j-admin database import`
            filled) and keep it, instead of a fresh temporary one; `$NEO4J_URI` is ignored.

    Yields:
        The server's Bolt URI, e.g. ``bolt://127.0.0.1:40123`` (authentication disabled), or
        the value of ``$NEO4J_URI`` when that is set (then nothing is started or stopped).

    Raises:
        RuntimeError: The server did not start, or did not accept a Bolt connection, within
            ``timeout``; the message ends with the last lines of the server's stderr.
    """
    external = os.environ.get(NEO4J_URI_ENV)
    if external and home is None:
        yield external
        return

    server = _Server(timeout, home)
    try:
        uri = server.start()
        yield uri
    finally:
        server.stop()


class _Server:
    """One ``run-server`` process: its output readers and its shutdown."""

    def __init__(self, timeout: float, home: Path | None = None) -> None:
        self._deadline = time.monotonic() + timeout
        self._timeout = timeout
        self._stdout_lines: queue.Queue[str | None] = queue.Queue()
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
        self._threads: list[threading.Thread] = []
        # --exit-on-stdin-eof: the server also stops if this process dies without stopping it,
        # because the pipe to its stdin is then closed.
        self._proc = subprocess.Popen(
            ["bash", str(RUN_SERVER), "--exit-on-stdin-eof"]
            + (["--home", str(home)] if home is not None else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,  # its own process group, so that stop() reaches Maven too
        )
        assert self._proc.stdout is not None and self._proc.stderr is not None
        self._drain(self._proc.stdout, self._on_stdout_line, self._on_stdout_eof)
        self._drain(self._proc.stderr, self._stderr_tail.append, None)

    def start(self) -> str:
        """Wait for the URI line, then for a Bolt connection to succeed; return the URI."""
        uri = self._read_uri()
        last_error: Exception | None = None
        while True:
            try:
                with GraphDatabase.driver(uri, auth=None) as driver:
                    driver.verify_connectivity()
                return uri
            except (DriverError, Neo4jError, OSError) as e:
                last_error = e
            if self._proc.poll() is not None:
                self._fail(f"Neo4j server exited with code {self._proc.returncode}")
            if time.monotonic() >= self._deadline:
                self._fail(f"Neo4j server at {uri} refused Bolt connections: {last_error!r}")
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop the server's process group (SIGTERM, then SIGKILL) and wait for it."""
        if self._proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self._proc.wait(timeout=_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self._proc.wait()
        if self._proc.stdin is not None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _read_uri(self) -> str:
        while True:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                self._fail(f"Neo4j server printed no URI within {self._timeout:g} s")
            try:
                line = self._stdout_lines.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                continue
            if line is None:
                self._proc.wait()
                self._fail(
                    f"Neo4j server exited with code {self._proc.returncode} before printing a URI"
                )
            line = line.strip()
            if line.startswith(("bolt://", "neo4j://")):
                return line
            self._fail(f"Neo4j server printed {line!r} instead of a Bolt URI")

    def _fail(self, message: str) -> NoReturn:
        self.stop()
        tail = "".join(self._stderr_tail).rstrip()
        raise RuntimeError(f"{message}; last lines of its stderr:\n{tail or '(none)'}")

    def _on_stdout_line(self, line: str) -> None:
        self._stdout_lines.put(line)

    def _on_stdout_eof(self) -> None:
        self._stdout_lines.put(None)

    def _drain(
        self,
        stream: IO[str],
        on_line: Callable[[str], None],
        on_eof: Callable[[], None] | None,
    ) -> None:
        """Read ``stream`` to its end in a daemon thread, so that the server never blocks on it."""

        def run() -> None:
            with stream:
                for line in stream:
                    on_line(line)
            if on_eof is not None:
                on_eof()

        thread = threading.Thread(target=run, name="neo4j-server-output", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, sig)
