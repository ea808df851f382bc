"""Onboarding tests reuse the sync tests' emulator and settings helpers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "sync"))

from sync_support import OWNER


@pytest.fixture(scope="session")
def _emulator() -> Iterator[Any]:
    from gmail_emulator.testing import run_emulator

    with run_emulator(seed_mailboxes=(OWNER,)) as emu:
        yield emu


@pytest.fixture
def emu(_emulator: Any) -> Any:
    _emulator.state.reset()
    return _emulator
