"""Fixtures for the LLM layer: one event loop, one fake server, gateways wired to it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from llm_support import Run, Wired

from gmail_assistant.llm import InMemoryRecorder, LlmGateway
from gmail_assistant.settings import LlmSettings
from gmail_assistant_testing.fake_llm import FakeLlm, run_fake_llm


@pytest.fixture(scope="session")
def run() -> Iterator[Run[Any]]:
    """Run a coroutine on one loop shared by the whole session.

    LiteLLM keeps HTTP clients and a logging queue bound to the loop that first used them;
    a fresh loop per test would only exercise its loop-change recovery.
    """
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeLlm]:
    with run_fake_llm() as fake:
        yield fake


@pytest.fixture
def fake(fake_server: FakeLlm, monkeypatch: pytest.MonkeyPatch) -> FakeLlm:
    fake_server.reset()
    fake_server.latency_ms = 0
    fake_server.latency_by_purpose.clear()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-placeholder-for-the-fake-server")
    return fake_server


@pytest.fixture
def wire(fake: FakeLlm) -> Callable[..., Wired]:
    """A gateway pointed at the fake server; backoff sleeps are recorded, not slept."""

    def build(**settings: Any) -> Wired:
        values: dict[str, Any] = {"api_base": fake.base_url, "timeout_seconds": 5.0}
        values.update(settings)
        recorder = InMemoryRecorder()
        sleeps: list[float] = []

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)

        gateway = LlmGateway(settings=LlmSettings(**values), recorder=recorder, sleep=sleep)
        return Wired(gateway, recorder, sleeps)

    return build
