"""The browser side of the app: GraphiQL and the explorer, with their vendored scripts.

Everything a page loads comes from `graphapi/static` (the third-party files pinned in
`static/vendor`, see its README.md), so both pages work on a machine without internet
access and no request leaves for a CDN. `app.py` mounts `static_mount()` and serves
`graphiql_page()` instead of Strawberry's CDN-based GraphiQL page.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

__all__ = ["explorer_page", "graphiql_page", "static_mount"]


@cache
def _page(name: str) -> str:
    """A page of the package's static folder, read once (it ships in the wheel)."""
    return resources.files("graphapi").joinpath("static", name).read_text("utf-8")


def graphiql_page() -> str:
    """GraphiQL loading React, ReactDOM and GraphiQL from `/static/vendor`."""
    return _page("graphiql.html")


def explorer_page() -> str:
    """The interactive graph explorer served at `/`."""
    return _page("explore.html")


def static_mount() -> Mount:
    """`/static/...`: the package's static files (pages' scripts, vendored libraries)."""
    return Mount("/static", StaticFiles(packages=[("graphapi", "static")]), name="static")
