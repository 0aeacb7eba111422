"""Memory stays bounded on a 50 MB message (peak measured with tracemalloc).

The input is built before tracing starts, so the peak counts only what parsing allocates on
top of the message it was handed. The bounds, as multiples of the input size:

* plain text: the body is decoded only up to `MAX_BODY_BYTES` (4 MB) and the rest is
  scanned in place (a memoryview), so parsing needs less than one more copy: < 1x.
* quoted-printable: one decoded copy (<= 1x) plus the 4 MB text and its parse: < 3x.
* base64 body (single part): the encoded body is copied once (1x), split into lines (a
  transient list of 77-byte bytes objects, ~1.5x with their 33-byte headers and pointers),
  joined (1x) and decoded (0.75x): ~4.3x at the worst moment. < 6x leaves room for noise
  but not for another full copy and a list of lines.
* base64 attachment (MIME): the stdlib parser only sees the first 2 x MAX_BODY_BYTES, so
  the cost is a constant (~70 MB): < 2x.
* the mbox splitter: the message's pieces, the joined message, and a transient copy from
  `raw.strip()` (its blank-message test): ~3x, < 3.5x.

What the parsed Message keeps must not grow with the input either: the body is capped at
MAX_BODY_BYTES, and the commit message can repeat it, so < 3 x MAX_BODY_BYTES.
"""

from __future__ import annotations

import base64
import io
import tracemalloc
from collections.abc import Callable

import pytest

from loaders.mail.message import MAX_BODY_BYTES, parse_mail
from loaders.records import Message
from loaders.sources.mbox import split_mbox
from tests.fuzz.support import mboxrd_chunks

MB = 1 << 20
SIZE = 50 * MB
HEAD = (
    b"From: Lena Fischer <lena.fischer@intel.com>\nMessage-ID: <big@intel.com>\n"
    b"Subject: [PATCH] KVM: x86: big\nDate: Mon, 3 Mar 2025 10:00:00 +0000\n"
)
PROSE = b"Just some prose in a long message body, nothing special here at all.\n"


def _patch(size: int) -> bytes:
    """A unified diff of `size` bytes: 100 files of 20-line hunks, repeated."""
    unit = b"".join(
        b"diff --git a/arch/x86/kvm/f%d.c b/arch/x86/kvm/f%d.c\n--- a/arch/x86/kvm/f%d.c\n"
        b"+++ b/arch/x86/kvm/f%d.c\n@@ -1,20 +1,20 @@\n"
        % (i, i, i, i)
        + b"-\told_line_of_code(here);\n+\tnew_line_of_code(here);\n" * 20
        for i in range(100)
    )
    return (unit * (size // len(unit) + 1))[:size]


def _prose(size: int) -> bytes:
    return (PROSE * (size // len(PROSE) + 1))[:size]


def _plain() -> bytes:
    return HEAD + b"\nThe commit message.\n\nSigned-off-by: L F <l@f.org>\n---\n" + _patch(SIZE)


def _quoted_printable() -> bytes:
    body = _prose(SIZE).replace(b"nothing special", b"nothing sp=C3=A9cial=\n")
    return HEAD + b"Content-Transfer-Encoding: quoted-printable\n\n" + body


def _base64_body() -> bytes:
    encoded = base64.encodebytes(_prose(SIZE * 3 // 4))
    return HEAD + b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n" + encoded


def _base64_attachment() -> bytes:
    return (
        HEAD + b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=zz\n\n"
        b"--zz\nContent-Type: text/plain\n\nSee the attachment.\n"
        b"--zz\nContent-Type: application/octet-stream; name=blob.bin\n"
        b"Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=blob.bin\n\n"
        + base64.encodebytes(_prose(SIZE * 3 // 4))
        + b"--zz--\n"
    )


def _measure(function: Callable[[], object]) -> tuple[int, int]:
    """(peak, still allocated at the end) of calling `function`, in bytes."""
    tracemalloc.start()
    try:
        result = function()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak, current


@pytest.mark.parametrize(
    ("build", "bound"),
    [
        pytest.param(_plain, 1.0, id="plain-patch"),
        pytest.param(_quoted_printable, 3.0, id="quoted-printable"),
        pytest.param(_base64_body, 6.0, id="base64-body"),
        pytest.param(_base64_attachment, 2.0, id="base64-attachment"),
    ],
)
def test_parse_mail_memory_is_bounded(build: Callable[[], bytes], bound: float) -> None:
    raw = build()
    assert len(raw) >= SIZE * 0.95
    kept: list[Message] = []
    peak, retained = _measure(lambda: kept.append(parse_mail(raw, "big")))
    message = kept[0]
    ratio = peak / len(raw)
    detail = f"peak {peak / MB:.1f} MB = {ratio:.2f}x of {len(raw) / MB:.1f} MB"
    assert ratio < bound, detail
    assert retained < 3 * MAX_BODY_BYTES, f"the Message keeps {retained / MB:.1f} MB; {detail}"
    assert message.message_id == "big@intel.com"
    assert len(message.body) <= MAX_BODY_BYTES
    assert any("truncated" in reason for reason in message.defects), message.defects


def test_mbox_splitter_memory_is_bounded() -> None:
    stream = io.BytesIO(b"".join(mboxrd_chunks([HEAD + b"\n" + _prose(SIZE), HEAD + b"\nsmall"])))
    sizes: list[int] = []

    def split() -> None:
        for raw in split_mbox(stream):
            sizes.append(len(raw))

    peak, _ = _measure(split)
    assert len(sizes) == 2 and sizes[0] > SIZE
    assert peak / sizes[0] < 3.5, f"peak {peak / MB:.1f} MB for a {sizes[0] / MB:.1f} MB message"


def test_diff_headers_past_the_cap_do_not_pile_up() -> None:
    """Found by fuzzing: every `diff --git` line past the body cap became a FileChange."""
    line = b"diff --git a/%08d b/%08d\n"
    past_the_cap = b"".join(line % (i, i) for i in range(3 * MB // len(line % (0, 0))))
    raw = HEAD + b"\n" + _prose(MAX_BODY_BYTES) + past_the_cap
    kept: list[Message] = []
    _, retained = _measure(lambda: kept.append(parse_mail(raw, "big")))
    assert retained < 3 * MAX_BODY_BYTES, f"the Message keeps {retained / MB:.1f} MB"
