"""parse_body: golden bodies (patch, covers, reply) plus the layout rules one by one."""

from __future__ import annotations

import pytest

from loaders.mail.body import parse_body
from loaders.records import Address, TrailerKind
from tests.loaders.golden import body_to_dict, fixture_names, load_expected, read_body


def test_every_fixture_has_an_expected_file() -> None:
    assert set(fixture_names()) >= {
        "cover_b4",
        "cover_footnotes",
        "patch_b4_from_override",
        "reply_review",
    }


@pytest.mark.parametrize("name", fixture_names())
def test_golden_body(name: str) -> None:
    actual = body_to_dict(parse_body(read_body(name)))
    expected = load_expected(name)
    for key in expected:
        assert actual[key] == expected[key], key
    assert actual.keys() == expected.keys()


def test_from_override_is_removed_from_the_commit_message() -> None:
    info = parse_body(
        "\nFrom: Ann Example <Ann@Example.com>\n\nFix it.\n\nSigned-off-by: B <b@c.d>\n"
    )
    assert info.from_override == Address(
        "Ann Example", "ann@example.com", "Ann Example <Ann@Example.com>"
    )
    assert info.commit_message == "Fix it.\n\nSigned-off-by: B <b@c.d>"


def test_from_line_later_in_the_body_is_not_an_override() -> None:
    info = parse_body("Fix it.\nFrom: Ann Example <ann@example.com>\n")
    assert info.from_override is None


def test_commit_message_stops_at_first_triple_dash_and_trailers_come_only_from_it() -> None:
    body = (
        "Fix it.\n\nSigned-off-by: A <a@example.com>\n---\n"
        "v2: reworded\n\nReviewed-by: Not Trailer <n@example.com>\n"
    )
    info = parse_body(body)
    assert info.commit_message == "Fix it.\n\nSigned-off-by: A <a@example.com>"
    assert [t.kind for t in info.trailers] == [TrailerKind.SIGNED_OFF_BY]


def test_diff_without_triple_dash_still_ends_the_commit_message() -> None:
    body = (
        "Fix.\n\nSigned-off-by: A <a@example.com>\n"
        "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
    )
    info = parse_body(body)
    assert info.commit_message == "Fix.\n\nSigned-off-by: A <a@example.com>"
    assert info.has_diff
    assert [(f.path, f.insertions, f.deletions) for f in info.diff_files] == [("x", 1, 1)]


def test_signature_trailers_are_ignored() -> None:
    info = parse_body("Looks fine.\n\n-- \nAcked-by: Sig <sig@example.com>\n")
    assert info.trailers == ()
    assert info.commit_message == "Looks fine."


def test_crlf_bodies_parse_like_lf() -> None:
    body = (
        "Fix.\r\n\r\nSigned-off-by: A <a@example.com>\r\n---\r\n"
        " x | 1 +\r\n 1 file changed, 1 insertion(+)\r\n"
    )
    info = parse_body(body)
    assert info.trailers[0].person == Address("A", "a@example.com", "A <a@example.com>")
    assert info.diffstat is not None and info.diffstat.insertions == 1


@pytest.mark.parametrize(
    "body",
    [
        "",
        "\n\n",
        "---",
        "-- ",
        "From:",
        "From: nobody",
        "diff --git",
        "@@ -1 +1 @@",
        "[1]",
        "\x00\x01",
    ],
)
def test_malformed_bodies_do_not_raise(body: str) -> None:
    info = parse_body(body)
    assert info.from_override is None
    assert info.diffstat is None
    assert info.dependencies == ()
