"""One emulator server per test session; every test gets it wiped clean."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gmail_emulator.testing import RunningEmulator, gmail_service, run_emulator

OWNER = "owner@example.com"


@pytest.fixture(scope="session")
def _server() -> Iterator[RunningEmulator]:
    with run_emulator() as emu:
        yield emu


@pytest.fixture
def emu(_server: RunningEmulator) -> RunningEmulator:
    _server.state.reset()
    return _server


@pytest.fixture
def gmail(emu: RunningEmulator) -> Iterator[Any]:
    """The real googleapiclient Gmail service for owner@example.com."""
    service = gmail_service(emu.url, OWNER)
    yield service
    service.close()
