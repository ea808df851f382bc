"""A revoked grant and Gmail's rate-limit texts: what the adapter makes of them.

A revoked refresh token is an alert, not a retry loop: the call fails with
`GmailTokenRevoked`, the factory's `TokenAlerts` shows the mailbox, the metric counts it,
and the job queue fails the job at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httplib2
import pytest
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError
from prometheus_client import CollectorRegistry

from gmail_assistant.gmail.errors import (
    GmailAuthError,
    GmailRateLimited,
    GmailTokenRevoked,
    retry_after_in_message,
    translate_error,
)
from gmail_assistant.gmail.factory import GmailClientFactory
from gmail_assistant.jobs.retry import PermanentJobError, RetryPolicy
from gmail_assistant.observability.metrics import Metrics
from gmail_assistant.settings import AuthSettings, GmailSettings, Settings

OWNER = "owner@example.com"
NOW = datetime(2026, 12, 3, 15, 29, 0, tzinfo=UTC)


def _http_error(status: int, message: str, reason: str, headers: dict[str, str]) -> HttpError:
    body = {"error": {"code": status, "message": message, "errors": [{"reason": reason}]}}
    return HttpError(httplib2.Response({"status": status, **headers}), json.dumps(body).encode())


def test_the_wait_in_a_429_message_is_read() -> None:
    text = "User-rate limit exceeded.  Retry after 2026-12-03T15:30:00.123Z"
    assert retry_after_in_message(text, now=NOW) == pytest.approx(60.123)
    assert retry_after_in_message("Retry after 2026-12-03T15:29:30+00:00", now=NOW) == 30.0
    assert retry_after_in_message("Retry after 2020-01-01T00:00:00Z", now=NOW) == 0.0
    assert retry_after_in_message("User-rate limit exceeded.", now=NOW) is None
    assert retry_after_in_message("Retry after later", now=NOW) is None


def test_a_429_without_header_takes_its_wait_from_the_message() -> None:
    error = translate_error(
        _http_error(429, "User-rate limit exceeded.  Retry after 2999-01-01T00:00:00Z", "x", {}),
        "messages.get",
    )
    assert isinstance(error, GmailRateLimited)
    assert error.retry_after is not None and error.retry_after > 3600
    # A Retry-After header, where one exists, still counts.
    with_header = translate_error(
        _http_error(429, "Retry after 2999-01-01T00:00:00Z", "x", {"retry-after": "5"}), "x"
    )
    assert with_header is not None and with_header.retry_after == 5.0


def test_403_rate_limit_reasons_are_rate_limits_other_403s_are_auth() -> None:
    for reason in ("userRateLimitExceeded", "rateLimitExceeded"):
        error = translate_error(_http_error(403, "Rate Limit Exceeded", reason, {}), "x")
        assert isinstance(error, GmailRateLimited), reason
    denied = translate_error(_http_error(403, "Insufficient", "insufficientPermissions", {}), "x")
    assert isinstance(denied, GmailAuthError) and not isinstance(denied, GmailTokenRevoked)


def test_invalid_grant_is_a_revoked_token_and_permanent_for_jobs() -> None:
    refused = RefreshError(
        "invalid_grant: Token has been expired or revoked.",
        {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
    )
    error = translate_error(refused, "messages.get")
    assert isinstance(error, GmailTokenRevoked) and error.status == "revoked"
    other = translate_error(RefreshError("invalid_client: bad client"), "x")
    assert isinstance(other, GmailAuthError) and not isinstance(other, GmailTokenRevoked)
    policy = RetryPolicy()
    assert not policy.decide(error=error, attempts=1, max_attempts=5, now=NOW).retry
    assert not policy.decide(error=other, attempts=1, max_attempts=5, now=NOW).retry
    assert not policy.decide(error=PermanentJobError(), attempts=1, max_attempts=5, now=NOW).retry
    rate = GmailRateLimited("x", retry_after=30)
    decision = policy.decide(error=rate, attempts=1, max_attempts=5, now=NOW)
    assert decision.retry and decision.run_after is not None
    assert (decision.run_after - NOW).total_seconds() >= 30


def _factory(emu: Any, tmp_path: Path, metrics: Metrics) -> GmailClientFactory:
    token = tmp_path / "token.json"
    token.write_text(
        json.dumps(
            {
                "refresh_token": f"emu-refresh:{OWNER}",
                "client_id": "id",
                "client_secret": "placeholder",
                "token_uri": f"{emu.url}/token",
            }
        )
    )
    settings = Settings(
        auth=AuthSettings(token_file=token, credentials_file=tmp_path / "credentials.json"),
        gmail=GmailSettings(api_endpoint=emu.url),
    )
    # The app's metrics as the observer, as the container wires it.
    return GmailClientFactory(settings=settings, on_call=metrics.record_gmail_call)


def test_a_revoked_grant_raises_an_alert_until_access_returns(
    emu: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Metrics(CollectorRegistry())
    factory = _factory(emu, tmp_path, metrics)
    client = factory.for_user(OWNER)
    try:
        assert asyncio.run(client.get_profile()).email == OWNER
        assert factory.token_alerts.current() == []

        emu.state.set_token_revoked(OWNER)
        with caplog.at_level(logging.ERROR, logger="gmail_assistant.gmail.auth"):
            for _ in range(2):
                with pytest.raises(GmailTokenRevoked):
                    asyncio.run(client.list_labels())
        (alert,) = factory.token_alerts.current()
        assert (alert.email, alert.method) == (OWNER, "labels.list")
        revoked_logs = [r for r in caplog.records if "Gmail access revoked" in r.getMessage()]
        assert len(revoked_logs) == 1  # one log line per outage, not one per call
        rendered = metrics.render().decode()
        assert "gma_gmail_token_revoked_total 2.0" in rendered
        assert 'gma_gmail_calls_total{method="labels.list",status="revoked"} 2.0' in rendered
        # One refused refresh per call: nothing was retried.
        assert emu.calls()["calls"].get("labels.list", 0) <= 2

        emu.state.set_token_revoked(OWNER, revoked=False)
        assert asyncio.run(client.list_labels())
        assert factory.token_alerts.current() == []
    finally:
        factory.close()
