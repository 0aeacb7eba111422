"""Shared text helpers."""

from __future__ import annotations

from loaders.mail.text import (
    clean_url,
    collapse_ws,
    find_urls,
    is_quoted,
    paragraphs,
    prose_blocks,
    sentences,
    split_lines,
    strip_signature,
)


def test_collapse_ws_and_lines() -> None:
    assert collapse_ws(" a\tb\n  c ") == "a b c"
    assert split_lines("a\r\nb\rc\x0cd") == ["a", "b", "c\x0cd"]


def test_is_quoted() -> None:
    assert is_quoted("> x") and is_quoted("  >> x") and not is_quoted("x > y")


def test_strip_signature_keeps_diff_lines_that_look_like_one() -> None:
    assert strip_signature("body\n-- \nsig\n") == "body"
    with_diff = "msg\n@@ -1,2 +1 @@\n-- \n-x\n@@ -9 +9 @@\n-a\n+b\n"
    assert strip_signature(with_diff) == with_diff
    assert strip_signature("no signature\n--\n") == "no signature\n--\n"


def test_paragraphs_and_prose_blocks() -> None:
    lines = ["a", "b", "", "", "- one", "  wrapped", "- two", "1) three"]
    assert list(paragraphs(lines)) == [["a", "b"], ["- one", "  wrapped", "- two", "1) three"]]
    assert list(prose_blocks(lines)) == ["a b", "- one wrapped", "- two", "1) three"]


def test_sentences() -> None:
    assert sentences('It is based on [1]. For more see [2]. "Quoted" too.') == [
        "It is based on [1].",
        "For more see [2].",
        '"Quoted" too.',
    ]
    assert sentences("See https://x.org/a.b. then more") == ["See https://x.org/a.b. then more"]


def test_urls() -> None:
    assert clean_url("https://x.org/a).") == "https://x.org/a"
    assert clean_url("https://en.wikipedia.org/wiki/A_(b)") == "https://en.wikipedia.org/wiki/A_(b)"
    assert find_urls('see <https://a.org/x>, and "https://b.org/y".') == [
        (5, "https://a.org/x"),
        (28, "https://b.org/y"),
    ]
    assert find_urls("https:// nothing") == []


def test_findall_folded_equals_findall() -> None:
    """Tried only at the needles of the lower-cased text, the pattern finds what findall does,
    from the start offset on, in any case, and with a case trap (regex fallback)."""
    import re

    from loaders.mail.text import findall_folded

    pattern = re.compile(r"\n((?:base-commit|prerequisite-[a-z-]+):[^\n]*)", re.IGNORECASE)
    needles = ("\nbase-commit:", "\nprerequisite-")
    text = (
        "intro\nbase-commit: early\ndiff --git a/x b/x\n+x\n-- \nBASE-COMMIT: abc\n"
        "Prerequisite-Patch-Id: 123\nprerequisite-: empty\nbase-commit:\n"
    )
    for variant in (text, text + "\u017f", text.replace("Patch", "Pat\u017fch")):
        for start in (0, variant.index("diff")):
            got = findall_folded(pattern, variant, needles, start)
            assert got == pattern.findall(variant, start)
    assert findall_folded(pattern, text, needles, text.index("diff")) == [
        "BASE-COMMIT: abc",
        "Prerequisite-Patch-Id: 123",
        "base-commit:",
    ]
