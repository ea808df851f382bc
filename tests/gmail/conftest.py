"""Fixtures for the Gmail adapter tests, on the shared emulator (tests/conftest.py `emu`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from gmail_doubles import OWNER, CallLog, RecordingSleep
from google.oauth2.credentials import Credentials

from gmail_assistant.gmail.budget import QuotaBudget
from gmail_assistant.gmail.client import GmailClient


@pytest.fixture
def sleeper() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def call_log() -> CallLog:
    return CallLog()


@pytest.fixture
def make_client(
    emu: Any, sleeper: RecordingSleep, call_log: CallLog
) -> Iterator[Callable[..., GmailClient]]:
    made: list[GmailClient] = []

    def make(*, max_retries: int = 5, email: str = OWNER, **kwargs: Any) -> GmailClient:
        client = GmailClient(
            credentials=kwargs.pop("credentials", Credentials(token=f"emu:{email}")),
            api_endpoint=emu.url,
            budget=kwargs.pop("budget", QuotaBudget(units_per_second=100_000)),
            max_retries=max_retries,
            sleep=sleeper,
            on_call=call_log,
            **kwargs,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., GmailClient]) -> GmailClient:
    return make_client()
