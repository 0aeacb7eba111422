"""Parsed messages -> threads, series, versions, lineage and reply trailers."""
