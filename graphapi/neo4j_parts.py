"""The bulk export on every core: its tables split between processes, one database snapshot.

An export is pure Python per row (`neo4j_tables`), so one process uses one core. Its tables
are independent (one per node label, one per relationship type and its end labels), so the
labels and types are dealt into parts (`plan`: the largest first, each to the lightest
part, by their row counts) and each part is written by its own process into the same
directory: the parent writes the first (and the meta rows), a child
(`python -m graphapi.neo4j_parts PARENT_PID`, its request and answer pickled over its
stdin and stdout) each other. Every label's and type's rows stay in one part, so a part
numbers their files, shapes and fix-up maps exactly as one process does, and `merged`
lists the files as one process lists them: the files are the same bytes.

**One snapshot.** Each process reads in its own read transaction (WAL), and SQLite cannot
share a snapshot between connections. The parent fixes its snapshot first and only then
starts the children; a child whose database is not at the parent's generation and identity
(a load committed in between: every load that writes the graph's rows bumps the
generation, in the same transaction) answers None, and the parent then writes that part
from its own snapshot, after its first. So the mirror mark (the parent's generation) always
describes every row exported, whatever commits meanwhile.

Why plain child processes rather than `multiprocessing`: as for the parse workers
(`loaders.mail.parallel`), nothing outlives a killed parent (`die_with_parent`).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphapi.model import NodeKind

if TYPE_CHECKING:  # a child imports them only once it has asked to die with its parent
    from graphapi.neo4j_rows import DatabaseRows, EdgeRow, NodeRow, Sizes, State
    from graphapi.neo4j_tables import TablesPart

__all__ = [
    "MIN_PARALLEL_COST",
    "Part",
    "PartProcess",
    "costs",
    "plan",
    "start_part",
    "write_part",
    "write_tables",
]

#: What a table costs to write, in nanoseconds of one core (fitted on virtualization and the
#: synthetic 95k, timed label by label and type by type: within ~25 %): a row, a character
#: of its props' JSON (decoded, encoded, quoted, spooled), a character of a message's body
#: (searched, quoted, spooled). A message of virtualization (4.5 KB of body) costs 50 us,
#: a relationship whose props are shared 5 us.
ROW_NS = 5_000
PROPS_CHAR_NS = 70
BODY_CHAR_NS = 9
#: Below this cost (2 CPU seconds) one process writes everything: a child's start (an
#: interpreter, ~0.25 s) and its scans of the tables would eat what it saves.
MIN_PARALLEL_COST = 2_000_000_000


@dataclass(frozen=True, slots=True)
class Part:
    """The node labels and relationship types one process exports."""

    labels: tuple[str, ...] = ()
    types: tuple[str, ...] = ()


def costs(sizes: Sizes) -> tuple[dict[str, int], dict[str, int]]:
    """The cost of each label's and type's table, from `DatabaseRows.sizes`."""
    labels, types, body = sizes
    label_costs = {
        name: rows * ROW_NS + chars * PROPS_CHAR_NS for name, (rows, chars) in labels.items()
    }
    if NodeKind.MESSAGE.value in label_costs:
        label_costs[NodeKind.MESSAGE.value] += body * BODY_CHAR_NS
    type_costs = {
        name: rows * ROW_NS + chars * PROPS_CHAR_NS for name, (rows, chars) in types.items()
    }
    return label_costs, type_costs


def plan(labels: Mapping[str, int], types: Mapping[str, int], parts: int) -> list[Part]:
    """At most `parts` parts of about equal cost (one below `MIN_PARALLEL_COST`), none
    empty, the costliest first (the parent's: a child starts an interpreter first): the
    labels (`labels`: the cost of each one's table, `costs`) and types (`types`) dealt
    costliest first, each to the part that costs least so far (longest processing time
    first)."""
    units = [(cost, 0, name) for name, cost in labels.items()]
    units += [(cost, 1, name) for name, cost in types.items()]
    units.sort(key=lambda unit: (-unit[0], unit[1], unit[2]))
    if sum(cost for cost, _, _ in units) < MIN_PARALLEL_COST:
        parts = 1
    loads = [0] * max(1, min(parts, len(units)))
    dealt: list[tuple[list[str], list[str]]] = [([], []) for _ in loads]
    for cost, relationship, name in units:
        lightest = loads.index(min(loads))
        loads[lightest] += cost
        dealt[lightest][relationship].append(name)
    ranked = sorted(zip(loads, dealt, strict=True), key=lambda item: -item[0])
    return [Part(tuple(sorted(n)), tuple(sorted(t))) for _, (n, t) in ranked]


#: A label and the rows of its nodes, written as they are (the meta nodes, in the parent).
Extra = tuple[str, list[dict[str, Any]]]


def write_part(
    rows: DatabaseRows, out: Path, index: int, part: Part, extra: Extra | None = None
) -> TablesPart:
    """Write `part`'s tables (and the `extra` nodes) from `rows` into `out`."""
    nodes = rows.nodes(part.labels) if part.labels else iter(())
    edges = rows.edges(part.types) if part.types else iter(())
    return write_tables(out, nodes, edges, extra, scratch=f".spool-{index}")


def write_tables(
    target: Path,
    nodes: Iterable[NodeRow],
    edges: Iterable[EdgeRow],
    extra: Extra | None = None,
    scratch: str = ".spool",
) -> TablesPart:
    """The tables of `nodes`, `edges` and the `extra` nodes, written into `target`."""
    from graphapi.errors import UsageError
    from graphapi.neo4j_tables import Tables
    from graphapi.store.neo4j_codec import NodeState, encode_node

    tables = Tables(target, scratch)
    try:
        for kind, key, props, names, placeholder in nodes:
            state = NodeState(kind, key, props, names or {}, placeholder)
            tables.node(kind.value, encode_node(state))
        for kind_value, start_label, end_label, lead, attrs in edges:
            tables.relationship(kind_value, start_label, end_label, lead, attrs)
        label, extra_rows = extra if extra is not None else ("", [])
        for row in extra_rows:
            tables.node(label, row)
        tables.finish([kind.value for kind in NodeKind])
    except BaseException as exc:  # the spools go whatever failed (a bad row, Ctrl-C, ...)
        tables.discard()
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
        raise
    return tables.part()


@dataclass(frozen=True, slots=True)
class _Request:
    database: str
    out: str
    index: int
    part: Part
    state: State


class PartProcess:
    """A child process writing one part: `answer` waits for it."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process

    def answer(self) -> TablesPart | None:
        """The part's files, or None when the child's snapshot was not the parent's."""
        from graphapi.errors import SnapshotError

        assert self.process.stdout is not None
        out = self.process.stdout.read()
        if self.process.wait() != 0 or not out:
            raise SnapshotError(f"an export process failed (exit {self.process.returncode})")
        answer: TablesPart | None = pickle.loads(out)
        return answer

    def stop(self) -> None:
        """After a failure elsewhere: its work is unwanted."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_part(
    database: str | os.PathLike[str], out: Path, index: int, part: Part, state: State
) -> PartProcess:
    """A child process writing `part` from `database` at `state`; its stderr is ours."""
    root = str(Path(__file__).resolve().parents[1])  # import `graphapi` from where we did
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}
    command = [sys.executable, "-m", "graphapi.neo4j_parts", str(os.getpid())]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    request = _Request(os.fspath(database), os.fspath(out), index, part, state)
    assert process.stdin is not None
    process.stdin.write(pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
    process.stdin.close()
    return PartProcess(process)


def request_part(request: _Request) -> TablesPart | None:
    """A child's work: its part, if its snapshot is the parent's (else None)."""
    from graphapi.gcpause import paused_gc
    from graphapi.neo4j_rows import DatabaseRows

    with DatabaseRows(request.database) as rows, paused_gc():
        if rows.state() != request.state:
            return None
        return write_part(rows, Path(request.out), request.index, request.part)


def _serve() -> None:
    request: _Request = pickle.loads(sys.stdin.buffer.read())
    answer = request_part(request)
    sys.stdout.buffer.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.flush()


if __name__ == "__main__":
    from loaders.mail.worker import die_with_parent

    die_with_parent(int(sys.argv[1]))
    _serve()
