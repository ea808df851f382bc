"""The async engine and the ways to use it: read sessions and write transactions.

SQLite allows one writer at a time. Write transactions start with `BEGIN IMMEDIATE` (so a
reader never upgrades into a deadlock) and, inside one process, queue on an asyncio lock
instead of spinning in SQLite's busy handler; `busy_timeout` covers other processes.

`run_read` / `run_write` take a plain function of a sync `Session` for the units on every
job's path. On SQLite the whole unit runs in one trip to a database thread (aiosqlite makes
three or four trips per statement, each a thread hand-off and an event-loop wake-up); on
PostgreSQL it runs on the async engine through `AsyncSession.run_sync`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker

from gmail_assistant.settings import DatabaseSettings

__all__ = ["Database"]

T = TypeVar("T")

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA busy_timeout=10000",
    "PRAGMA foreign_keys=ON",
    # FULL: every commit reaches the disk (one WAL fsync, ~0.25 ms here, off the event loop).
    # With NORMAL a commit waits for the next checkpoint; a disk that fails or turns
    # read-only before then takes every commit since with it — onboarding included (the
    # storage reliability test saw exactly that).
    "PRAGMA synchronous=FULL",
)


class Database:
    def __init__(self, *, url: str, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.backend = "sqlite" if url.startswith("sqlite") else "postgresql"
        kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": self.backend != "sqlite"}
        if self.backend == "postgresql":
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
        else:
            kwargs.update(pool_size=pool_size, max_overflow=0)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self._write_lock = asyncio.Lock() if self.backend == "sqlite" else None
        self._sync: _SyncSqlite | None = None
        if self.backend == "sqlite":
            _install_sqlite_hooks(self.engine.sync_engine)
            self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
            self._sync = _SyncSqlite(url, pool_size)
        else:
            self._write_engine = self.engine
        self._read_sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = async_sessionmaker(self._write_engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: DatabaseSettings) -> Database:
        return cls(url=settings.sqlalchemy_url(), pool_size=settings.pool_size)

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @property
    def sqlite_write_lock(self) -> asyncio.Lock | None:
        """The in-process writer lock on SQLite (None on PostgreSQL).

        Anything else in this process that writes to the same SQLite file (the driver
        connector, `db.connector`) takes it too, so writers queue here instead of in SQLite's
        busy handler.
        """
        return self._write_lock

    @contextlib.asynccontextmanager
    async def _writer(self) -> AsyncIterator[None]:
        if self._write_lock is None:
            yield
            return
        async with self._write_lock:
            yield

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries; nothing it does is committed."""
        async with self._read_sessions() as session:
            yield session

    # The writer lock covers checkout and BEGIN … COMMIT; returning the connection to the
    # pool (a reset round trip through the driver's thread) happens after it is released.

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """An ORM session in one write transaction, committed on success."""
        async with self._write_sessions() as session, self._writer(), session.begin():
            yield session

    @contextlib.asynccontextmanager
    async def write_connection(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection in one write transaction (e.g. the scheduler's tick claims)."""
        conn: AsyncConnection | None = None
        try:
            # Checked out under the lock: writers waiting for it must not hold pool slots.
            async with self._writer():
                conn = await self._write_engine.connect()
                async with conn.begin():
                    yield conn
        finally:
            if conn is not None:
                await conn.close()

    async def run_read(self, fn: Callable[[Session], T]) -> T:
        """`fn(session)` for queries; nothing it does is committed."""
        if self._sync is None:
            async with self.read() as session:
                return await session.run_sync(fn)
        return await self._sync.read(fn)

    async def run_write(self, fn: Callable[[Session], T]) -> T:
        """`fn(session)` in one write transaction, committed when it returns."""
        if self._sync is None:
            async with self.transaction() as session:
                return await session.run_sync(fn)
        async with self._writer():
            return await self._sync.write(fn)

    async def dispose(self) -> None:
        if self._sync is not None:
            self._sync.close()
        await self.engine.dispose()


class _SyncSqlite:
    """The same SQLite file through the stdlib driver, for `run_read` / `run_write`.

    Writes get one thread (the writer lock lets one through at a time anyway), reads two of
    their own, so a read never waits behind a write's commit.
    """

    def __init__(self, url: str, pool_size: int) -> None:
        sync_url = make_url(url).set(drivername="sqlite")
        # Connections move between the executors' threads, one user at a time.
        self.engine: Engine = create_engine(
            sync_url,
            pool_size=pool_size,
            max_overflow=0,
            connect_args={"check_same_thread": False},
        )
        _install_sqlite_hooks(self.engine)
        write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._reads = sessionmaker(self.engine, expire_on_commit=False)
        self._writes = sessionmaker(write_engine, expire_on_commit=False)
        self._reader = ThreadPoolExecutor(2, thread_name_prefix="sqlite-read")
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="sqlite-write")

    async def read(self, fn: Callable[[Session], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._reader, self._read, fn)

    async def write(self, fn: Callable[[Session], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer, self._write, fn)

    def _read(self, fn: Callable[[Session], T]) -> T:
        with self._reads() as session:
            return fn(session)

    def _write(self, fn: Callable[[Session], T]) -> T:
        with self._writes() as session, session.begin():
            return fn(session)

    def close(self) -> None:
        self._reader.shutdown(wait=True)
        self._writer.shutdown(wait=True)
        self.engine.dispose()


def _install_sqlite_hooks(sync_engine: Engine) -> None:
    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
