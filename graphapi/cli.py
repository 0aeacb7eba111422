"""The `graphapi` command: load, query, serve, export-schema (schema.graphql). Thin by design.

Each command parses its arguments and calls one library function. Any expected failure
(missing file, unknown format, corrupt snapshot) prints one line to stderr and exits 1; a
traceback means a bug. SIGTERM during `load` unwinds it like Ctrl-C (parse workers
stopped, temporary files removed, the db lock released) and exits 143 with one line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from graphapi.errors import GraphAPIError, UsageError
from loaders.errors import LoaderError

if TYPE_CHECKING:
    from graphapi.loading import LoadSummary
    from graphapi.snapshot import BeforeCommit
    from graphapi.store.base import GraphStore
    from graphapi.store.neo4j_store import Neo4jSettings, Neo4jStore
    from loaders.sources.detect import SourceFormat

__all__ = ["main", "run"]

DEFAULT_DB = "graphapi.db"
_FORMATS = ["digest", "mbox", "maildir", "public-inbox", "maintainers", "mailmap"]


class _Terminated(BaseException):
    """SIGTERM arrived: unwind like KeyboardInterrupt (never caught by `except Exception`)."""


def _on_sigterm(_signum: int, _frame: object) -> None:
    raise _Terminated


def _db_path(args: argparse.Namespace) -> str:
    return str(args.db or os.environ.get("GRAPHAPI_DB") or DEFAULT_DB)


def _check_store_choice(args: argparse.Namespace) -> Neo4jSettings | None:
    """Neo4j settings when `--neo4j` is given (its URI, else $NEO4J_URI); None for `--db`.

    The Neo4j modules are imported only then: a `--db` command does not pay for them."""
    neo4j_uri = getattr(args, "neo4j", None)
    if neo4j_uri is None:
        return None
    from graphapi.store.neo4j_store import Neo4jSettings

    return Neo4jSettings.from_env(neo4j_uri or None)


def _open_neo4j(settings: Neo4jSettings) -> Neo4jStore:
    """The Neo4j store, reachable now (else one clear `StoreUnavailable` line)."""
    from graphapi.store.neo4j_store import Neo4jStore

    return Neo4jStore.connect(settings)


def _open_store(args: argparse.Namespace) -> GraphStore:
    """The store a read command uses: Neo4j with `--neo4j`, else the snapshot (`--db`)."""
    settings = _check_store_choice(args)
    if settings is not None:
        return _open_neo4j(settings)
    from graphapi.snapshot import read_snapshot

    return read_snapshot(_db_path(args), corpus=False)


def _forced_format(args: argparse.Namespace) -> SourceFormat | None:
    """The format `--format` names, or None to detect each source's."""
    from loaders.sources.detect import SourceFormat

    return SourceFormat(args.format) if args.format else None


def _load_neo4j(args: argparse.Namespace, settings: Neo4jSettings) -> LoadSummary:
    from graphapi.loading import load_into_store
    from graphapi.progress import reporter_for
    from loaders.identity.aliases import parse_aliases
    from loaders.identity.companies import company_map_with

    if not args.sources and not args.company_map and not args.aliases:
        raise UsageError("nothing to load: give a SOURCE, --company-map or --aliases")
    company_map = _user_file(args.company_map, company_map_with) if args.company_map else None
    aliases = _user_file(args.aliases, parse_aliases) if args.aliases else None
    with _open_neo4j(settings) as store:
        _refuse_if_mirrored(store)
        return load_into_store(
            store,
            args.sources,
            range_spec=args.range_spec,
            company_map_text=company_map,
            aliases_text=aliases,
            fmt=_forced_format(args),
            report=reporter_for(args.quiet),
        )


def _user_file(path: str, check: Callable[[str, str], object]) -> str:
    """The text of a user-written file (company map, aliases), validated by `check`."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    check(text, path)
    return text


def cmd_load(args: argparse.Namespace) -> int:
    from graphapi.gcpause import paused_gc

    settings = _check_store_choice(args)
    if settings is None:
        # The collector stays off from the parsing to the end: turned back on between the
        # load's steps, its first pass walked every object the load had made (~20 ms of a
        # 1 % update) only to find them alive; `run` then ends the process without one.
        # (Not around the Neo4j loads: online writes run long, and their cycles pile up.)
        with paused_gc():
            summary = _load_snapshot(args)
    elif args.db is not None:
        summary = _load_mirrored(args, settings)
    else:
        summary = _load_neo4j(args, settings)
    print(summary.line())
    for reason, count in sorted(summary.defect_reasons.items()):
        print(f"  defective: {count} x {reason}")
    for reason, count in sorted(summary.skip_reasons.items()):
        print(f"  skipped: {count} x {reason}")
    graph_line = summary.graph_line()
    if graph_line is not None:
        print(f"  {graph_line}")
    _ended[0] = True
    return 0


def _refuse_if_mirrored(store: Neo4jStore) -> None:
    """A Neo4j that follows a database is loaded through it, never merged into directly."""
    from graphapi.neo4j_mirror import follows

    followed = follows(store)
    if followed is not None:
        raise UsageError(
            "this Neo4j database follows a graphapi database (its corpus and cursors live "
            "there): load with --db FILE --neo4j, FILE being that database"
        )


def _load_mirrored(args: argparse.Namespace, settings: Neo4jSettings) -> LoadSummary:
    """`load --neo4j URI --db FILE`: load into FILE, and apply what changed to Neo4j before
    FILE commits (`graphapi.neo4j_mirror`): both hold the graph of one load."""
    from graphapi.neo4j_mirror import Mirror

    with _open_neo4j(settings) as neo4j:
        mirror = Mirror(neo4j, _db_path(args))
        summary = _load_snapshot(args, mirror)
        if mirror.rewrote:
            print(f"graphapi: wrote the whole graph of {_db_path(args)} to Neo4j", file=sys.stderr)
        return summary


def _load_snapshot(args: argparse.Namespace, mirror: BeforeCommit | None = None) -> LoadSummary:
    """Load into the database at `--db` holding its lock: a second load into the same db
    waits for this one (saying so), then adds to what it wrote (`graphapi.dblock`; SQLite's
    own write lock makes the same guarantee for any other writer). `mirror` sees the load's
    changes before it commits."""
    from graphapi.dblock import db_lock
    from graphapi.loading import check_sources
    from graphapi.snapshot_legacy import legacy_magic

    path = _db_path(args)
    if not args.sources and not args.company_map and not args.aliases:
        if legacy_magic(Path(path)) is None:
            raise UsageError("nothing to load: give a SOURCE, --company-map or --aliases")
        print(f"migrating the older snapshot {path} to a database", file=sys.stderr)
    check_sources(args.sources, _forced_format(args))  # bad input fails without waiting
    with db_lock(path, on_wait=lambda holder: _say_waiting(path, holder)):
        return _load_snapshot_locked(args, path, mirror)


def _say_waiting(path: str, holder: str) -> None:
    print(f"graphapi: waiting for another load into {path} to finish ({holder})", file=sys.stderr)


def _load_snapshot_locked(
    args: argparse.Namespace, path: str, mirror: BeforeCommit | None
) -> LoadSummary:
    from graphapi.loading import load_sources
    from graphapi.progress import reporter_for
    from graphapi.snapshot import open_for_load, remove_stale_temps
    from loaders.identity.aliases import parse_aliases
    from loaders.identity.companies import company_map_with

    for name in remove_stale_temps(path):
        print(f"graphapi: removed {name}, left by a load that was killed", file=sys.stderr)
    company_map = _user_file(args.company_map, company_map_with) if args.company_map else None
    aliases = _user_file(args.aliases, parse_aliases) if args.aliases else None
    with open_for_load(path, before_commit=mirror) as store:
        return load_sources(
            store,
            args.sources,
            None,
            args.range_spec,
            fmt=_forced_format(args),
            report=reporter_for(args.quiet),
            company_map_text=company_map,
            aliases_text=aliases,
        )


def run_query(store: GraphStore, query: str, variables: dict[str, Any] | None) -> dict[str, Any]:
    """Execute one GraphQL query in-process; the JSON-able response."""
    from graphapi.schema import Context, schema  # Strawberry: only for the commands that query

    result = schema.execute_sync(
        query, variable_values=variables, context_value=Context(store=store)
    )
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [error.formatted for error in result.errors]
    return response


def cmd_query(args: argparse.Namespace) -> int:
    variables = _parse_variables(args.variables)
    store = _open_store(args)
    try:
        response = run_query(store, args.query, variables)
    finally:
        _close(store)
    print(json.dumps(response, indent=2, ensure_ascii=False))
    return 1 if "errors" in response else 0


def _close(store: GraphStore) -> None:
    close = getattr(store, "close", None)
    if close is not None:
        close()


def _parse_variables(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--variables is not valid JSON: {exc.msg} at position {exc.pos}") from exc
    if not isinstance(value, dict):
        raise UsageError("--variables must be a JSON object")
    return value


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from graphapi.app import create_app
    from graphapi.snapshot import ServedSnapshot, snapshot_signature

    origins = [o for o in (args.cors_origin or []) if o]
    settings = _check_store_choice(args)
    if settings is not None:
        with _open_neo4j(settings) as neo4j, neo4j.refresher():
            print(f"serving http://{args.host}:{args.port}/graphql", file=sys.stderr)
            app = create_app(
                neo4j,
                cors_origins=origins,
                bind_host=args.host,
                allowed_hosts=args.allowed_host or [],
            )
            uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
        return 0
    path = _db_path(args)
    served = ServedSnapshot(path)  # a load's changes are patched in, not re-read whole
    store = served.read()
    print(f"serving http://{args.host}:{args.port}/graphql", file=sys.stderr)
    app = create_app(
        store.warm(),
        cors_origins=origins,
        snapshot_path=path,
        loader=served.refresh,
        warm=served.warm,
        signature=snapshot_signature,
        bind_host=args.host,
        allowed_hosts=args.allowed_host or [],
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from graphapi.sample import write_sample_mbox

    try:
        count = write_sample_mbox(args.output, series_count=args.series, seed=args.seed)
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror}") from exc
    print(f"wrote {count} synthetic messages to {args.output}")
    return 0


def cmd_export_graph(args: argparse.Namespace) -> int:
    from graphapi.export import export_view, view_for

    if args.format == "neo4j-import":
        return _export_neo4j_import(args)
    store = _open_store(args)
    try:
        view = view_for(store, args.view)
    finally:
        _close(store)
    export_view(view, args.format, args.output)
    print(f"wrote {len(view.nodes)} nodes and {len(view.edges)} edges to {args.output}")
    return 0


def _export_neo4j_import(args: argparse.Namespace) -> int:
    """The whole graph of the database as `neo4j-admin database import` files (a directory),
    read from its rows; the imported Neo4j follows the database unless `--merging`."""
    from graphapi.neo4j_import import export_database_files

    if _check_store_choice(args) is not None:
        raise UsageError("--format neo4j-import exports the embedded store (--db), not --neo4j")
    written = export_database_files(_db_path(args), args.output, follow=not args.merging)
    print(f"wrote {written.line()} to {args.output}; then run {args.output}/import.sh")
    return 0


def cmd_export_schema(_: argparse.Namespace) -> int:
    from graphapi.schema import schema

    print(schema.as_str())
    return 0


def _add_store_options(parser: argparse.ArgumentParser, *, both: bool = False) -> None:
    """`--db` or `--neo4j`; with `both` (load), `--db` and `--neo4j` together too."""
    group = parser if both else parser.add_mutually_exclusive_group()
    group.add_argument(
        "--db",
        help=f"snapshot file of the embedded store (default: $GRAPHAPI_DB or {DEFAULT_DB})"
        + (
            "; with --neo4j, the database Neo4j follows: the corpus and cursors live in it, "
            "and Neo4j gets the same changes"
            if both
            else ""
        ),
    )
    group.add_argument(
        "--neo4j",
        metavar="URI",
        default=None,
        help="use the Neo4j at URI instead (--neo4j= for $NEO4J_URI); also reads "
        "$NEO4J_USER, $NEO4J_PASSWORD (neither: no auth), $NEO4J_DATABASE (default neo4j)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graphapi", description="Kernel mailing-list traffic as a graph, over GraphQL."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    load = commands.add_parser("load", help="parse sources and add them to the graph")
    load.add_argument(
        "sources",
        nargs="*",
        metavar="SOURCE",
        help="digest, mbox/mboxrd (.gz), Maildir, public-inbox git, MAINTAINERS, .mailmap, "
        "or a git code tree (its commits, matched with the patches)",
    )
    _add_store_options(load, both=True)
    load.add_argument(
        "--format",
        choices=_FORMATS,
        help="read every SOURCE as this format instead of detecting it",
    )
    load.add_argument(
        "--range",
        dest="range_spec",
        metavar="A..B",
        help="commit range of a public-inbox archive or code tree",
    )
    load.add_argument(
        "--quiet",
        action="store_true",
        help="no progress (a bar on a terminal, else a line every 10 s on stderr)",
    )
    load.add_argument(
        "--company-map",
        metavar="FILE",
        help="'domain-or-address: Company [from DATE] [until DATE]' lines overriding the "
        "built-in map (kept for later loads)",
    )
    load.add_argument(
        "--aliases",
        metavar="FILE",
        help="'canonical@addr: alias1@addr, alias2@addr' lines (kept for later loads)",
    )
    load.set_defaults(func=cmd_load)

    query = commands.add_parser("query", help="run one GraphQL query and print the JSON response")
    query.add_argument("query")
    query.add_argument("--variables", metavar="JSON")
    _add_store_options(query)
    query.set_defaults(func=cmd_query)

    serve = commands.add_parser("serve", help="serve /graphql and /healthz")
    _add_store_options(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--cors-origin",
        action="append",
        metavar="ORIGIN",
        help="allow this browser origin (repeatable)",
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        metavar="NAME",
        help="answer requests whose Host header is NAME (repeatable); IP addresses the "
        "server is bound to and localhost are always answered, other names refused "
        "(DNS rebinding)",
    )
    serve.set_defaults(func=cmd_serve)

    sample = commands.add_parser(
        "sample", help="write a synthetic mailing list (mboxrd) to try things on"
    )
    sample.add_argument("output", metavar="FILE")
    sample.add_argument("--series", type=int, default=24, help="how many series (default 24)")
    sample.add_argument("--seed", type=int, default=1)
    sample.set_defaults(func=cmd_sample)

    graph = commands.add_parser("export-graph", help="write a graph view for front ends or Gephi")
    _add_store_options(graph)
    graph.add_argument(
        "--view",
        default="review-network",
        help="review-network (default), company-network, dependencies:<series>, "
        "neighborhood:<node id>[:depth]",
    )
    graph.add_argument(
        "--format",
        required=True,
        choices=["cytoscape", "graphology", "gexf", "graphml", "neo4j-import"],
        help="neo4j-import: the whole graph as neo4j-admin import files (--output is a "
        "directory; --view does not apply)",
    )
    graph.add_argument("--output", required=True, metavar="FILE or DIR")
    graph.add_argument(
        "--merging",
        action="store_true",
        help="neo4j-import: continue the imported Neo4j with merging loads (load --neo4j "
        "without --db; the export carries the cursors and kept files) instead of having it "
        "follow the database (load --db FILE --neo4j, the default)",
    )
    graph.set_defaults(func=cmd_export_graph)

    export = commands.add_parser("export-schema", help="print the GraphQL SDL")
    export.set_defaults(func=cmd_export_schema)
    return parser


#: Whether a load ended in this process (`run` then ends the process at once).
_ended = [False]


def run() -> NoReturn:
    """The process entry (`python -m graphapi`, the `graphapi` script): `main`, then the
    exit. After a load, the process ends without freeing what it built, one object at a
    time (0.1-0.15 s of a 1 % update's ~1 s; more after a fresh load): the database is
    committed and closed, and the load's workers are stopped, so only the output is left
    to flush. Anything else exits as usual."""
    code = main()
    if not _ended[0]:
        raise SystemExit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # `graphapi load ... | head`: the reader left
        code = 141
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with _sigterm_unwinds(args.command == "load"):
            code: int = args.func(args)
    except (GraphAPIError, LoaderError) as exc:
        print(f"graphapi: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("graphapi: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print("graphapi: terminated", file=sys.stderr)
        return 143
    except BrokenPipeError:  # `graphapi ... | head`: the reader left; what was done is done
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail
        return 141  # as a process SIGPIPE ends (128 + 13)
    return code


@contextlib.contextmanager
def _sigterm_unwinds(active: bool) -> Iterator[None]:
    """When `active`, SIGTERM raises `_Terminated` for the block (main thread only; `serve`
    leaves SIGTERM to uvicorn's graceful shutdown), then is handled as it was before."""
    if not active or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    run()
