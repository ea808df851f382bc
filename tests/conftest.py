"""Shared fixtures: the async backend and a real database per backend."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from dbfixtures import (
    BACKENDS,
    database_url,
    postgres_unavailable_reason,
    temp_postgres_database,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database, once on SQLite and once on PostgreSQL."""
    backend = request.param
    if backend == "postgresql":
        reason = postgres_unavailable_reason()
        if reason:
            pytest.skip(reason)
        with temp_postgres_database() as pg_url:
            yield database_url(backend, tmp_path, pg_url)
    else:
        yield database_url(backend, tmp_path, None)


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    """A URL (asyncpg dialect) to an empty PostgreSQL database; skips when none answers."""
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    with temp_postgres_database() as url:
        yield database_url("postgresql", tmp_path, url)
