"""The emulator tests use the shared emulator (tests/conftest.py `emu`), wiped per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gmail_emulator.testing import RunningEmulator, gmail_service

OWNER = "owner@example.com"


@pytest.fixture
def gmail(emu: RunningEmulator) -> Iterator[Any]:
    """The real googleapiclient Gmail service for owner@example.com."""
    service = gmail_service(emu.url, OWNER)
    yield service
    service.close()
