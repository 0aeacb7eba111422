"""Building the embedded graph from records as they come (`nx_write.GraphWriter`, issue 13:
no whole batch held) gives the graph a batch's write gives, in the same iteration order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphapi.ingest import batch_from_assembly, emit_assembly
from graphapi.loading import load_sources
from graphapi.model import EdgeKind, EdgeRecord, GraphBatch, NodeKind, NodeRecord
from graphapi.sample import write_sample_mbox
from graphapi.store.networkx_store import NetworkXStore
from loaders.assembly.assemble import assemble
from loaders.identity.companies import CompanyMap


def _ordered(graph: Any) -> list[Any]:
    """Everything a reader of the graph can see, in iteration order."""
    nodes = [(n, a["props"], a["names"], a["placeholder"]) for n, a in graph._node.items()]
    succ = [(u, [(v, list(kd.items())) for v, kd in t.items()]) for u, t in graph._succ.items()]
    pred = [(v, [(u, list(kd)) for u, kd in s.items()]) for v, s in graph._pred.items()]
    return [nodes, succ, pred]


def _series(key: str) -> tuple[NodeKind, str]:
    return NodeKind.SERIES, key


def test_records_interleaved_give_the_batch_graph() -> None:
    """Edges naming a node whose record comes later, later edges sharing their source or
    target, a placeholder end, and the same edge twice: as nodes-then-edges gives them."""
    records: list[NodeRecord | EdgeRecord] = [
        NodeRecord(NodeKind.SERIES, "a", {"title": "A"}),
        NodeRecord(NodeKind.SERIES, "c", {"title": "C"}),
        EdgeRecord(EdgeKind.DEPENDS_ON, _series("a"), _series("b"), {"order": 0}, "x"),
        EdgeRecord(EdgeKind.DEPENDS_ON, _series("a"), _series("c"), {"order": 3}, "w"),
        EdgeRecord(EdgeKind.DEPENDS_ON, _series("a"), _series("a2"), {"order": 1}, "y"),
        NodeRecord(NodeKind.SERIES, "a2", {"title": "A2"}),
        EdgeRecord(EdgeKind.PREVIOUS_VERSION, _series("a2"), _series("a"), {"linkedBy": "1"}),
        EdgeRecord(EdgeKind.DEPENDS_ON, _series("a"), _series("a2"), {"order": 2}, "y"),
        NodeRecord(NodeKind.SERIES, "b", {"title": "B"}),
        EdgeRecord(EdgeKind.PREVIOUS_VERSION, _series("b"), _series("a"), {"linkedBy": "2"}),
        EdgeRecord(EdgeKind.DEPENDS_ON, _series("b"), (NodeKind.REF, "nowhere"), {}, "z"),
        NodeRecord(NodeKind.PERSON, "p@example.org", {"emails": ["p@example.org"]}),
        EdgeRecord(EdgeKind.AUTHORED, (NodeKind.PERSON, "p@example.org"), _series("a")),
        EdgeRecord(EdgeKind.AUTHORED, (NodeKind.PERSON, "p@example.org"), _series("b")),
        EdgeRecord(EdgeKind.AUTHORED, (NodeKind.PERSON, "q@example.org"), _series("b")),
        NodeRecord(NodeKind.PERSON, "p@example.org", {}, True, {"P": 2}),
    ]
    batch = GraphBatch()
    for record in records:
        (batch.node if isinstance(record, NodeRecord) else batch.edge)(record)  # type: ignore[arg-type]
    whole = NetworkXStore()
    whole.write(batch)

    def fill(writer: Any) -> None:
        for record in records:
            (writer.node if isinstance(record, NodeRecord) else writer.edge)(record)

    streamed = NetworkXStore()
    streamed.replace_with(fill)
    assert _ordered(streamed.graph) == _ordered(whole.graph)
    assert streamed.graph.nodes["Person:q@example.org"]["placeholder"]
    assert streamed.graph.nodes["Person:p@example.org"]["props"]["name"] == "P"


def test_an_assembly_streamed_gives_its_batch_graph(tmp_path: Path) -> None:
    mbox = tmp_path / "list.mbox"
    write_sample_mbox(mbox, series_count=8)
    loaded = NetworkXStore()
    load_sources(loaded, [mbox])
    corpus = loaded.corpus
    assembly = assemble(corpus.messages.values(), corpus.people.values())
    companies = CompanyMap({})
    whole = NetworkXStore()
    whole.write(batch_from_assembly(assembly, companies, bodies=False))
    streamed = NetworkXStore()
    streamed.replace_with(lambda sink: emit_assembly(assembly, companies, sink, bodies=False))
    assert len(whole.graph) > 50
    assert _ordered(streamed.graph) == _ordered(whole.graph)


def test_replace_empties_the_batch_it_merges() -> None:
    batch = GraphBatch()
    batch.node(NodeRecord(NodeKind.SERIES, "a", {"title": "A"}))
    batch.edge(EdgeRecord(EdgeKind.DEPENDS_ON, _series("a"), _series("b"), {}, "x"))
    store = NetworkXStore()
    store.touched = (set(), set())
    store.replace(batch)
    assert (batch.nodes, batch.edges) == ([], [])
    assert sorted(store.graph.nodes) == ["Series:a", "Series:b"]
    assert store.touched is None  # a rebuilt graph: anything may have changed
