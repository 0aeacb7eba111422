"""The explorer (`/`) and GraphiQL in a real headless Chromium (Debian's), driven over the
DevTools protocol: they draw, respond to clicks, search and filters, export, and load
nothing from outside the machine (only loopback hosts resolve, and every request is checked).

The graph is the project's synthetic sample list (graphapi/sample.py): ten people of nine
companies, series with versions and dependencies, reviews spread over months.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graphapi.cli import main
from graphapi.sample import write_sample_mbox
from tests.graphapi.cdp import Browser, browser, chromium_path, png_colours
from tests.graphapi.serving import serve


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if chromium_path() is None:
        message = "no Chromium on this machine (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI installs it in .ci/run")
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("explorer")
    write_sample_mbox(folder / "sample.mbox", series_count=24)
    assert main(["load", "--db", str(folder / "g.db"), str(folder / "sample.mbox")]) == 0
    with serve(folder / "g.db") as (url, _):
        yield url


@pytest.fixture(scope="module")
def page(served: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with browser(tmp_path_factory.mktemp("profile")) as opened:
        yield opened


def gql(url: str, query: str, **variables: Any) -> dict[str, Any]:
    body = httpx.post(url + "/graphql", json={"query": query, "variables": variables}).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def open_explorer(page: Browser, url: str, ties: int = 100) -> None:
    page.call("Page.navigate", {"url": url + "/"})
    page.wait_for("document.readyState === 'complete' && document.body.dataset.draws >= 1")
    if page.evaluate("document.getElementById('first').value") != str(ties):
        set_input(page, "#first", str(ties))
        redraw(page, "document.getElementById('draw').click()")


def set_input(page: Browser, selector: str, value: str) -> None:
    page.evaluate(f"document.querySelector({json.dumps(selector)}).value = {json.dumps(value)}")


def redraw(page: Browser, action: str) -> None:
    """Run `action` and wait until the explorer has drawn once more."""
    before = int(page.evaluate("+document.body.dataset.draws"))
    page.evaluate(action)
    page.wait_for(f"+document.body.dataset.draws > {before}")


def summary(page: Browser) -> tuple[int, int]:
    data = page.evaluate("({...document.getElementById('summary').dataset})")
    return int(data["nodes"]), int(data["edges"])


def status(page: Browser) -> str:
    return str(page.evaluate("document.getElementById('status').textContent"))


def centre_of(page: Browser, selector: str) -> tuple[float, float]:
    box = page.evaluate(
        f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
        ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
    )
    return float(box[0]), float(box[1])


def assert_only_local_requests(page: Browser, url: str) -> None:
    outside = [u for u in page.requested_urls() if not u.startswith((url, "data:", "blob:"))]
    assert outside == [], outside


def test_explorer_draws_a_coloured_network(page: Browser, served: str) -> None:
    open_explorer(page, served)
    nodes, edges = summary(page)
    assert nodes >= 5 and edges >= 5, (nodes, edges)
    assert status(page) == ""
    legend = page.evaluate("[...document.querySelectorAll('#legend li')].map(l => l.innerText)")
    assert any("Intel" in item for item in legend), legend
    colours = png_colours(page.screenshot(scale=0.25))
    pixels = sum(colours.values())
    background = max(colours.values())
    assert len(colours) > 50, "a blank or flat screenshot"
    assert pixels - background > pixels * 0.02, "almost everything is background"
    drawn = page.evaluate("explorer.cy.edges().filter(e => e.renderedWidth() > 0).length")
    assert drawn == edges
    assert_only_local_requests(page, served)


def test_click_on_a_node_loads_its_neighbourhood(page: Browser, served: str) -> None:
    open_explorer(page, served, ties=3)
    nodes, edges = summary(page)
    # the least connected node that no other node covers, so the click lands on it alone
    target = page.evaluate(
        "(() => { const cy = explorer.cy; const apart = cy.nodes().filter(n => {"
        " const box = n.renderedBoundingBox({includeLabels: false});"
        " return cy.nodes().every(o => o === n || (() => {"
        " const b = o.renderedBoundingBox({includeLabels: false});"
        " return b.x2 < box.x1 || b.x1 > box.x2 || b.y2 < box.y1 || b.y1 > box.y2; })()); });"
        " return apart.sort((a, b) => a.degree() - b.degree())[0].id(); })()"
    )
    x, y = page.evaluate(
        f"(() => {{ const n = explorer.cy.getElementById({json.dumps(target)});"
        " const box = document.getElementById('graph').getBoundingClientRect();"
        " const p = n.renderedPosition(); return [box.x + p.x, box.y + p.y]; })()"
    )
    page.click(x, y)
    page.wait_for(f"document.body.dataset.expanded === {json.dumps(target)}")
    after_nodes, after_edges = summary(page)
    assert after_edges > edges and after_nodes > nodes, (nodes, edges, after_nodes, after_edges)
    assert page.evaluate(f"explorer.cy.getElementById({json.dumps(target)}).selected()")
    listed = page.evaluate("document.querySelectorAll('#details-list li').length")
    assert listed >= after_edges - edges


def test_a_cut_view_says_so_and_a_neighbourhood_can_grow(page: Browser, served: str) -> None:
    open_explorer(page, served, ties=3)
    nodes, _ = summary(page)
    shown = page.evaluate("({...document.getElementById('cut').dataset})")
    assert not page.evaluate("document.getElementById('cut').hidden")
    assert int(shown["shown"]) == nodes and int(shown["total"]) > nodes, shown
    text = page.evaluate("document.getElementById('cut-text').textContent")
    assert text.startswith(f"Showing {nodes} of {int(shown['total'])} people"), text
    alice = "Person:alice.kernel@intel.com"
    set_input(page, "#nodes", "12")
    redraw(page, f"explorer.openNeighbourhood({json.dumps(alice)}) && undefined")
    assert page.evaluate("document.body.dataset.neighbourhood") == alice
    total = gql(
        served,
        "query($id: ID!) { neighborhood(id: $id, depth: 2, first: 12) { totalNodes } }",
        id=alice,
    )["neighborhood"]["totalNodes"]
    assert total > 24, "the sample person's 2 hops reach more than the bound"
    assert summary(page)[0] == 12
    text = page.evaluate("document.getElementById('cut-text').textContent")
    assert text.startswith(f"Showing 12 of {total} nodes"), text
    redraw(page, "document.getElementById('more').click()")
    assert summary(page)[0] == 24
    assert page.evaluate(f"explorer.cy.getElementById({json.dumps(alice)}).selected()")


def test_search_finds_a_person_and_opens_them(page: Browser, served: str) -> None:
    open_explorer(page, served, ties=2)
    page.click(*centre_of(page, "#search"))
    page.type_text("Alice")
    page.wait_for("document.body.dataset.searched === 'Alice'")
    results = page.evaluate(
        "[...document.querySelectorAll('#results li')].map(l => [l.dataset.kind, l.innerText])"
    )
    assert any(kind == "person" and "Alice Kernel" in text for kind, text in results), results
    page.click(*centre_of(page, "#results li[data-kind=person]"))
    alice = "Person:alice.kernel@intel.com"
    page.wait_for(f"document.body.dataset.expanded === {json.dumps(alice)}")
    assert page.evaluate(f"explorer.cy.getElementById({json.dumps(alice)}).degree() > 0")
    assert page.evaluate("document.getElementById('details-title').textContent") == "Alice Kernel"


def test_the_time_window_changes_the_edge_count(page: Browser, served: str) -> None:
    open_explorer(page, served)
    _, everything = summary(page)
    dates = [
        s["date"][:10]
        for s in gql(served, "{ allSeries(first: 100) { nodes { date } } }")["allSeries"]["nodes"]
    ]
    middle = statistics.median_low(sorted(dates))
    set_input(page, "#since", middle)
    redraw(page, "document.getElementById('since').dispatchEvent(new Event('change'))")
    _, later = summary(page)
    expected = gql(
        served,
        "query($s: DateTime) { reviewNetwork(since: $s, first: 100) { edges { source } } }",
        s=middle,
    )["reviewNetwork"]["edges"]
    assert 0 < later < everything and later == len(expected), (later, everything)
    set_input(page, "#until", middle)
    redraw(page, "document.getElementById('until').dispatchEvent(new Event('change'))")
    _, one_day = summary(page)
    assert one_day < later
    # the window is kept in the URL: a reload (or a shared link) draws the same view
    assert (
        page.evaluate("location.hash")
        == f"#level=PERSON&since={middle}&until={middle}&first=100&minWeight=1"
    )
    page.call("Page.reload")
    page.wait_for("document.readyState === 'complete' && +document.body.dataset.draws === 1")
    assert page.evaluate("document.getElementById('since').value") == middle
    assert summary(page)[1] == one_day


def test_company_level_and_series_view(page: Browser, served: str) -> None:
    open_explorer(page, served)
    redraw(page, "document.querySelector('input[value=COMPANY]').click()")
    ids = page.evaluate("explorer.cy.nodes().map(n => n.id())")
    assert ids and all(i.startswith("Company:") for i in ids), ids
    rolled = [
        s
        for s in gql(served, "{ allSeries(first: 100) { nodes { id title versions { id } } } }")[
            "allSeries"
        ]["nodes"]
        if len(s["versions"]) > 1
    ]
    assert rolled, "the sample has re-rolled series"
    chosen = rolled[0]
    page.click(*centre_of(page, "#search"))
    page.evaluate("document.getElementById('search').value = ''")
    page.type_text(chosen["title"])
    page.wait_for(f"document.body.dataset.searched === {json.dumps(chosen['title'])}")
    redraw(page, "document.querySelector('#results li[data-kind=series]').click()")
    shown = set(page.evaluate("explorer.cy.nodes().map(n => n.id())"))
    assert {v["id"] for v in chosen["versions"]} <= shown
    versions = page.evaluate("explorer.cy.edges('.version').length")
    assert versions == len(chosen["versions"]) - 1


def test_exports_the_current_view(page: Browser, served: str, tmp_path: Path) -> None:
    open_explorer(page, served, ties=5)
    page.call(
        "Browser.setDownloadBehavior",
        {"behavior": "allow", "downloadPath": str(tmp_path), "eventsEnabled": True},
        page=False,
    )
    nodes, edges = summary(page)
    page.evaluate("document.getElementById('json').click()")
    page.evaluate("document.getElementById('png').click()")
    deadline = time.monotonic() + 20
    names = {"review-network-person.json", "review-network-person.png"}
    while {p.name for p in tmp_path.iterdir()} < names:
        assert time.monotonic() < deadline, list(tmp_path.iterdir())
        time.sleep(0.1)
    view = json.loads((tmp_path / "review-network-person.json").read_text("utf-8"))
    groups = [e["group"] for e in view["elements"]]
    assert (groups.count("nodes"), groups.count("edges")) == (nodes, edges)
    png = (tmp_path / "review-network-person.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_graphiql_renders_offline(page: Browser, served: str) -> None:
    page.call("Page.navigate", {"url": served + "/graphql"})
    page.wait_for("document.querySelector('.graphiql-query-editor .CodeMirror') !== null")
    page.wait_for("document.querySelector('.graphiql-execute-button') !== null")
    page.evaluate("document.querySelector('.graphiql-execute-button').click()")
    result = page.wait_for(
        "(() => { const r = document.querySelector('.result-window .CodeMirror');"
        " const text = r && r.CodeMirror.getValue();"
        " return text && text.includes('reviewNetwork') && text; })()"
    )
    assert '"messages": 241' in result, result
    assert_only_local_requests(page, served)
