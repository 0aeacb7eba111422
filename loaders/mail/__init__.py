"""One raw message in, one parsed record out: headers, subject, body, trailers, diffs."""
