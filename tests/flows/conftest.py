"""Fixtures for the mail-flow tests: an emulator and a fake LLM, both over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flow_support import Stack, servers


@pytest.fixture(
    params=[
        pytest.param(False, id="in-process"),
        pytest.param(True, id="server-process", marks=pytest.mark.e2e),
    ]
)
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    """Every flow test runs twice: against the container in this process, and against the
    real server process (`uvicorn src.main:app`) the deployment runs."""
    with servers() as (emulator, fake):
        yield Stack(emulator, fake, process=bool(request.param))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'flows.db'}"
