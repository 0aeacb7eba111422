"""Malformed mail never stops a load: each bad message is loaded as far as it can be and
counted as defective with a reason; the counts still add up."""

from __future__ import annotations

import base64
from pathlib import Path

from graphapi.loading import load_sources
from graphapi.store.networkx_store import NetworkXStore
from loaders.identity.companies import load_company_map

GOOD = (
    b"From: Lena Fischer <lena.fischer@intel.com>\nSubject: [PATCH] KVM: x86: Fine\n"
    b"Date: Mon, 3 Mar 2025 10:00:00 +0000\nMessage-ID: <good@intel.com>\n\nFine.\n"
)


def _message(msgid: str, extra_headers: bytes, body: bytes) -> bytes:
    return (
        b"From: Raj Iyer <raj.iyer@google.com>\nSubject: Re: [PATCH] KVM: x86: Fine\n"
        b"Message-ID: <"
        + msgid.encode()
        + b">\nIn-Reply-To: <good@intel.com>\n"
        + extra_headers
        + b"\n"
        + body
    )


def _bad_messages() -> list[bytes]:
    huge_diff = b"".join(
        b"diff --git a/f%d.c b/f%d.c\n--- a/f%d.c\n+++ b/f%d.c\n@@ -1 +1 @@\n-a\n+b\n"
        % (i, i, i, i)
        for i in range(20_000)
    )
    padding = b"+" + b"x" * 1000 + b"\n"
    huge = huge_diff + padding * (50 * 1024 - len(huge_diff) // 1000)
    return [
        b"Subject: truncated header without end",
        b"just a body line, no headers at all\n",
        _message("charset@x", b"Content-Type: text/plain; charset=no-such-charset\n", b"caf\xe9\n"),
        _message(
            "b64@x",
            b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n",
            base64.b64encode(b"Reviewed-by: Raj Iyer <raj.iyer@google.com>\n")[:-3] + b"!!\n",
        ),
        _message("nul@x", b"Date: Mon, 3 Mar 2025 10:00:00 +0000\n", b"nul \x00 byte\n"),
        _message("year@x", b"Date: Mon, 3 Mar 10000 10:00:00 +0000\n", b"far future\n"),
        _message("huge@x", b"Date: Mon, 3 Mar 2025 10:00:00 +0000\n", huge),
    ]


def _write_mbox(path: Path, messages: list[bytes]) -> None:
    with path.open("wb") as handle:
        for raw in messages:
            handle.write(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + raw.rstrip(b"\n") + b"\n\n")


def test_malformed_messages_are_counted_not_fatal(tmp_path: Path) -> None:
    source = tmp_path / "bad.mbox"
    _write_mbox(source, [GOOD, *_bad_messages()])
    store = NetworkXStore()
    summary = load_sources(store, [source], load_company_map())
    assert summary.read == 8
    assert summary.read == summary.loaded + summary.duplicates + summary.skipped
    assert summary.defective >= 6, summary.defect_reasons
    reasons = " ".join(summary.defect_reasons).lower()
    for word in ("charset", "nul", "date", "message-id"):
        assert word in reasons, (word, summary.defect_reasons)
    good = store.series_by_message("good@intel.com")
    assert good is not None and good.get("title") == "KVM: x86: Fine"
