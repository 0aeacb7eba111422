"""A real `graphapi serve` on a free loopback port, for tests that talk HTTP to it."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(db: Path, timeout: float = 30) -> Iterator[tuple[str, int]]:
    """Serve the snapshot `db` until the block ends; yields (base URL, server pid)."""
    port = free_port()
    command = [sys.executable, "-m", "graphapi", "serve", "--db", str(db), "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                httpx.get(url + "/healthz", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                assert process.poll() is None, "the server exited"
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(10)
