"""Fixtures for the mail-flow tests: an emulator and a fake LLM, both over real HTTP."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parent / "sync")]

from flow_support import servers  # noqa: E402

from gmail_assistant.llm.fake_server import FakeLlm  # noqa: E402
from gmail_emulator.testing import RunningEmulator  # noqa: E402


@pytest.fixture
def stack() -> Iterator[tuple[RunningEmulator, FakeLlm]]:
    with servers() as pair:
        yield pair


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'flows.db'}"
