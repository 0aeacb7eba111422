"""An update's corpus holds every key in the corpus' order (`seq`), read from the keys'
index and sorted (`snapshot._keys_in_order`): the order must be the rows' `seq` order,
not the keys' (which the index is sorted by)."""

from __future__ import annotations

import random
from pathlib import Path

from graphapi import database as db
from graphapi.snapshot import _keys_in_order


def test_keys_come_in_seq_order_not_key_order(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "g.db", create=True)
    keys = [f"<{n:05d}@example.org>" for n in range(2000)]
    random.Random(5).shuffle(keys)  # arrival order differs from the keys' order
    conn.executemany(
        "INSERT INTO messages (key, record, body) VALUES (?, '[]', '')", [(k,) for k in keys]
    )
    conn.execute("DELETE FROM messages WHERE key = ?", (keys[10],))  # a gap in seq
    assert keys != sorted(keys)
    assert _keys_in_order(conn) == keys[:10] + keys[11:]
