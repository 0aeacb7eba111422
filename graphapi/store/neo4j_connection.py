"""A connection to Neo4j: settings, the driver, running statements, failures turned into
the store's errors.

`Neo4jConnection` is what `Neo4jStore` runs every statement through: reads as auto-commit
statements in read sessions (routed to readers in a cluster, after the store's own writes),
writes in their own transactions. A Neo4j that cannot be reached when the connection opens
raises `StoreUnavailable` (the CLI prints one line). One that goes away later makes each
request fail with `graph store unavailable: ...` (`StoreUnreachable`, both an `ApiError`,
so GraphQL shows its message, and a `StoreUnavailable`); the driver reconnects by itself
once it is back.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Self, TypeVar

from neo4j import READ_ACCESS, Driver, GraphDatabase, ManagedTransaction, Query, Record, Session
from neo4j.exceptions import (
    AuthError,
    ConfigurationError,
    DatabaseUnavailable,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from graphapi.api_errors import ApiError, StoreUnreachable
from graphapi.errors import StoreUnavailable, UsageError
from graphapi.model import NodeKind
from graphapi.store import neo4j_cypher as cypher
from graphapi.store import neo4j_write as writing
from graphapi.store.neo4j_kept import (
    FOLLOW_SECONDS,
    KEPT_ROWS_ENTRIES,
    KEPT_ROWS_WEIGHT,
    UNFOLLOWED,
    FollowedMark,
    KeptAnswers,
    KeptRefresher,
)
from graphapi.store.rules import DEFAULT_REVIEW_KINDS, SUBSYSTEM_REVIEW_KINDS

__all__ = ["BATCH_ROWS_ENV", "DEFAULT_DATABASE", "Neo4jConnection", "Neo4jSettings", "WriteStats"]

DEFAULT_DATABASE = "neo4j"
NODE_CHUNK_ROWS = 5_000
NODE_CHUNK_CHARS = 8_000_000
EDGE_CHUNK_ROWS = 10_000
BATCH_ROWS_ENV = "GRAPHAPI_NEO4J_BATCH_ROWS"
MOVE_CHUNK_PEOPLE = 1_000
READ_TIMEOUT_SECONDS = 30.0
T = TypeVar("T")
_DEFAULT_KINDS = sorted(DEFAULT_REVIEW_KINDS)
_SUBSYSTEM_KINDS = sorted(SUBSYSTEM_REVIEW_KINDS)


@dataclass(slots=True)
class WriteStats:
    """What the last `write` did: distinct nodes and edges merged, and how long it took."""

    nodes: int = 0
    edges: int = 0
    created_edges: int = 0  # of `edges`: created outright with their new endpoint's chunk
    node_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def edge_seconds(self) -> float:
        return self.seconds - self.node_seconds


_GONE = (ServiceUnavailable, SessionExpired, AuthError, DatabaseUnavailable)


def _unreachable(exc: Exception) -> StoreUnreachable:
    return StoreUnreachable(f"graph store unavailable: {_detail(exc)}")


def _is_gone(exc: Exception) -> bool:
    if isinstance(exc, _GONE):
        return True
    code = getattr(exc, "code", None) or ""
    return isinstance(exc, Neo4jError) and code.startswith("Neo.ClientError.Database.")


@dataclass(frozen=True, slots=True)
class Neo4jSettings:
    """Where the graph lives: `--neo4j URI` or `NEO4J_URI`, `NEO4J_USER`/`PASSWORD`/`DATABASE`."""

    uri: str
    user: str | None = None
    password: str | None = None
    database: str = DEFAULT_DATABASE

    @classmethod
    def from_env(cls, uri: str | None = None) -> Neo4jSettings:
        """Settings from `uri` (else $NEO4J_URI) and the environment.

        Credentials: $NEO4J_USER / $NEO4J_PASSWORD, else $NEO4J_AUTH as the Neo4j image
        spells it (`user/password`, or `none`); none of them: no authentication.
        """
        chosen = uri or os.environ.get("NEO4J_URI")
        if not chosen:
            raise UsageError("no Neo4j URI: pass --neo4j URI or set NEO4J_URI")
        user = os.environ.get("NEO4J_USER") or None
        password = os.environ.get("NEO4J_PASSWORD") or None
        combined = os.environ.get("NEO4J_AUTH") or ""
        if user is None and password is None and combined and combined.lower() != "none":
            user, _, password = combined.partition("/")
        return cls(
            uri=chosen,
            user=user,
            password=password,
            database=os.environ.get("NEO4J_DATABASE") or DEFAULT_DATABASE,
        )

    @property
    def auth(self) -> tuple[str, str] | None:
        """Basic auth when a user or password is given; none (auth disabled) otherwise."""
        if self.user is None and self.password is None:
            return None
        return (self.user or "neo4j", self.password or "")


class Neo4jConnection:
    """The driver and the database, and how every statement is run on them."""

    def __init__(
        self,
        driver: Driver,
        database: str = DEFAULT_DATABASE,
        *,
        read_timeout: float = READ_TIMEOUT_SECONDS,
    ) -> None:
        self.driver = driver
        self.database = database
        self.read_timeout = read_timeout
        self.last_write = WriteStats()
        self.chunk_rows = _chunk_rows()
        self._schema_ready = False
        self.kept = KeptAnswers()  # costly answers, for the database's current mark
        self.kept_rows = KeptAnswers(KEPT_ROWS_ENTRIES, KEPT_ROWS_WEIGHT)  # per-key reads
        self.followed = FollowedMark()  # the mark as a refresher last read it

    @classmethod
    def connect(cls, settings: Neo4jSettings, *, retry_seconds: float = 5.0) -> Self:
        """Open the driver and check the database answers; `StoreUnavailable` if not."""
        where = f"Neo4j at {settings.uri} (database {settings.database!r})"
        try:
            driver = GraphDatabase.driver(
                settings.uri,
                auth=settings.auth,
                max_transaction_retry_time=retry_seconds,
                connection_timeout=retry_seconds,
                notifications_min_severity="OFF",
            )
        except (ConfigurationError, ValueError) as exc:
            raise StoreUnavailable(f"cannot use {where}: {exc}") from exc
        store = cls(driver, settings.database)
        try:
            store.run_read("RETURN 1 AS ok")
        except (StoreUnavailable, Neo4jError) as exc:
            driver.close()
            cause = exc.__cause__ if isinstance(exc, StoreUnreachable) else exc
            raise StoreUnavailable(f"cannot reach {where}: {_detail(cause or exc)}") from exc
        return store

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- running statements ------------------------------------------------------------
    def run_read(self, query: str, **params: Any) -> list[Record]:
        """One read statement, one round trip; the executor every read goes through.

        An auto-commit statement in a read session (routed to a reader in a cluster), after
        the store's own writes (shared bookmarks). A connection found dead (Neo4j restarted)
        is replaced once; a Neo4j still away is `StoreUnreachable`.
        """
        return self._retrying(lambda: self._read_once(query, params))

    def database_mark(self) -> Hashable | None:
        """The database's state: the bookmark of a read, naming the last transaction it
        committed (None if the server gives none). Any commit changes it, whoever made it;
        `neo4j_kept` keeps answers per mark. While a refresher follows the mark, the mark it
        last read (no round trip; another process's commit shows within its look, this
        connection's own writes at once); else `read_mark`'s."""
        followed = self.followed.current()
        return self.read_mark() if followed is UNFOLLOWED else followed

    def read_mark(self) -> Hashable | None:
        """The database's mark, read now: one round trip, seeing the store's own writes."""

        def once() -> Hashable | None:
            with self._read_session() as session:
                session.run("RETURN 1").consume()
                return session.last_bookmarks().raw_values or None

        return self._retrying(once)

    def forget_kept(self) -> None:
        """Drop every kept answer (tests and benchmarks measuring the uncached cost)."""
        self.kept.forget()
        self.kept_rows.forget()

    def refresher(self, interval: float = FOLLOW_SECONDS) -> KeptRefresher:
        """A thread (a context manager) that follows the database's mark for the requests
        and computes the kept answers again in the background after a load
        (`neo4j_kept.KeptRefresher`); the server runs one."""
        return KeptRefresher(self.kept, self.read_mark, interval, followed=self.followed)

    def _retrying(self, call: Callable[[], T]) -> T:
        """`call`, again once if its connection was found dead; `StoreUnreachable` if the
        second attempt finds Neo4j still away."""
        try:
            return call()
        except Exception as exc:
            if not _is_gone(exc):
                raise
        return self._guard(call)

    def _read_session(self) -> Session:
        return self.driver.session(
            database=self.database,
            default_access_mode=READ_ACCESS,
            bookmark_manager=self.driver.execute_query_bookmark_manager,
        )

    def _read_once(self, query: str, params: dict[str, Any]) -> list[Record]:
        with self._read_session() as session:
            try:
                return list(session.run(Query(query, timeout=self.read_timeout), params))
            except Neo4jError as exc:
                if "TransactionTimedOut" in (exc.code or ""):
                    raise ApiError(
                        f"the graph store gave up after {self.read_timeout:g}s "
                        "(limit: per-request time budget)"
                    ) from exc
                raise

    def _guard(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except Exception as exc:
            if _is_gone(exc):
                raise _unreachable(exc) from exc
            raise

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A write session; no followed mark is used while it is open (`FollowedMark`)."""
        with (
            self.followed.writing(),
            self.driver.session(
                database=self.database,
                bookmark_manager=self.driver.execute_query_bookmark_manager,
            ) as session,
        ):
            yield session

    def ensure_schema(self) -> None:
        """A uniqueness constraint (hence an index) on `key` for every label; idempotent."""
        if self._schema_ready:
            return
        for kind in NodeKind:
            self._run_write(cypher.constraint(kind))
        self._run_write(writing.META_CONSTRAINT)
        self._run_write("CALL db.awaitIndexes(300)")
        self._schema_ready = True

    def _run_write(self, query: str) -> None:
        with self.followed.writing():
            self._guard(lambda: self.driver.execute_query(query, database_=self.database))

    def clear(self) -> None:
        """Delete every node and relationship of the database (tests, re-imports)."""
        with self._session() as session:
            self._guard(lambda: session.run(cypher.CLEAR).consume())

    def _run(self, query: str, **params: Any) -> list[Record]:
        """One statement in its own write transaction, on the leader, without a time limit."""
        with self.followed.writing():
            records, _, _ = self._guard(
                lambda: self.driver.execute_query(query, params, database_=self.database)
            )
        return list(records)

    def _run_auto(self, query: str) -> None:
        """An auto-commit statement (`CALL { ... } IN TRANSACTIONS` needs one)."""
        with self._session() as session:
            self._guard(lambda: session.run(query).consume())

    def _write_tx(self, work: Callable[[ManagedTransaction], T]) -> T:
        with self._session() as session:
            return session.execute_write(work)

    def counts(self) -> tuple[int, int]:
        """How many nodes and relationships the database holds."""
        rows = self.run_read(
            f"CALL () {{ MATCH (n) WHERE NOT n:{writing.META_LABEL} RETURN count(n) AS nodes }} "
            "CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } RETURN nodes, rels"
        )
        return int(rows[0]["nodes"]), int(rows[0]["rels"])


def _chunk_rows() -> tuple[int, int]:
    """Rows per write transaction, for nodes and for relationships: $GRAPHAPI_NEO4J_BATCH_ROWS
    for both when set (a smaller server, or finer-grained progress), else the defaults."""
    text = os.environ.get(BATCH_ROWS_ENV, "").strip()
    if not text:
        return NODE_CHUNK_ROWS, EDGE_CHUNK_ROWS
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"${BATCH_ROWS_ENV} must be a positive number of rows, not {text!r}")
    return int(text), int(text)


def _detail(exc: BaseException) -> str:
    """The exception's message on one line (the driver's span several)."""
    message = getattr(exc, "message", None) if isinstance(exc, Neo4jError) else None
    text = " ".join(str(message or exc).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return text or type(exc).__name__
