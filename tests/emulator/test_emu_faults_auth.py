"""Fault injection, the OAuth token endpoint, and call/quota accounting."""

from __future__ import annotations

import base64
import http.client
import json
import re
from datetime import datetime
from typing import Any

import httplib2
import httpx
import pytest
from google.auth.exceptions import RefreshError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from gmail_emulator.testing import RunningEmulator


def test_429_carries_the_wait_only_in_its_message(emu: RunningEmulator, gmail: Any) -> None:
    emu.set_faults(fail_next=1, statuses=[429], retry_after=7)
    with pytest.raises(HttpError) as info:
        gmail.users().messages().list(userId="me").execute()
    assert info.value.status_code == 429
    assert "retry-after" not in info.value.resp
    error = json.loads(info.value.content)["error"]
    assert error["errors"][0]["reason"] == "rateLimitExceeded"
    assert error["status"] == "RESOURCE_EXHAUSTED"
    match = re.fullmatch(
        r"User-rate limit exceeded\.  Retry after (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)",
        error["message"],
    )
    assert match is not None, error["message"]
    until = datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))
    assert until.tzinfo is not None
    assert gmail.users().messages().list(userId="me").execute()["resultSizeEstimate"] == 0


@pytest.mark.parametrize("reason", ["userRateLimitExceeded", "rateLimitExceeded"])
def test_403_rate_limit_reasons_can_be_injected(
    emu: RunningEmulator, gmail: Any, reason: str
) -> None:
    emu.set_faults(fail_next=1, statuses=[403], reason=reason)
    with pytest.raises(HttpError) as info:
        gmail.users().labels().list(userId="me").execute()
    assert info.value.status_code == 403
    assert json.loads(info.value.content)["error"]["errors"][0] == {
        "message": "User Rate Limit Exceeded"
        if reason == "userRateLimitExceeded"
        else "Rate Limit Exceeded",
        "domain": "usageLimits",
        "reason": reason,
    }
    emu.set_faults(fail_next=1, statuses=[403])  # without a reason: a permission error
    with pytest.raises(HttpError) as plain:
        gmail.users().labels().list(userId="me").execute()
    assert json.loads(plain.value.content)["error"]["errors"][0]["reason"] == (
        "insufficientPermissions"
    )


@pytest.mark.parametrize(("status", "reason"), [(500, "backendError"), (503, "backendError")])
def test_5xx_faults(emu: RunningEmulator, gmail: Any, status: int, reason: str) -> None:
    emu.set_faults(error_rate=1.0, statuses=[status], methods=["messages.list"])
    with pytest.raises(HttpError) as info:
        gmail.users().messages().list(userId="me").execute()
    assert info.value.status_code == status
    assert json.loads(info.value.content)["error"]["errors"][0]["reason"] == reason
    assert gmail.users().getProfile(userId="me").execute()["emailAddress"]  # other methods pass
    emu.clear_faults()
    gmail.users().messages().list(userId="me").execute()


def test_fail_next_then_recover_and_seeded_rate(emu: RunningEmulator, gmail: Any) -> None:
    emu.set_faults(fail_next=2, statuses=[503], methods=["users.getProfile", "getProfile"])
    outcomes = []
    for _ in range(3):
        try:
            gmail.users().getProfile(userId="me").execute()
            outcomes.append(200)
        except HttpError as exc:
            outcomes.append(exc.status_code)
    assert outcomes == [503, 503, 200]

    def run() -> list[int]:
        emu.set_faults(error_rate=0.5, statuses=[500], seed=42)
        codes = []
        for _ in range(12):
            try:
                gmail.users().labels().list(userId="me").execute()
                codes.append(200)
            except HttpError as exc:
                codes.append(exc.status_code)
        return codes

    first, second = run(), run()
    assert first == second and 500 in first and 200 in first


def test_faults_never_touch_control_or_token(emu: RunningEmulator) -> None:
    emu.set_faults(error_rate=1.0, statuses=[500])
    assert httpx.get(f"{emu.url}/_emulator/calls").status_code == 200
    token = httpx.post(
        f"{emu.url}/token",
        data={"grant_type": "refresh_token", "refresh_token": "emu-refresh:owner@example.com"},
    )
    assert token.status_code == 200


def test_connection_reset_reaches_the_client(emu: RunningEmulator, gmail: Any) -> None:
    emu.set_faults(reset_rate=1.0, methods=["messages.get"])
    with pytest.raises((ConnectionError, http.client.HTTPException, httplib2.HttpLib2Error)):
        gmail.users().messages().get(userId="me", id="0000000000000000").execute()
    with pytest.raises(httpx.TransportError):
        httpx.get(
            f"{emu.url}/gmail/v1/users/me/messages/0000000000000000",
            headers={"Authorization": "Bearer emu:owner@example.com"},
        )
    assert emu.calls()["faults_injected"]["reset"] >= 2
    emu.clear_faults()
    with pytest.raises(HttpError) as info:  # the server is still healthy afterwards
        gmail.users().messages().get(userId="me", id="0000000000000000").execute()
    assert info.value.status_code == 404


def test_latency_is_injected_and_calls_still_succeed(emu: RunningEmulator, gmail: Any) -> None:
    emu.set_faults(latency_ms=20, latency_jitter_ms=5)
    assert gmail.users().getProfile(userId="me").execute()["emailAddress"] == "owner@example.com"
    assert emu.calls()["faults_injected"] == {"latency": 1}


def test_fault_control_over_http(emu: RunningEmulator) -> None:
    response = httpx.put(
        f"{emu.url}/_emulator/faults", json={"error_rate": 0.2, "statuses": [429], "seed": 3}
    )
    assert response.json()["statuses"] == [429]
    assert emu.state.faults.config.error_rate == 0.2
    httpx.delete(f"{emu.url}/_emulator/faults")
    assert emu.state.faults.config.error_rate == 0.0


def test_refresh_token_flow_against_token_endpoint(emu: RunningEmulator) -> None:
    emu.deliver("x@example.com", subject="for x", body="b")
    credentials = Credentials(
        token=None,
        refresh_token="emu-refresh:x@example.com",
        token_uri=f"{emu.url}/token",
        client_id="id",
        client_secret="secret",
    )
    service = build(
        "gmail",
        "v1",
        credentials=credentials,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": emu.url},
    )
    profile = service.users().getProfile(userId="me").execute()
    assert profile["emailAddress"] == "x@example.com" and profile["messagesTotal"] == 1
    assert credentials.token == "emu:x@example.com"
    assert emu.state.token_refreshes == {"x@example.com": 1}
    assert emu.calls()["token_refreshes"] == 1


def test_jwt_bearer_grant(emu: RunningEmulator) -> None:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    assertion = ".".join(
        [part({"alg": "RS256"}), part({"iss": "sa@p.iam", "sub": "boss@corp.example"}), "sig"]
    )
    response = httpx.post(
        f"{emu.url}/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
    )
    assert response.json()["access_token"] == "emu:boss@corp.example"
    assert "boss@corp.example" in emu.state.mailboxes
    bad = httpx.post(f"{emu.url}/token", data={"grant_type": "password"})
    assert bad.status_code == 400 and bad.json()["error"] == "unsupported_grant_type"


def test_call_counts_and_quota_units(emu: RunningEmulator, gmail: Any) -> None:
    delivered = emu.deliver(subject="s", body="b")
    users = gmail.users()
    users.messages().list(userId="me").execute()
    users.messages().get(userId="me", id=delivered.id).execute()
    users.messages().get(userId="me", id=delivered.id).execute()
    users.threads().get(userId="me", id=delivered.thread_id).execute()
    users.history().list(userId="me", startHistoryId="1000").execute()
    users.messages().batchModify(
        userId="me", body={"ids": [delivered.id], "addLabelIds": ["STARRED"]}
    ).execute()
    users.watch(userId="me", body={"topicName": "projects/p/topics/t"}).execute()
    calls = httpx.get(f"{emu.url}/_emulator/calls").json()
    assert calls["calls"] == {
        "history.list": 1,
        "messages.batchModify": 1,
        "messages.get": 2,
        "messages.list": 1,
        "threads.get": 1,
        "watch": 1,
    }
    assert calls["quota_units"] == {
        "history.list": 2,
        "messages.batchModify": 50,
        "messages.get": 10,
        "messages.list": 5,
        "threads.get": 10,
        "watch": 100,
    }
    assert calls["total_calls"] == 7 and calls["total_quota_units"] == 177
    assert calls["safety_violations"] == 0
    httpx.delete(f"{emu.url}/_emulator/calls")
    assert emu.calls()["total_calls"] == 0


def _credentials(emu: RunningEmulator, email: str = "x@example.com") -> Credentials:
    return Credentials(
        token=None,
        refresh_token=f"emu-refresh:{email}",
        token_uri=f"{emu.url}/token",
        client_id="id",
        client_secret="secret",
    )


def test_a_bad_access_token_is_401(emu: RunningEmulator) -> None:
    response = httpx.get(
        f"{emu.url}/gmail/v1/users/me/profile",
        headers={"Authorization": "Bearer ya29.not-one-of-ours"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["status"] == "UNAUTHENTICATED"
    assert response.json()["error"]["errors"][0]["reason"] == "authError"


def test_unknown_refresh_token_is_invalid_grant(emu: RunningEmulator) -> None:
    response = httpx.post(
        f"{emu.url}/token", data={"grant_type": "refresh_token", "refresh_token": "1//bogus"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "Token has been expired or revoked.",
    }


def test_revoked_grant_fails_refresh_and_the_issued_token(emu: RunningEmulator) -> None:
    credentials = _credentials(emu)
    service = build(
        "gmail",
        "v1",
        credentials=credentials,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": emu.url},
    )
    assert service.users().getProfile(userId="me").execute()["emailAddress"] == "x@example.com"
    revoked = httpx.post(f"{emu.url}/_emulator/users/x@example.com/revoke", json={})
    assert revoked.status_code == 200
    direct = httpx.get(
        f"{emu.url}/gmail/v1/users/me/profile",
        headers={"Authorization": f"Bearer {credentials.token}"},
    )
    assert direct.status_code == 401
    # google-auth refreshes on the 401 and is refused: the grant is gone.
    with pytest.raises(RefreshError) as info:
        service.users().getProfile(userId="me").execute()
    assert "invalid_grant" in str(info.value)
    refresh = httpx.post(
        f"{emu.url}/token",
        data={"grant_type": "refresh_token", "refresh_token": "emu-refresh:x@example.com"},
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"
    restored = httpx.post(
        f"{emu.url}/_emulator/users/x@example.com/revoke", json={"revoked": False}
    )
    assert restored.status_code == 200
    assert service.users().getProfile(userId="me").execute()["emailAddress"] == "x@example.com"
