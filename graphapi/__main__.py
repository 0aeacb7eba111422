"""`python -m graphapi` is the `graphapi` command."""

from graphapi.cli import run

run()
