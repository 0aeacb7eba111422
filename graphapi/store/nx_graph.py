"""The networkx graph of `NetworkXStore` as the query modules read it: node data, edges of
one kind, and what is kept per graph (derived indexes, remembered answers) until it changes.

Queries are plain functions over the graph, cut by domain: `nx_lists` (lists, neighbours,
versions), `nx_reviews` (who reviewed whom, companies, files), `nx_views` (graph views),
`nx_stats` (counts and review statistics). Orderings are total (count, then key) and come
from `rules`, so every store reproduces them exactly.
"""

from __future__ import annotations

import contextlib
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

from graphapi.model import EdgeKind, NodeData, NodeKind, SeriesKind, TrailerSource

Graph = Any


T = TypeVar("T")


#: Every per-graph cache of the query modules (`per_graph`), forgotten together by `invalidate`.
_CACHES: list[weakref.WeakKeyDictionary[Any, Any]] = []


def per_graph() -> weakref.WeakKeyDictionary[Any, Any]:
    """A cache of something derived from a graph, dropped with the graph or by `invalidate`."""
    cache: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
    _CACHES.append(cache)
    return cache


def to_data(attrs: dict[str, Any]) -> NodeData:
    """The node as the stores return it: its props with its `placeholder` flag.

    A graph read for serving holds the flag in its props already (`graphapi.graph_rows`):
    its props are returned as they are, not copied (callers never mutate a NodeData), which
    halves what the node listings hold. A graph being loaded gets a copy, since its props
    change with the next write.
    """
    props = attrs["props"]
    if "placeholder" not in props:
        props = dict(props)
        props["placeholder"] = attrs.get("placeholder", False)
    return NodeData(attrs["kind"], attrs["key"], props)


def nodes_of(graph: Graph, kind: NodeKind) -> Iterator[dict[str, Any]]:
    for _, attrs in graph.nodes(data=True):
        if attrs["kind"] is kind:
            yield attrs


def out_nodes(graph: Graph, nid: str, kind: EdgeKind) -> Iterator[str]:
    if nid not in graph:
        return
    for _, target, data in graph.out_edges(nid, data=True):
        if data["kind"] is kind:
            yield target


def in_nodes(graph: Graph, nid: str, kind: EdgeKind) -> Iterator[str]:
    if nid not in graph:
        return
    for source, _, data in graph.in_edges(nid, data=True):
        if data["kind"] is kind:
            yield source


#: Trailers carried over from an earlier version (loaders.assembly.carry): shown, never counted.
CARRIED = TrailerSource.CARRIED.value


PULL_REQUEST = SeriesKind.PULL_REQUEST.value


#: How many answers `remembered` keeps per graph (least recently used go first).
ANSWERS_KEPT = 4096


_ANSWERS: weakref.WeakKeyDictionary[Any, OrderedDict[Hashable, Any]] = per_graph()


def remembered(graph: Graph, question: Hashable, compute: Callable[[], T]) -> T:
    """The answer to `question` about `graph`, computed on first asking and then kept.

    A served graph does not change until the next write or reload (which drops this with
    the graph), so an aggregate asked again (stats, a company's ties, a hub's neighbourhood)
    costs a dict look-up instead of a pass over everything it sums. Bounded (LRU), since
    questions carry arguments (dates, kinds) and there are many people and files.
    Callers must not mutate what they get.
    """
    return kept_in(_ANSWERS, ANSWERS_KEPT, graph, question, compute)


def kept_in(
    cache: weakref.WeakKeyDictionary[Any, OrderedDict[Hashable, Any]],
    limit: int,
    graph: Graph,
    question: Hashable,
    compute: Callable[[], T],
) -> T:
    """`remembered`, in a per-graph LRU of its own (`cache`, from `per_graph`) holding at
    most `limit` answers: many cheap answers (each node's neighbours) then never push the
    expensive ones (stats) out of `remembered`'s. Safe across threads: an answer another
    thread evicted meanwhile is still a valid answer."""
    answers = cache.get(graph)
    if answers is None:
        answers = cache.setdefault(graph, OrderedDict())
    found = answers.get(question, _MISSING)
    if found is _MISSING:
        found = answers[question] = compute()
        if len(answers) > limit:
            with contextlib.suppress(KeyError):  # another thread emptied it meanwhile
                answers.popitem(last=False)
    else:
        try:  # noqa: SIM105 (`contextlib.suppress` costs ~0.7 us more on every hit)
            answers.move_to_end(question)
        except KeyError:  # another thread evicted it meanwhile
            pass
    return found  # type: ignore[no-any-return]


_MISSING = object()


def graph_edges(graph: Graph) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """`graph.edges(data=True)`, in the same order, read from the adjacency dicts directly
    (the edge view costs a generator step per edge, a third of building the indexes)."""
    for source, targets in graph._succ.items():
        for target, parallel in targets.items():
            for data in parallel.values():
                yield source, target, data


def invalidate(graph: Graph) -> None:
    """Forget everything derived from `graph` (call after every write)."""
    for cache in _CACHES:
        cache.pop(graph, None)
