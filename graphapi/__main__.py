"""`python -m graphapi` is the `graphapi` command."""

from graphapi.cli import main

raise SystemExit(main())
