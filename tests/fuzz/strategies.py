"""Hypothesis strategies for mail text: arbitrary text, and a "soup" of the tokens the
parsers look for (brackets, trailer names, diff and diffstat lines, footnotes, encoded words,
odd digits), so random examples reach deep into the parsers instead of bouncing off the first
regular expression."""

from __future__ import annotations

import string

from hypothesis import strategies as st

# Tokens that steer the parsers down their interesting paths.
TOKENS = (
    "[", "]", "PATCH", "RFC", "RESEND", "v", "v2", "v0", "1/3", "07/24", " of ", "Re:", "RE[2]:",
    "Aw:", "Fwd:", "net-next", "PATCHv3", "rfc_v2", ":", ": ", "<", ">", "@", "(", ")", '"', "'",
    ",", "Signed-off-by: ", "Reviewed-by: ", "Reviwed-by: ", "Acked-and-tested-by: ", "Cc: ",
    "Fixes: ", "Link: ", "Closes: ", "Tested-on: ", "Co-authored-by: ", "# ", " [note]",
    "From: ", "-- ", "---", "--- a/", "+++ b/", "@@ -1,3 +1,4 @@", "@@ -", " +", " @@",
    "diff --git a/", " b/", "rename from ", "rename to ", "Binary files ", "GIT binary patch",
    "/dev/null", " | ", " | 3 ++-", " | Bin 0 -> 12 bytes", "...", " => ", "{", "}",
    " 2 files changed, 3 insertions(+), 1 deletion(-)", "[1] ", "[2]: ", "[99]",
    "https://lore.kernel.org/all/", "https://patch.msgid.link/", "http://", "https://",
    "https://patchwork.kernel.org/project/kvm/patch/", "%40", "%2F", "msgid@host",
    "Link to v3: ", "Changes from v2 ", "based on ", "depends on ", "on top of ", "fixup",
    "base-commit: ", "change-id: ", "prerequisite-change-id: ", "prerequisite-message-id: ",
    "prerequisite-patch-id: ", "Depends-on: ", "Based-on: ", ":v", "0123456789abcdef",
    "Jane Doe (3):", "Doe, Jane", " (", "):", "=?utf-8?q?", "=?utf-8?b?", "=?iso-8859-1?q?",
    "=?x-unknown?q?", "=?\u00e9?q?", "=?punycode?q?", "?=", "=C3=A9", "w6k=", "=?", "Jr.",
    "mailto:", "\t", " ", "  ", "\n",
    "\n\n", "\r\n", "\r", "> ", ">", "\x00", "\x0c", "\u2028", "\u00a0", "\u0130", "\u212a",
    "\u00e9", "\u00b2", "\u0663", "\ufeff", "\U0001f600",
)  # fmt: skip

NUMBERS = (
    "0", "1", "2", "07", "24", "999", "1000", "65536", "4294967296", "12345678901234567890",
    "\u00b2", "\u00b9", "1\u00b2", "\u0663", "\uff13", "9" * 4400,  # odd digits; past int()'s limit
)  # fmt: skip

# Line starts, so that the line-based parsers see their lines.
LINE_STARTS = (
    "\n", "\n", "\n", "\n\n", "\nSigned-off-by: ", "\nReviewed-by: ", "\n[1] ", "\n[2]: ",
    "\ndiff --git a/", "\n--- a/", "\n+++ b/", "\n@@ -1 +1 @@\n", "\n@@ -1,2 +1,3 @@\n", "\n+",
    "\n-", "\n ", "\n---\n", "\n-- \n", "\n> ", "\nFrom: ", "\n file.c | ", "\nbase-commit: ",
    "\nchange-id: ", "\nprerequisite-change-id: ", "\nprerequisite-patch-id: ", "\nDepends-on: ",
    "\nJane Doe (2):\n  ", "\n  ", "\n\t",
)  # fmt: skip

#: One token: mostly one the parsers look for, sometimes a few random characters.
TOKEN = st.one_of(
    st.sampled_from(TOKENS + NUMBERS + LINE_STARTS),
    st.text(max_size=4),
)

#: A text made of parser tokens and random bits.
SOUP = st.lists(TOKEN, max_size=40).map("".join)

#: Arbitrary text, or token soup.
TEXT = st.one_of(st.text(), SOUP)

#: A longer soup: several lines.
SOUP_LINES = st.lists(TOKEN, max_size=150).map("".join)

WORD = st.text(alphabet=string.ascii_letters, min_size=1, max_size=10)
TITLE_WORD = st.text(alphabet=string.ascii_letters + string.digits + ":/.-_()", min_size=1)
_ALNUM = string.ascii_letters + string.digits
LOCAL = st.text(alphabet=_ALNUM + "._+-", max_size=15).map(lambda text: "u" + text)
DOMAIN = st.one_of(
    st.sampled_from(["kernel.org", "Intel.com", "linux.dev", "xn--bcher-kva.example", "a.bc"]),
    st.text(alphabet=_ALNUM + "-.", max_size=12).map(lambda text: f"d{text}.example"),
)
ADDRESS = st.builds("{}@{}".format, LOCAL, DOMAIN)
NAME = st.text(alphabet=string.ascii_letters + " ", max_size=30).map(
    lambda text: " ".join(("N" + text).split())
)
PATH = st.text(alphabet=string.ascii_lowercase + string.digits + "_.-/", max_size=30).map(
    lambda text: "f" + "/".join(part for part in text.split("/") if part)
)

#: Header field names the mail parser does not single out.
OTHER_HEADER = st.sampled_from(
    ("X-Mailer", "List-Id", "Cc", "To", "X-Spam", "Received", "MIME-Version", "Precedence")
)

BYTES = st.one_of(st.binary(max_size=1000), SOUP_LINES.map(lambda text: text.encode("utf-8")))
