"""Errors a loader raises when a whole source is unusable (not for one bad message).

    LoaderError
     └── SourceError      the source cannot be read or is not any known format

A single malformed message never raises: it is loaded as far as possible and carries
`defects`. Only a source that cannot be used at all (missing, empty, binary, unknown
format) raises, so the CLI can print one line and leave the graph untouched.
"""

from __future__ import annotations

__all__ = ["LoaderError", "SourceError"]


class LoaderError(Exception):
    """Base of every error a loader raises."""


class SourceError(LoaderError):
    """A source that cannot be read or recognised."""
