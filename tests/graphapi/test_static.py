"""The pages' assets are the app's own: GraphiQL and the explorer name no external URL, and
every vendored file they load is served, with its licence, as the vendor README lists it."""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from graphapi.app import create_app
from graphapi.store.networkx_store import NetworkXStore

STATIC = Path(str(resources.files("graphapi").joinpath("static")))
VENDOR = STATIC / "vendor"
# src="..." / href="..." in a page, and import/fetch URLs in its scripts
_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
# (an XML namespace such as http://www.w3.org/2000/svg is a name, never fetched)
_EXTERNAL = re.compile(r"""["'`(]\s*(?:https?:)?//(?!www\.w3\.org/)[a-z0-9.-]+""", re.IGNORECASE)


@pytest.fixture(scope="module")
def client(digest_store: NetworkXStore) -> TestClient:
    return TestClient(create_app(digest_store))


def _pages(client: TestClient) -> dict[str, str]:
    graphiql = client.get("/graphql", headers={"accept": "text/html"})
    explorer = client.get("/")
    assert graphiql.status_code == explorer.status_code == 200
    return {"graphiql": graphiql.text, "explorer": explorer.text}


def test_pages_load_only_local_assets_and_every_one_is_served(client: TestClient) -> None:
    for name, page in _pages(client).items():
        references = [r for r in _REFERENCE.findall(page) if not r.startswith("data:")]
        assert references, f"{name} loads nothing?"
        for reference in references:
            assert reference.startswith("/") and not reference.startswith("//"), reference
            if not reference.startswith("/static/"):
                continue  # a link to another page of the app
            response = client.get(reference)
            assert response.status_code == 200, reference
            assert len(response.content) > 1000 or reference.endswith(".css"), reference
        assert not _EXTERNAL.search(page), _EXTERNAL.search(page)


def test_the_explorer_scripts_name_no_external_host() -> None:
    for name in ("explore.js", "explore.css", "graphiql.html", "explore.html"):
        text = (STATIC / name).read_text("utf-8")
        assert not _EXTERNAL.search(text), (name, _EXTERNAL.search(text))


def test_graphiql_page_is_the_vendored_one(client: TestClient) -> None:
    page = _pages(client)["graphiql"]
    assert "/static/vendor/graphiql/graphiql.min.js" in page
    assert "unpkg.com" not in page and "cdn" not in page.lower().replace("no cdn", "")


def test_vendor_readme_pins_every_file_with_its_licence() -> None:
    readme = (VENDOR / "README.md").read_text("utf-8")
    folders = sorted(p for p in VENDOR.iterdir() if p.is_dir())
    assert folders, "nothing vendored"
    for folder in folders:
        assert (folder / "LICENSE").is_file(), f"{folder.name} has no LICENSE"
        assert f"| {folder.name}/" in readme, f"{folder.name} not listed in the README"
        for asset in folder.glob("*.min.*"):
            digest = hashlib.sha256(asset.read_bytes()).hexdigest()[:16]
            assert asset.name in readme and digest in readme, f"{asset} not pinned"


def test_static_files_outside_the_folder_are_refused(client: TestClient) -> None:
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/vendor/nothing.js").status_code == 404
