"""Retries against injected faults: 429 and 403 rate limits, 5xx bursts, resets; no retry on
400 or other 403s."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from gmail_doubles import OWNER, CallLog, RecordingSleep

from gmail_assistant.gmail.budget import QuotaBudget
from gmail_assistant.gmail.client import GmailClient
from gmail_assistant.gmail.errors import (
    GmailAuthError,
    GmailBadRequest,
    GmailRateLimited,
    GmailUnavailable,
)


def _mail(emu: Any) -> str:
    return str(emu.deliver(OWNER, sender="a@example.com", subject="s", body="b").id)


def test_429_with_retry_after_is_honoured(
    emu: Any, client: GmailClient, sleeper: RecordingSleep, call_log: CallLog
) -> None:
    message_id = _mail(emu)
    emu.set_faults(fail_next=2, statuses=[429], retry_after=7, methods=["messages.get"])
    message = asyncio.run(client.get_message(message_id))
    assert message.id == message_id
    assert call_log.statuses("messages.get") == [429, 429, 200]
    # Gmail names the wait only in the message ("Retry after <RFC 3339 time>"), 7 s ahead
    # when it answered; a little of it has passed by the time the client reads it.
    assert len(sleeper.delays) == 2 and all(6 < delay <= 7 for delay in sleeper.delays)
    assert emu.calls()["calls"]["messages.get"] == 3


def test_5xx_bursts_are_retried(
    emu: Any, make_client: Callable[..., GmailClient], call_log: CallLog
) -> None:
    ids = [_mail(emu) for _ in range(10)]
    client = make_client(max_retries=12)
    emu.set_faults(error_rate=0.5, statuses=[500, 503], retry_after=None, seed=11)

    async def fetch_all() -> list[str]:
        return [(await client.get_message(i)).id for i in ids]

    assert asyncio.run(fetch_all()) == ids
    statuses = call_log.statuses("messages.get")
    assert statuses.count(200) == 10
    assert {500, 503} & set(statuses)  # the faults really happened


def test_connection_resets_are_retried(
    emu: Any, make_client: Callable[..., GmailClient], call_log: CallLog
) -> None:
    ids = [_mail(emu) for _ in range(8)]
    client = make_client(max_retries=12)
    emu.set_faults(reset_rate=0.5, seed=5, methods=["messages.get"])

    async def fetch_all() -> list[str]:
        return [(await client.get_message(i)).id for i in ids]

    assert asyncio.run(fetch_all()) == ids
    assert emu.calls()["faults_injected"].get("reset", 0) > 0
    statuses = call_log.statuses("messages.get")
    assert statuses.count(200) == 8
    assert "connection" in statuses  # the reset reached our retry loop


def test_retries_exhausted_raise_unavailable(
    emu: Any, make_client: Callable[..., GmailClient], sleeper: RecordingSleep
) -> None:
    client = make_client(max_retries=2)
    emu.set_faults(fail_next=10, statuses=[503], retry_after=None)
    with pytest.raises(GmailUnavailable) as caught:
        asyncio.run(client.get_profile())
    assert caught.value.status == 503
    assert len(sleeper.delays) == 2
    assert emu.calls()["calls"]["getProfile"] == 3


def test_rate_limit_exhausted_stays_rate_limited(
    emu: Any, make_client: Callable[..., GmailClient]
) -> None:
    client = make_client(max_retries=1)
    emu.set_faults(fail_next=5, statuses=[429], retry_after=2)
    with pytest.raises(GmailRateLimited) as caught:
        asyncio.run(client.list_labels())
    assert caught.value.retry_after is not None and 1 < caught.value.retry_after <= 2


@pytest.mark.parametrize("reason", ["userRateLimitExceeded", "rateLimitExceeded"])
def test_403_rate_limits_are_retried_like_429(
    emu: Any, client: GmailClient, sleeper: RecordingSleep, call_log: CallLog, reason: str
) -> None:
    emu.set_faults(fail_next=2, statuses=[403], reason=reason, methods=["labels.list"])
    labels = asyncio.run(client.list_labels())
    assert any(label.id == "INBOX" for label in labels)
    assert call_log.statuses("labels.list") == [403, 403, 200]
    assert len(sleeper.delays) == 2


def test_other_403s_fail_at_once(emu: Any, client: GmailClient, call_log: CallLog) -> None:
    emu.set_faults(fail_next=1, statuses=[403], methods=["labels.list"])
    with pytest.raises(GmailAuthError):
        asyncio.run(client.list_labels())
    assert call_log.statuses("labels.list") == [403]


def test_400_is_not_retried(
    emu: Any, client: GmailClient, sleeper: RecordingSleep, call_log: CallLog
) -> None:
    emu.set_faults(fail_next=1, statuses=[400])
    with pytest.raises(GmailBadRequest):
        asyncio.run(client.list_labels())
    assert sleeper.delays == []
    assert call_log.statuses("labels.list") == [400]
    assert asyncio.run(client.list_labels())  # the next call is fine


def test_quota_budget_paces_calls(emu: Any, make_client: Callable[..., GmailClient]) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    budget = QuotaBudget(units_per_second=10, sleep=record, clock=lambda: 0.0)
    client = make_client(budget=budget)
    message_id = _mail(emu)

    async def three_gets() -> None:
        for _ in range(3):  # 15 units from a 10-unit bucket on a frozen clock
            await client.get_message(message_id)

    asyncio.run(three_gets())
    assert waits == [pytest.approx(0.5)]
