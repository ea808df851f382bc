"""Real databases for tests: a temp SQLite file, or a fresh database on a PostgreSQL server.

PostgreSQL comes from `GMA_TEST_POSTGRESQL_URL` (CI sets it) or the machine's local server at
127.0.0.1:5432; where none answers, the PostgreSQL variants skip with the reason.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from gmail_assistant.db import Database
from gmail_assistant.db.migrate import upgrade
from gmail_assistant_testing.pgtemp import pg_unavailable_reason, temp_pg_database

__all__ = [
    "BACKENDS",
    "database_url",
    "migrated_database",
    "postgres_unavailable_reason",
    "temp_postgres_database",
]

BACKENDS = ("sqlite", "postgresql")
temp_postgres_database = temp_pg_database
postgres_unavailable_reason = functools.cache(pg_unavailable_reason)


def database_url(backend: str, tmp_path: Path, pg_url: str | None) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    assert pg_url is not None
    return pg_url.replace("postgresql://", "postgresql+asyncpg://", 1)


@asynccontextmanager
async def migrated_database(url: str, pool_size: int = 10) -> AsyncIterator[Database]:
    db = Database(url=url, pool_size=pool_size)
    await upgrade(db)
    try:
        yield db
    finally:
        await db.dispose()
