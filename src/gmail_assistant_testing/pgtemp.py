"""Throwaway PostgreSQL databases on a running server, for tests and benches."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["DEFAULT_PG_ADMIN_URL", "pg_admin_url", "pg_unavailable_reason", "temp_pg_database"]

DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def pg_admin_url() -> str:
    return os.environ.get("GMA_TEST_POSTGRESQL_URL", DEFAULT_PG_ADMIN_URL)


def pg_unavailable_reason() -> str | None:
    """None when the server answers; otherwise a reason to skip."""

    async def probe() -> None:
        import asyncpg

        conn = await asyncpg.connect(pg_admin_url(), timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception as exc:
        return f"PostgreSQL not reachable at {pg_admin_url()}: {type(exc).__name__}: {exc}"
    return None


@contextmanager
def temp_pg_database() -> Iterator[str]:
    """Create a fresh database, yield a `postgresql://` URL to it, drop it afterwards."""
    import asyncpg

    name = f"gma_tmp_{uuid.uuid4().hex[:12]}"
    admin = pg_admin_url()

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{admin.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
