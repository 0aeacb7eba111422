"""`git patch-id --stable` in pure Python, so a series can be matched by its diff alone.

b4 writes `prerequisite-patch-id: <40 hex>` into cover letters, and a patch that was applied,
rebased or resent keeps its patch-id while its commit id and Message-ID change. Computing the
same value as git lets the graph resolve such dependencies without a git checkout.

What git does (builtin/patch-id.c, the "stable" variant):

- everything before the first `diff ` line (the commit message) is ignored;
- each file's diff (from its `diff ` line to the next file's) is hashed with SHA-1 on its
  own, every line with all whitespace (space, tab, CR, LF) removed; `index` lines are left
  out, `\\ No newline at end of file` markers too; for a binary file only the two blob ids of
  its `index` line are hashed, and its `GIT binary patch` data is skipped;
- the per-file digests are added up as 160-bit little-endian numbers (byte 0 least
  significant), so the order of the files does not matter;
- the diff ends at the first line that cannot continue it (the `-- ` signature of a
  format-patch mail, a blank line after the headers) or where the next patch starts
  (`From <sha>`, `commit <sha>` or a bare `<sha>` at the start of a line).

One pass over the lines with a constant amount of state: linear in the size of the diff.
A well-formed diff (the usual case) takes a faster path that checks and hashes whole hunks
with C-level `bytes` calls; anything it is not sure of goes through the line loop.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

__all__ = ["patch_id"]

_HEX = frozenset(b"0123456789abcdefABCDEF")
_SPACE = b" \t\n\r"  # git's own isspace(): \v and \f are not space to git
_DIGITS = b"0123456789"
_SHA1_SIZE = 20
_SUM_MODULUS = 1 << (8 * _SHA1_SIZE)  # git's sum of digests drops the last carry
_HUNK_WINDOW = 128  # lines hashed at once inside a hunk
# A line `take_hunk_lines` leaves to `feed`: not `-`, `+`, ` ` or empty (a context line whose
# space a mailer stripped, which counts for neither side, as in git)
_ODD_HUNK_LINE = re.compile(rb"^[^-+ \n]", re.MULTILINE)
_ODD_LINE_AFTER = re.compile(rb"\n[^-+ \n]")  # the same, found by the newline before it
# A hunk header as git writes it; anything else goes through `_hunk_counts`, git's own scan.
_PLAIN_HUNK_HEADER = re.compile(rb"@@ -[0-9]+(?:,([0-9]+))? \+[0-9]+(?:,([0-9]+))?(?![,0-9])")


def patch_id(diff_text: str | bytes) -> str | None:
    """The `git patch-id --stable` value of the first patch in `diff_text`, None without a diff.

    Text is encoded as UTF-8 (surrogate escapes restored to their bytes), because git hashes
    bytes; pass bytes when the mail's original encoding is known.
    """
    data = (
        diff_text if isinstance(diff_text, bytes) else diff_text.encode("utf-8", "surrogateescape")
    )
    first = 0 if data.startswith(b"diff ") else data.find(b"\ndiff ") + 1
    if not first and not data.startswith(b"diff "):
        return None  # no `diff ` line: nothing is hashed
    return _well_formed_patch_id(data, first) or _line_by_line(data)


def _line_by_line(data: bytes) -> str | None:
    """git's loop, one line at a time (hunk lines in windows): any input, however damaged."""
    state = _State()
    start = 0
    size = len(data)
    while start < size:
        if not state.patch_len and not data.startswith(b"diff ", start):
            start = data.find(b"\ndiff ", start) + 1  # the commit message is not hashed
            if not start:
                break
            continue
        end = state.take_hunk_lines(data, start)
        if end != start:
            start = end
            continue
        end = data.find(b"\n", start)
        end = size if end == -1 else end + 1
        line = data[start:end]
        nul = line.find(b"\0")  # lines are cut at a NUL, as git's C strings are
        if not state.feed(line if nul == -1 else line[:nul]):
            break
        start = end
    return state.finish()


# --- the fast path: whole files and hunks at once ---------------------------------------------

_END = -1  # the patch ends here (what follows is not part of it)
_IRREGULAR = -2  # something `_line_by_line` must judge
_MAX_GIVEN_BACK = 8  # lines `_overshot` gives back before leaving the hunk to the line loop


def _well_formed_patch_id(data: bytes, start: int) -> str | None:
    """The patch-id of a well-formed diff (from its first `diff ` line at `start`), or None
    when anything is irregular and `_line_by_line` must decide.

    Why: the line loop costs a Python iteration per diff line, and diffs are most of a patch
    mail. Here a file's header is read line by line (a handful of lines), but each hunk is
    checked in C: its lines up to the next line not starting with `-`, `+` or ` ` (nor empty)
    are counted with `bytes.count`, and a hunk whose counts match its `@@` header exactly is
    what the line loop would take line by line. Each file is hashed in one call, whitespace
    stripped from the whole of it at once. Anything else (a count off, a binary file, a NUL,
    a stray line inside a hunk) returns None, so the answer is always git's.
    """
    if data.find(b"\0", start) >= 0:
        return None  # git cuts lines at a NUL: leave that to the line loop
    total = 0  # git's 160-bit little-endian sum of the files' digests
    at = start
    while at >= 0:
        pieces: list[bytes] = []
        body = _file_header(data, at, pieces)
        if body < 0:
            return None
        at = _file_hunks(data, body, pieces)
        if at == _IRREGULAR:
            return None
        digest = hashlib.sha1(b"".join(pieces).translate(None, _SPACE)).digest()
        total = (total + int.from_bytes(digest, "little")) % _SUM_MODULUS
    return total.to_bytes(_SHA1_SIZE, "little").hex()


def _line_end(data: bytes, start: int) -> int:
    """Where the line at `start` ends (after its LF), or the end of the data."""
    return data.find(b"\n", start) + 1 or len(data)


def _file_header(data: bytes, start: int, pieces: list[bytes]) -> int:
    """Collect a file's hashed header lines (its `diff ` line, mode lines, `---`, `+++`; not
    `index`); returns where its first hunk header stands, or _IRREGULAR."""
    end = _line_end(data, start)
    pieces.append(data[start:end])
    while end < len(data):
        line_start, end = end, _line_end(data, end)
        line = data[line_start:end]
        if line.startswith(b"--- "):
            if not data.startswith(b"+++ ", end):
                return _IRREGULAR
            plus_end = _line_end(data, end)
            pieces.append(data[line_start:plus_end])
            return plus_end
        if not line[:1].isalpha() or _starts_with_oid(line):
            return _IRREGULAR  # ends the patch, or a new one: the line loop knows which
        if line.startswith((b"GIT binary patch", b"Binary files")):
            return _IRREGULAR
        if not line.startswith(b"index "):
            pieces.append(line)
    return _IRREGULAR


def _file_hunks(data: bytes, start: int, pieces: list[bytes]) -> int:
    """Collect the hunks from `start` (after `+++`); returns where the next file's `diff `
    line starts, _END where the patch ends, or _IRREGULAR."""
    at = start
    while True:
        at = _skip_markers(data, at)
        if at >= len(data):
            return _END
        if data.startswith(b"diff ", at):
            return at
        if not data.startswith(b"@@ -", at):
            return _END  # after a complete hunk, any other line ends the patch
        end = _line_end(data, at)
        plain = _PLAIN_HUNK_HEADER.match(data, at, end)
        if plain is not None:
            old, new = plain.groups()
            before, after = int(old or 1), int(new or 1)
        else:
            before, after = _hunk_counts(data[at:end], 0, 0)
        at = _hunk_body(data, end, before, after, pieces)
        if at < 0:
            return at


def _overshot(
    data: bytes, start: int, stop: int, before: int, after: int, pieces: list[bytes]
) -> int:
    """Lines past the hunk's end that start with `-`, `+` or ` ` (a `-- ` signature after
    the last hunk): give back the last few lines until the counts are exactly zero. The
    line after the hunk then ends the patch (it is neither `@@ -` nor `diff `)."""
    cut = stop
    for _ in range(_MAX_GIVEN_BACK):
        line_start = data.rfind(b"\n", start - 1, cut - 1) + 1
        if line_start <= start:
            break
        first = data[line_start : line_start + 1]
        before += first in (b"-", b" ")
        after += first in (b"+", b" ")
        cut = line_start
        if before > 0 or after > 0:
            break
        if before == after == 0 and data[cut - 2 : cut - 1] != b"\n":
            pieces.append(data[start:cut])  # its last line is the one that ended the hunk
            return _END
    return _IRREGULAR


def _skip_markers(data: bytes, at: int) -> int:
    """Past `\\ No newline at end of file` lines, which git skips anywhere."""
    while data.startswith(b"\\ ", at):
        end = _line_end(data, at)
        if end - at <= 12:  # the line loop's `len(line) > 12`
            return at
        at = end
    return at


def _hunk_body(data: bytes, start: int, before: int, after: int, pieces: list[bytes]) -> int:
    """Take a hunk's lines (old and new counts from its header) from `start`; returns where
    the next line stands, _END when a blank line after it ends the patch, or _IRREGULAR."""
    at = start
    while before > 0 or after > 0:
        odd = _ODD_LINE_AFTER.search(data, at - 1)  # `\n` first: the engine skips to it fast
        stop = odd.start() + 1 if odd is not None else len(data)
        context = data.count(b"\n ", at - 1, stop)
        before -= data.count(b"\n-", at - 1, stop) + context
        after -= data.count(b"\n+", at - 1, stop) + context
        if before < 0 or after < 0:
            return _overshot(data, at, stop, before, after, pieces)
        pieces.append(data[at:stop])
        if before == after == 0:
            # a blank line right after the hunk's last line ends the patch
            return _END if data.endswith(b"\n\n", at - 1, stop) else stop
        marker_end = _skip_markers(data, stop)
        if marker_end == stop:
            return _IRREGULAR  # a stray line inside the hunk, or the data ends in it
        at = marker_end
    return at


def _line_ends(data: bytes, start: int, count: int) -> int:
    """Where the next `count` lines from `start` end (or the data, if sooner)."""
    end = start
    for _ in range(count):
        end = data.find(b"\n", end) + 1
        if not end:
            return len(data)
    return end


def _starts_with_oid(line: bytes) -> bool:
    """True when the line (after `commit ` / `From `) begins with 40 hex digits: a new patch."""
    for prefix in (b"commit ", b"From "):
        if line.startswith(prefix):
            line = line[len(prefix) :]
            break
    return len(line) >= 40 and all(byte in _HEX for byte in line[:40])


def _add_digest(total: bytearray, digest: bytes) -> None:
    """git's flush_one_hunk: a 20-byte sum with carry, byte 0 least significant."""
    carry = 0
    for index in range(_SHA1_SIZE):
        carry += total[index] + digest[index]
        total[index] = carry & 0xFF
        carry >>= 8


def _hunk_counts(line: bytes, before: int, after: int) -> tuple[int, int]:
    """Old and new line counts of `@@ -a,b +c,d @@` (a missing count is 1, as in git).

    Mirrors git's scan_hunk_header, including keeping what it already set when the header
    is malformed, so that odd input still gives git's answer.
    """
    position = 4
    digits = _span(line, position)
    if line[position + digits : position + digits + 1] == b",":
        position += digits + 1
        before = _atoi(line, position)
        digits = _span(line, position)
    else:
        before = 1
    if digits == 0 or line[position + digits : position + digits + 2] != b" +":
        return before, after
    position += digits + 2
    digits = _span(line, position)
    if line[position + digits : position + digits + 1] == b",":
        position += digits + 1
        after = _atoi(line, position)
    else:
        after = 1
    return before, after


def _span(line: bytes, position: int) -> int:
    """strspn(line + position, digits)."""
    end = position
    while end < len(line) and line[end] in _DIGITS:
        end += 1
    return end - position


def _atoi(line: bytes, position: int) -> int:
    """atoi() of the digits at `position` (0 when there are none)."""
    digits = _span(line, position)
    return int(line[position : position + digits]) if digits else 0


def _index_oids(line: bytes) -> tuple[bytes, bytes] | None:
    """The two blob ids of `index <pre>..<post> [mode]`, cut where git cuts them."""
    dots = line.find(b"..")
    if dots == -1:
        return None
    space = line.find(b" ", dots)
    end = space if space != -1 else len(line) - 1
    return line[len(b"index ") : dots], line[dots + 2 : end]


@dataclass(slots=True)
class _State:
    """get_one_patchid's loop variables; `feed` returns False where the patch ends."""

    total: bytearray = field(default_factory=lambda: bytearray(_SHA1_SIZE))
    hasher: hashlib._Hash = field(default_factory=hashlib.sha1)
    patch_len: int = 0
    before: int = -1
    after: int = -1
    binary: bool = False
    pre_oid: bytes = b""
    post_oid: bytes = b""

    def feed(self, line: bytes) -> bool:
        """Take one line; False when it ends the patch (it is then not part of it)."""
        if self.patch_len and _starts_with_oid(line):
            return False
        if not self.patch_len and not line.startswith(b"diff "):
            return True  # the commit message
        if self.before == -1:
            header = self._header(line)
            if header is not None:
                return header
        if line.startswith(b"\\ ") and len(line) > 12:
            return True  # "\ No newline at end of file"
        if self.binary:
            if line.startswith(b"diff "):
                self.binary = False
                self.before = -1
            return True
        if self.before == 0 and self.after == 0:
            between = self._between_hunks(line)
            if between is not None:
                return between
        self._count(line)
        return True

    def take_hunk_lines(self, data: bytes, start: int) -> int:
        """Inside a hunk, hash the lines it certainly still has in one go; returns where they
        end (`start` when the per-line path must take over).

        A hunk ends only where its old and new counts are both zero, and each line lowers
        each count by at most one, so the next `max(before, after)` lines are all in it. Up
        to `_HUNK_WINDOW` of them (so that a refusal costs little) are taken together when
        each starts with `-`, `+` or ` ` or is empty (no NUL, no `\\` marker) and neither
        count goes below zero: exactly what `feed` would do line by line.
        """
        if self.before < 0 or self.after < 0 or self.before == self.after == 0:
            return start
        if self.binary or not self.patch_len:
            return start
        end = _line_ends(data, start, min(max(self.before, self.after), _HUNK_WINDOW))
        chunk = data[start:end]
        if _ODD_HUNK_LINE.search(chunk) or b"\0" in chunk:
            return start
        lines = b"\n" + chunk
        removed, added, context = lines.count(b"\n-"), lines.count(b"\n+"), lines.count(b"\n ")
        before, after = self.before - removed - context, self.after - added - context
        if before < 0 or after < 0:
            return start
        self.before, self.after = before, after
        squeezed = chunk.translate(None, _SPACE)
        self.patch_len += len(squeezed)
        self.hasher.update(squeezed)
        return end

    def _header(self, line: bytes) -> bool | None:
        """A file header line: handled here (True/False), or None to hash it as usual."""
        if line.startswith((b"GIT binary patch", b"Binary files")):
            self.binary = True
            self.before = 0
            self.hasher.update(self.pre_oid)
            self.hasher.update(self.post_oid)
            self._flush()
            return True
        if line.startswith(b"index "):
            oids = _index_oids(line)
            if oids is not None:
                self.pre_oid, self.post_oid = oids
            return True
        if line.startswith(b"--- "):
            self.before = self.after = 1
            return None
        if not line[:1].isalpha():
            return False
        return None

    def _between_hunks(self, line: bytes) -> bool | None:
        """After a complete hunk: a hunk header (True), the patch's end (False), or None for a
        new file's `diff ` line, which closes the current file and is hashed as usual."""
        if line.startswith(b"@@ -"):
            self.before, self.after = _hunk_counts(line, self.before, self.after)
            return True
        if not line.startswith(b"diff "):
            return False
        self._flush()
        self.before = self.after = -1
        return None

    def _count(self, line: bytes) -> None:
        """Track the hunk's remaining lines and hash the line without whitespace."""
        first = line[:1]
        if first in (b"-", b" "):
            self.before -= 1
        if first in (b"+", b" "):
            self.after -= 1
        squeezed = line.translate(None, _SPACE)
        self.patch_len += len(squeezed)
        self.hasher.update(squeezed)

    def _flush(self) -> None:
        """Add the current file's digest to the total and start a new one."""
        _add_digest(self.total, self.hasher.digest())
        self.hasher = hashlib.sha1()

    def finish(self) -> str | None:
        """The final flush (git always does one, even of nothing) and the hex result."""
        if not self.patch_len:
            return None
        self._flush()
        return self.total.hex()
