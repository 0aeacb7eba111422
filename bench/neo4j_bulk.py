"""A first load of Neo4j by bulk import, and an online update on top (issue 17 items 1 and 3).

    .venv/bin/python bench/neo4j_bulk.py [--corpora kvm-ppc,95000] [--share 0.01]
                                         [--admin-java-opts OPTS]

Each corpus (`kvm-ppc`, `riscv`, `virtualization`: the public-inbox bundle, cloned into a
scratch directory; a number: a synthetic list of about that many messages from
`graphapi.sample`) is split into its first (1 - share) and the rest (by commit range for an
archive, into two mbox files for a synthetic list). Then, each step a child process, wall seconds:

- `graphapi load --db` of the first part (the embedded store's load: the baseline), then of
  the rest (the embedded store's update);
- `graphapi export-graph --format neo4j-import` of that snapshot;
- `import.sh import` (Neo4j 5.26's `neo4j-admin database import full`, from the test
  server's build: `tests/neo4j/neo4j-admin`) into a fresh DBMS home, and the importer's own
  `IMPORT DONE in` figure (its stages without the JVM's start and exit);
- the server started on that home (`tests/neo4j/run-server --home`, tuned as
  `bench/neo4j_load.py --server tuned`) and `finish.cypher` run on it;
- `graphapi load --db --neo4j` of the rest: the online update on top of the bulk load (the
  export carries the mirror mark, so the update writes only what it changed into Neo4j;
  its time includes the embedded update it goes through).

The bulk figure is relationships over export + import + finish (the snapshot exists; the
server's start is listed apart, as a server is started once whatever loads it). With two
sizes the table also gives the fixed cost and the per-relationship rate of those steps
(the straight line through both points). One run per corpus: the synthetic 95k alone takes
minutes; the machine is shared, so CPU seconds of each child are given next to wall ones.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchlib import (
    INBOX_BUNDLES,
    ROOT,
    children_cpu,
    clone_inbox,
    commit_at,
    machine,
    print_table,
    temp_dir,
)

sys.path.insert(0, str(ROOT))

from graphapi.sample import generate_messages, write_sample_mbox
from tests.contract.conftest import split_mbox
from tests.neo4j_bulk import NEO4J_ADMIN, run_finish
from tests.neo4j_server import neo4j_server

TUNED = {
    "NEO4J_TEST_SERVER_JAVA_OPTS": "-XX:TieredStopAtLevel=4 -Xms2g -Xmx2g",
    "NEO4J_TEST_SERVER_PAGECACHE": "512m",
}
PY = sys.executable


@dataclass
class Result:
    corpus: str
    nodes: int = 0
    rels: int = 0
    wall: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    import_done: float = 0.0

    @property
    def bulk(self) -> float:
        return self.wall["export"] + self.wall["import"] + self.wall["finish"]


def _step(result: Result, name: str, args: list[str], env: dict[str, str] | None = None) -> str:
    """Run one child; its wall and CPU seconds under `name`; its output."""
    cpu, started = children_cpu(), time.perf_counter()
    done = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, errors="replace", check=False
    )
    result.wall[name] = time.perf_counter() - started
    result.cpu[name] = children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(
            f"{name} failed ({done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}"
        )
    return done.stdout


def _parts(corpus: str, scratch: Path, share: float) -> tuple[list[str], list[str]]:
    """`graphapi load` arguments for the first part and for the rest of the corpus."""
    if corpus in INBOX_BUNDLES:
        repo = clone_inbox(INBOX_BUNDLES[corpus], scratch)
        cut = commit_at(repo, share)
        return ["--range", f"..{cut}", str(repo)], [str(repo)]
    size = int(corpus)
    per_series = sum(1 for _ in generate_messages(1000, 1)) / 1000
    mbox = scratch / f"sample-{size}.mbox"
    write_sample_mbox(mbox, series_count=max(1, round(size / per_series)))
    parts = split_mbox(mbox, round(1 / share))
    first = scratch / "first.mbox"
    with first.open("wb") as out:
        for part in parts[:-1]:
            out.write(part.read_bytes())
    return [str(first)], [str(parts[-1])]


def run(corpus: str, scratch: Path, share: float, admin_opts: str | None) -> Result:
    result = Result(corpus)
    first, rest = _parts(corpus, scratch, share)
    db, export, home = scratch / "g.db", scratch / "export", scratch / "home"
    graphapi = [PY, "-m", "graphapi"]
    _step(result, "load --db", [*graphapi, "load", "--quiet", "--db", str(db), *first])
    shutil.copy(db, scratch / "g-first.db")
    _step(result, "update --db", [*graphapi, "load", "--quiet", "--db", str(db), *rest])
    shutil.copy(scratch / "g-first.db", db)
    line = _step(
        result,
        "export",
        [
            *graphapi,
            "export-graph",
            "--db",
            str(db),
            "--format",
            "neo4j-import",
            "--output",
            str(export),
        ],
    )
    counts = re.search(r"wrote (\d+) nodes and (\d+) relationships", line)
    assert counts, line
    result.nodes, result.rels = int(counts[1]), int(counts[2])
    home.mkdir()
    env = dict(os.environ, NEO4J_ADMIN=str(NEO4J_ADMIN), NEO4J_HOME=str(home))
    if admin_opts:
        env["NEO4J_ADMIN_JAVA_OPTS"] = admin_opts
    log = _step(result, "import", ["sh", str(export / "import.sh"), "import"], env)
    done = re.search(r"IMPORT DONE in (?:(\d+)m )?(\d+)s (\d+)ms", log)
    if done:
        result.import_done = int(done[1] or 0) * 60 + int(done[2]) + int(done[3]) / 1000
    saved = dict(os.environ)
    os.environ.pop("NEO4J_URI", None)
    os.environ.update(TUNED)
    try:
        started = time.perf_counter()
        with neo4j_server(home=home) as uri:
            result.wall["server start"] = time.perf_counter() - started
            started = time.perf_counter()
            run_finish(uri, export)
            result.wall["finish"] = time.perf_counter() - started
            # the import follows the database: the update goes through it (its changes only)
            update = [*graphapi, "load", "--quiet", "--db", str(db), "--neo4j", uri, *rest]
            _step(result, "update --neo4j", update)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return result


def report(results: list[Result]) -> None:
    steps = [
        "load --db",
        "export",
        "import",
        "server start",
        "finish",
        "update --neo4j",
        "update --db",
    ]
    rows = []
    for r in results:
        rows.append(
            [
                r.corpus,
                f"{r.nodes:,} / {r.rels:,}",
                *(f"{r.wall[s]:.1f}" for s in steps),
                f"{r.import_done:.1f}",
                f"{r.bulk:.1f}",
                f"{r.rels / r.bulk:,.0f}",
                f"{r.rels / r.wall['import']:,.0f}",
                f"{(r.wall['load --db'] + r.bulk) / r.wall['load --db']:.1f}x",
            ]
        )
    print_table(
        "Bulk first load into Neo4j, then an online update (wall seconds, one run)",
        [
            "corpus",
            "nodes / rels",
            *(f"{s} s" for s in steps),
            "importer's own s",
            "bulk (export+import+finish) s",
            "bulk rel/s",
            "import.sh rel/s",
            "(load --db + bulk) / load --db",
        ],
        rows,
    )
    print_table(
        "CPU seconds of each child (user + system)",
        ["corpus", *(f"{s}" for s in steps if s in results[0].cpu)],
        [[r.corpus, *(f"{r.cpu[s]:.1f}" for s in steps if s in r.cpu)] for r in results],
    )
    if len(results) >= 2:
        small, large = sorted(results[:2], key=lambda r: r.rels)
        rate = (large.rels - small.rels) / (large.bulk - small.bulk)
        fixed = small.bulk - small.rels / rate
        irate = (large.rels - small.rels) / (large.wall["import"] - small.wall["import"])
        ifixed = small.wall["import"] - small.rels / irate
        print(
            f"\nfixed cost and per-relationship rate ({small.corpus} -> {large.corpus}): "
            f"bulk {fixed:.1f} s + {rate:,.0f} rel/s; import.sh alone {ifixed:.1f} s + "
            f"{irate:,.0f} rel/s"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="kvm-ppc,95000")
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--admin-java-opts", help="JVM options of the importer")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    results = []
    for corpus in args.corpora.split(","):
        with temp_dir("neo4j-bulk") as scratch:
            results.append(run(corpus, Path(scratch), args.share, args.admin_java_opts))
            print(f"{corpus}: {results[-1].wall}", flush=True)
    print(f"load average after the runs: {' / '.join(f'{v:.1f}' for v in os.getloadavg())}")
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
