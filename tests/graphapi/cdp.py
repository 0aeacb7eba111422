"""Headless Chromium driven over the Chrome DevTools protocol, standard library only.

Chromium's `--remote-debugging-pipe` reads commands on fd 3 and writes replies and events
on fd 4 (JSON, each message ending in a NUL byte), so no websocket client is needed. Only
hosts on the loopback interface resolve (`--host-resolver-rules`), and every request the
page makes is recorded, so a test can assert that nothing leaves the machine.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import struct
import subprocess
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["Browser", "browser", "chromium_path", "png_colours"]


def chromium_path() -> str | None:
    """The first Chromium-like browser on PATH."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Browser:
    """One page of a headless Chromium, attached through a flat CDP session."""

    def __init__(self, process: subprocess.Popen[bytes], to_browser: int, from_browser: int):
        self.process, self._out, self._in = process, to_browser, from_browser
        self._next_id, self._buffer = 0, b""
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def _send(self, method: str, params: dict[str, Any] | None, session: str | None) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(self, method: str, params: dict[str, Any] | None = None, *, page: bool = True) -> Any:
        """Run one command (on the page session unless `page` is False) and return its result."""
        wanted = self._send(method, params, self.session if page else None)
        while True:
            message = self._read()
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30) -> Any:
        """Poll a JavaScript expression until it is truthy; its value. An exception counts as
        not yet (while a page loads, `document.body` is null), and is reported on timeout."""
        deadline = time.monotonic() + timeout
        last: object = None
        while True:
            try:
                value = self.evaluate(expression)
            except RuntimeError as error:
                value, last = None, error
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {timeout}s: {expression} ({last})")
            time.sleep(0.1)

    def click(self, x: float, y: float) -> None:
        """A real left click at page coordinates (press and release)."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            params = {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}
            self.call("Input.dispatchMouseEvent", params)

    def type_text(self, text: str) -> None:
        """Types into the focused element, as a keyboard would."""
        self.call("Input.insertText", {"text": text})

    def screenshot(self, scale: float = 1.0) -> bytes:
        """A PNG of the viewport."""
        metrics = self.call("Page.getLayoutMetrics")["cssVisualViewport"]
        clip = {"x": 0, "y": 0, "width": metrics["clientWidth"], "height": metrics["clientHeight"]}
        result = self.call(
            "Page.captureScreenshot", {"format": "png", "clip": {**clip, "scale": scale}}
        )
        return base64.b64decode(result["data"])

    def requested_urls(self) -> list[str]:
        """Every URL the page asked for so far."""
        self.call("Runtime.evaluate", {"expression": "0"})  # drain pending events
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]


@contextmanager
def browser(profile: Path, width: int = 1400, height: int = 900) -> Iterator[Browser]:
    """A headless Chromium with one blank page attached; closed when the block ends."""
    path = chromium_path()
    assert path, "no Chromium"
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()

    def plumb() -> None:  # in the child: the pipe ends where Chromium expects them
        reading = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)  # out of the way of 3 and 4
        writing = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        os.dup2(reading, 3)
        os.dup2(writing, 4)

    command = [
        path,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        "--remote-debugging-pipe",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
        "about:blank",
    ]
    process = subprocess.Popen(
        command,
        pass_fds=(3, 4),
        preexec_fn=plumb,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(to_browser_r)
    os.close(from_browser_w)
    page = Browser(process, to_browser_w, from_browser_r)
    try:
        targets = page.call("Target.getTargets", page=False)["targetInfos"]
        target = next(t for t in targets if t["type"] == "page")
        attached = page.call(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, page=False
        )
        page.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            page.call(f"{domain}.enable")
        page.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        yield page
    finally:
        os.close(to_browser_w)
        os.close(from_browser_r)
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _unfilter(rows: bytes, width: int, height: int, channels: int) -> list[bytes]:
    """PNG scanlines without their filters (RFC 2083, section 6)."""
    stride = width * channels
    out: list[bytes] = []
    previous = bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind, line = rows[start], bytearray(rows[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + best) & 0xFF
        out.append(bytes(line))
        previous = line
    return out


def png_colours(png: bytes) -> dict[tuple[int, ...], int]:
    """How many pixels of each colour an 8-bit RGB(A) PNG has."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, data = 8, b""
    width = height = channels = 0
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        body = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour_type in (2, 6), (depth, colour_type)
            channels = 3 if colour_type == 2 else 4
        elif kind == b"IDAT":
            data += body
        position += 12 + length
    counts: dict[tuple[int, ...], int] = {}
    for line in _unfilter(zlib.decompress(data), width, height, channels):
        for x in range(0, len(line), channels):
            pixel = tuple(line[x : x + 3])
            counts[pixel] = counts.get(pixel, 0) + 1
    return counts


def _screenshot_explorer(url: str, out: Path, level: str) -> None:
    """Saves the explorer at `url` drawn at `level` (PERSON or COMPANY) as a PNG."""
    with browser(
        Path(os.environ.get("TMPDIR", "/tmp")) / f"explorer-profile-{os.getpid()}"
    ) as page:
        page.call("Page.navigate", {"url": url.rstrip("/") + "/"})
        page.wait_for("document.body.dataset.draws >= 1", 60)
        if level == "COMPANY":
            page.evaluate("document.querySelector('input[value=COMPANY]').click()")
            page.wait_for("document.body.dataset.draws >= 2", 60)
        time.sleep(0.5)  # the last frame painted
        out.write_bytes(page.screenshot())


if __name__ == "__main__":
    # The docs/ screenshots: python -m tests.graphapi.cdp http://127.0.0.1:8000 out.png COMPANY
    import sys

    _screenshot_explorer(
        sys.argv[1], Path(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "PERSON"
    )
