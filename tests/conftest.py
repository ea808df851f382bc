"""Shared fixtures: the async backend, a real database per backend, one Gmail emulator."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from dbfixtures import (
    BACKENDS,
    database_url,
    postgres_unavailable_reason,
    temp_postgres_database,
)

# Property tests draw the same examples on every run, so a red CI run is reproducible and a
# green one stays green; `HYPOTHESIS_PROFILE=explore` draws new ones each run. No deadline:
# tests never time themselves (a slow, loaded machine is not a failure).
settings.register_profile("repeatable", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


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


@pytest.fixture(scope="session")
def _emulator_server() -> Iterator[Any]:
    """One Gmail emulator (owner@example.com seeded) for the whole run."""
    from gmail_emulator.testing import run_emulator

    with run_emulator() as emulator:
        yield emulator


@pytest.fixture
def emu(_emulator_server: Any) -> Any:
    """The shared emulator, wiped back to its seeded mailbox (no faults, no calls)."""
    _emulator_server.state.reset()
    return _emulator_server
