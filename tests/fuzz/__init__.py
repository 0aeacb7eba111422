"""Fuzz and property tests of the mail parsers and loaders (see support.py)."""
