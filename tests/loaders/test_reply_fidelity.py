"""Golden replies (issue 11, items 1, 4, 7): footers, trailers wherever a reply puts them, names.

Each `tests/fixtures/replies/NAME.txt` is a reply body (`.eml`: a whole mail) with the review
trailers it gives beside it in `NAME.expected.json`, as `[kind, address, name]`.
"""

from __future__ import annotations

import json

import pytest

from loaders.assembly.replies import review_trailers
from loaders.mail.body import parse_body
from loaders.mail.footers import strip_footers
from loaders.mail.message import parse_mail
from loaders.records import Message
from tests.conftest import FIXTURES

REPLIES = FIXTURES / "replies"
_HEADERS = (
    b"From: Replier <replier@example.net>\nSubject: Re: [PATCH] foo: add the missing barrier\n"
    b"Message-ID: <reply@example.net>\nIn-Reply-To: <patch@example.com>\n"
    b"Date: Mon, 02 Mar 2026 11:00:00 +0000\n\n"
)
FOOTER = (
    "_" * 47 + "\nWidgets mailing list\nWidgets@lists.example.org\n"
    "https://lists.example.org/mailman/listinfo/widgets\n"
)
PATCH = """Add the missing barrier.

Signed-off-by: Wen Zhao <wen.zhao@example.com>
---
 foo.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/foo.c b/foo.c
index 1234567..89abcde 100644
--- a/foo.c
+++ b/foo.c
@@ -1,3 +1,3 @@
 a
-b
+c
 d
"""


def _names() -> list[str]:
    return sorted(p.stem for p in REPLIES.iterdir() if p.suffix in (".txt", ".eml"))


def _message(name: str) -> Message:
    eml = REPLIES / f"{name}.eml"
    if eml.exists():
        return parse_mail(eml.read_bytes(), str(eml))
    return parse_mail(_HEADERS + (REPLIES / f"{name}.txt").read_bytes(), name)


@pytest.mark.parametrize("name", _names())
def test_golden_reply(name: str) -> None:
    expected = json.loads((REPLIES / f"{name}.expected.json").read_text())["trailers"]
    got = [
        [t.kind.value, t.person.email, t.person.name]
        for t in review_trailers(_message(name))
        if t.person is not None
    ]
    assert got == expected


def test_footer_after_a_diff_changes_neither_diff_nor_diffstat_nor_patch_id() -> None:
    plain, footed = parse_body(PATCH), parse_body(PATCH + FOOTER)
    assert plain.patch_id is not None
    assert footed.patch_id == plain.patch_id
    assert footed.diff_files == plain.diff_files
    assert footed.diffstat == plain.diffstat
    assert footed.commit_message == plain.commit_message


def test_footer_glued_to_a_patch_trailer_block_keeps_the_trailers() -> None:
    info = parse_body(
        "Add the barrier.\n\nSigned-off-by: Wen Zhao <wen.zhao@example.com>\n" + FOOTER
    )
    assert [t.person.email for t in info.trailers if t.person] == ["wen.zhao@example.com"]


@pytest.mark.parametrize(
    "text",
    [
        "> " + FOOTER.replace("\n", "\n> "),  # a quoted footer is quoted text
        "_" * 47 + "\nNot a footer at all\n",
        "To unsubscribe a notifier, call notifier_unregister() first.\n",
    ],
)
def test_not_a_footer(text: str) -> None:
    assert strip_footers(text) == text


def test_patch_bodies_keep_their_rule() -> None:
    """Below the first `---` of a patch nothing is a trailer, indented or not."""
    info = parse_body(PATCH.replace("---\n", "---\n\tAcked-by: Ann <ann@example.org>\n", 1))
    assert [t.kind.value for t in info.trailers] == ["Signed-off-by"]


def test_own_text_cuts_inline_copies_in_any_case() -> None:
    """The inline-copy cut is found by a lower-cased `str.find` first; a header spelt with
    a character that only the regex folds to ASCII (long s, U+017F) still cuts."""
    from loaders.mail.replytext import own_text

    mine = "Looks good.\n\nAcked-by: Ana Ortiz <ana@example.org>\n\n"
    copied = "From: Bob <bob@example.com>\nSent: Monday\n\nReviewed-by: Bob <bob@example.com>\n"
    for header in ("-----Original Message-----\n", "---- FORWARDED MESSAGE ----\n", ""):
        kept = own_text(mine + header + copied)
        assert "Acked-by: Ana Ortiz" in kept
        assert "Reviewed-by" not in kept
        assert "Monday" not in kept
    trapped = mine + "-----Original Me\u017f\u017fage-----\n" + "Reviewed-by: X <x@example.com>\n"
    assert "Reviewed-by" not in own_text(trapped)
    assert own_text(mine + "Reviewed-by: X <x@example.com>\n").count("-by:") == 2


def test_own_text_by_lines_match_the_whole_text_regex() -> None:
    """`Name-by:` lines are rewritten only where `str.find` saw `-by:`; the result equals the
    regexes run over the whole text (indented, mid-prose, several on a line, at the start)."""
    from loaders.mail import replytext

    text = (
        "  Tested-by: Lee <lee@example.com>\nSome prose Reviewed-by: not a trailer\n"
        "For that:\n    Acked-By: Kim <kim@example.com>\nbut please understand\n\n"
        "  Signed-off-by: Pasted <p@example.com>\n  Reviewed-by: Pasted <p@example.com>\n\n"
        "Reviewed-by: A <a@example.com> Acked-by: B <b@example.com>\n  continued\n"
    )
    starts = replytext._by_line_starts(text)
    for pattern in (replytext._INDENTED_BY, replytext._BY_LINE):
        expected = pattern.sub(lambda m: "<" + m.group(0) + ">", text)
        got = replytext._sub_on_lines(pattern, lambda m: "<" + m.group(0) + ">", text, starts)
        assert got == expected
    assert replytext.own_text(text).startswith("\nTested-by: Lee")  # dedented, own paragraph
