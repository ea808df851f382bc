"""Fixtures for the Gmail adapter tests: one emulator per session, wiped for every test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from google.oauth2.credentials import Credentials

from gmail_assistant.gmail.budget import QuotaBudget
from gmail_assistant.gmail.client import GmailClient

OWNER = "owner@example.com"


class RecordingSleep:
    """An async sleep that returns at once and remembers what it was asked to wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class CallLog:
    """The `on_call` observer: every attempt as (method, status, units)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int | str, int]] = []

    def __call__(self, method: str, status: int | str, units: int) -> None:
        self.calls.append((method, status, units))

    def statuses(self, method: str) -> list[int | str]:
        return [status for m, status, _ in self.calls if m == method]


@pytest.fixture(scope="session")
def _gmail_server() -> Iterator[Any]:
    from gmail_emulator.testing import run_emulator

    with run_emulator(seed_mailboxes=(OWNER,)) as emu:
        yield emu


@pytest.fixture
def emu(_gmail_server: Any) -> Any:
    _gmail_server.state.reset()
    return _gmail_server


@pytest.fixture
def sleeper() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def call_log() -> CallLog:
    return CallLog()


@pytest.fixture
def make_client(emu: Any, sleeper: RecordingSleep, call_log: CallLog) -> Callable[..., GmailClient]:
    def make(*, max_retries: int = 5, email: str = OWNER, **kwargs: Any) -> GmailClient:
        return GmailClient(
            credentials=kwargs.pop("credentials", Credentials(token=f"emu:{email}")),
            api_endpoint=emu.url,
            budget=kwargs.pop("budget", QuotaBudget(units_per_second=100_000)),
            max_retries=max_retries,
            sleep=sleeper,
            on_call=call_log,
            **kwargs,
        )

    return make


@pytest.fixture
def client(make_client: Callable[..., GmailClient]) -> GmailClient:
    return make_client()
