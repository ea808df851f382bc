"""Hot statements on a driver connection of their own: one small connector per backend.

The app's SQLAlchemy engine serves everything else. The job queue (`jobs.sql`), the LLM call
audit (`llm_calls`) and the own-write records run single statements thousands of times on
the path of every job, and a pooled SQLAlchemy checkout costs more than such a statement
(aiosqlite's reset round trips). A connector offers autocommit statements and explicit
transactions; both translate a unique-index hit into `UniqueViolation`. Statements are
`Query` objects, written once with `:name` parameters and rendered per backend.

- `SqliteConnector`: one stdlib `sqlite3` connection on a single-thread executor, the same
  PRAGMAs as the app's engine (but `synchronous=NORMAL` outside durable transactions), and
  the app's in-process writer lock around every write.
- `PostgresConnector`: an asyncpg pool whose sessions default to `synchronous_commit = off`;
  only `transaction(durable=True)` waits for the WAL flush.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy.engine import make_url

from gmail_assistant.db.database import SQLITE_PRAGMAS, Database

__all__ = [
    "Connector",
    "ConnectorSession",
    "PostgresConnector",
    "Query",
    "Row",
    "SqliteConnector",
    "UniqueViolation",
    "connector_for",
    "parse_time",
]

_PARAM = re.compile(r"(?<![:\w]):([a-z_]+)")


@dataclass(frozen=True)
class Query:
    """One named statement, ready for either driver."""

    name: str
    sqlite: str
    postgresql: str
    names: tuple[str, ...]  # the order of `$n` in the PostgreSQL text

    @classmethod
    def build(cls, name: str, sql: str, *, postgresql: str | None = None) -> Query:
        pg_source = postgresql if postgresql is not None else sql
        order: list[str] = []

        def number(match: re.Match[str]) -> str:
            if match.group(1) not in order:
                order.append(match.group(1))
            return f"${order.index(match.group(1)) + 1}"

        return cls(name, sql, _PARAM.sub(number, pg_source), tuple(order))

    @property
    def writes(self) -> bool:
        return not self.sqlite.lstrip().upper().startswith("SELECT")

    def args(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(params[name] for name in self.names)


Row = dict[str, Any]
T = TypeVar("T")
_NO_PARAMS: Mapping[str, Any] = {}


class UniqueViolation(Exception):
    """A write hit a unique index (e.g. the one-pending-job-per-key de-duplication index)."""


def parse_time(value: Any) -> datetime | None:
    """A timestamp read back from either backend, as aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite keeps SQLAlchemy's text form
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value


class ConnectorSession(abc.ABC):
    """Statements inside one transaction."""

    @abc.abstractmethod
    async def execute(self, query: Query, params: Mapping[str, Any] = _NO_PARAMS) -> int:
        """Run a statement; returns the number of rows it changed."""

    @abc.abstractmethod
    async def fetch_all(self, query: Query, params: Mapping[str, Any] = _NO_PARAMS) -> list[Row]:
        """Run a statement; returns its rows (also for `… RETURNING`)."""

    async def fetch_one(self, query: Query, params: Mapping[str, Any] = _NO_PARAMS) -> Row | None:
        rows = await self.fetch_all(query, params)
        return rows[0] if rows else None


class Connector(ConnectorSession):
    """Autocommit statements (the `ConnectorSession` methods) plus explicit transactions."""

    backend: ClassVar[str]

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect (idempotent; the first statement also connects)."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    async def __aenter__(self) -> Connector:
        await self.open()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    @abc.abstractmethod
    def transaction(
        self, *, durable: bool = True
    ) -> contextlib.AbstractAsyncContextManager[ConnectorSession]:
        """One write transaction; `durable=False` may skip waiting for the disk on commit."""


class SqliteConnector(Connector):
    backend = "sqlite"

    def __init__(self, *, path: str, write_lock: asyncio.Lock | None = None) -> None:
        self.path = path
        # Shared with the app's `Database`: one writer at a time inside this process.
        self._write_lock = write_lock or asyncio.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        if self._executor is None:
            # Set before the first await: a concurrent first statement queues behind connect.
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="queue-sqlite")
            await self._call(self._connect)

    async def close(self) -> None:
        if self._executor is None:
            return
        if self._conn is not None:
            await self._call(self._conn.close)
            self._conn = None
        self._executor.shutdown(wait=True)
        self._executor = None

    def _connect(self) -> None:
        # isolation_level=None: autocommit; transactions only where we say BEGIN.
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
        for pragma in SQLITE_PRAGMAS:
            conn.execute(pragma)
        conn.execute("PRAGMA synchronous=NORMAL")  # FULL only inside durable transactions
        self._conn = conn

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            await self.open()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    def _run_sync(self, sql: str, params: Mapping[str, Any], rows: bool) -> Any:
        assert self._conn is not None
        bound = {
            key: _naive_utc(value).isoformat(" ", "microseconds")
            if isinstance(value, datetime)
            else value
            for key, value in params.items()
        }
        try:
            cursor = self._conn.execute(sql, bound)
            try:
                if not rows:
                    return cursor.rowcount
                names = [column[0] for column in cursor.description or ()]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            finally:
                cursor.close()
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc):
                raise UniqueViolation(str(exc)) from exc
            raise

    async def _statement(self, query: Query, params: Mapping[str, Any], rows: bool) -> Any:
        if not query.writes:
            return await self._call(self._run_sync, query.sqlite, params, rows)
        async with self._write_lock:
            # One statement in autocommit mode is its own transaction: no BEGIN IMMEDIATE.
            return await self._call(self._run_sync, query.sqlite, params, rows)

    async def execute(self, query: Query, params: Mapping[str, Any] = _NO_PARAMS) -> int:
        return int(await self._statement(query, params, rows=False))

    async def fetch_all(self, query: Query, params: Mapping[str, Any] = _NO_PARAMS) -> list[Row]:
        result: list[Row] = await self._statement(query, params, rows=True)
        return result

    @contextlib.asynccontextmanager
    async def transaction(self, *, durable: bool = True) -> AsyncIterator[ConnectorSession]:
        # As on PostgreSQL, only a durable transaction waits for the disk: its commit syncs
        # the WAL (and with it every earlier commit, the WAL being sequential). A claim or a
        # completion lost to a crash only means the job runs again.
        begin = ("PRAGMA synchronous=FULL", "BEGIN IMMEDIATE") if durable else ("BEGIN IMMEDIATE",)
        end = ("PRAGMA synchronous=NORMAL",) if durable else ()
        async with self._write_lock:
            await self._call(self._run_script, begin)
            try:
                yield _SqliteTransaction(self)
            except BaseException:
                await self._call(self._run_script, ("ROLLBACK", *end))
                raise
            await self._call(self._run_script, ("COMMIT", *end))

    def _run_script(self, statements: tuple[str, ...]) -> None:
        assert self._conn is not None
        for sql in statements:
            self._conn.execute(sql).close()


class _SqliteTransaction(ConnectorSession):
    def __init__(self, connector: SqliteConnector) -> None:
        self._connector = connector

    async def execute(self, query: Query, params: Mapping[str, Any] = _NO_PARAMS) -> int:
        return int(
            await self._connector._call(self._connector._run_sync, query.sqlite, params, False)
        )

    async def fetch_all(self, query: Query, params: Mapping[str, Any] = _NO_PARAMS) -> list[Row]:
        result: list[Row] = await self._connector._call(
            self._connector._run_sync, query.sqlite, params, True
        )
        return result


class PostgresConnector(Connector):
    backend = "postgresql"

    def __init__(self, *, dsn: str, pool_size: int = 10) -> None:
        self.dsn = dsn
        self.pool_size = pool_size
        self._pool: Any = None
        self._opening = asyncio.Lock()

    async def open(self) -> None:
        import asyncpg

        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self.dsn,
                    min_size=1,
                    max_size=self.pool_size,
                    # Claims, completions, retries, heartbeats and recovery commit without
                    # waiting for the WAL flush. A server crash can lose the last few of them;
                    # that only makes a job run again, and handlers are idempotent. Enqueue
                    # turns synchronous commit back on: a job the caller was told exists
                    # must survive a crash. The queue's few statements run thousands of times
                    # with the same shape: a generic plan saves re-planning each claim.
                    server_settings={
                        "synchronous_commit": "off",
                        "plan_cache_mode": "force_generic_plan",
                    },
                    reset=_keep_session,
                )

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    async def _acquire(self) -> Any:
        if self._pool is None:
            await self.open()
        return self._pool.acquire()

    async def execute(self, query: Query, params: Mapping[str, Any] = _NO_PARAMS) -> int:
        async with await self._acquire() as conn:
            return await _pg_execute(conn, query, params)

    async def fetch_all(self, query: Query, params: Mapping[str, Any] = _NO_PARAMS) -> list[Row]:
        async with await self._acquire() as conn:
            return await _pg_fetch(conn, query, params)

    @contextlib.asynccontextmanager
    async def transaction(self, *, durable: bool = True) -> AsyncIterator[ConnectorSession]:
        async with await self._acquire() as conn, conn.transaction():
            if durable:
                await conn.execute("SET LOCAL synchronous_commit = on")
            yield _PgTransaction(conn)


class _PgTransaction(ConnectorSession):
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def execute(self, query: Query, params: Mapping[str, Any] = _NO_PARAMS) -> int:
        return await _pg_execute(self._conn, query, params)

    async def fetch_all(self, query: Query, params: Mapping[str, Any] = _NO_PARAMS) -> list[Row]:
        return await _pg_fetch(self._conn, query, params)


async def _keep_session(_conn: Any) -> None:
    """Pool release without the default reset round trip: no statement leaves session state."""


def _pg_args(query: Query, params: Mapping[str, Any]) -> list[Any]:
    return [_naive_utc(v) if isinstance(v, datetime) else v for v in query.args(params)]


async def _pg_execute(conn: Any, query: Query, params: Mapping[str, Any]) -> int:
    import asyncpg

    try:
        status: str = await conn.execute(query.postgresql, *_pg_args(query, params))
    except asyncpg.UniqueViolationError as exc:
        raise UniqueViolation(str(exc)) from exc
    count = status.rsplit(" ", 1)[-1]
    return int(count) if count.isdigit() else 0


async def _pg_fetch(conn: Any, query: Query, params: Mapping[str, Any]) -> list[Row]:
    import asyncpg

    try:
        records = await conn.fetch(query.postgresql, *_pg_args(query, params))
    except asyncpg.UniqueViolationError as exc:
        raise UniqueViolation(str(exc)) from exc
    return [dict(record) for record in records]


def connector_for(database: Database, *, pool_size: int = 10) -> Connector:
    """The connector for the database the app uses (not yet connected)."""
    url = make_url(database.url)
    if database.is_sqlite:
        if not url.database or url.database == ":memory:":
            raise ValueError("the connector needs a SQLite file, not an in-memory database")
        return SqliteConnector(path=url.database, write_lock=database.sqlite_write_lock)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return PostgresConnector(dsn=dsn, pool_size=pool_size)
