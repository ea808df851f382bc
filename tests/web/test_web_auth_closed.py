"""Production without an admin password: the pod starts, the data surfaces stay shut.

v2.3.0's documented secrets carry no admin credentials, so the app must start with none; in
production it then answers 401 naming the variable to set, everywhere but health and webhook.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from api_support import ADMIN, PASSWORD, build_app, running, seed_user
from sqlalchemy import select

from gmail_assistant.db.models import Job
from gmail_assistant.jobs import names
from gmail_assistant.settings import load_settings

pytestmark = pytest.mark.anyio

CLOSED = [
    ("GET", "/"),
    ("GET", "/admin/"),
    ("GET", "/admin/email/list"),
    ("GET", "/api/users"),
    ("POST", "/api/users"),
    ("GET", "/api/emails"),
    ("GET", "/debug/emails"),
    ("GET", "/debug/health"),
    ("GET", "/metrics"),
    ("GET", "/docs"),
    ("GET", "/openapi.json"),
]


@pytest.fixture(autouse=True)
def _provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # Production checks the LLM key at start; a placeholder, never a real one.
    monkeypatch.setenv("GEMINI_API_KEY", "placeholder-key")


def _settings(tmp_path: Path, **server: Any) -> Any:
    return load_settings(
        environment="production",
        server={"workers_enabled": False, "scheduler_enabled": False, **server},
        db={"sqlite_path": str(tmp_path / "data" / "inbox.db")},
    )


def _push(email: str) -> dict[str, Any]:
    data = json.dumps({"emailAddress": email, "historyId": "77"}).encode()
    return {
        "message": {"data": base64.b64encode(data).decode(), "messageId": "1"},
        "subscription": "projects/p/subscriptions/s",
    }


@pytest.mark.parametrize(("method", "path"), CLOSED)
async def test_data_surfaces_answer_401_naming_the_password_variable(
    tmp_path: Path, method: str, path: str
) -> None:
    async with running(build_app(_settings(tmp_path))) as client:
        response = await client.request(method, path)
        # Credentials cannot open what has no password to compare against.
        with_auth = await client.request(method, path, auth=(ADMIN, PASSWORD))
    assert response.status_code == 401
    assert "GMA_SERVER_ADMIN_PASSWORD" in response.json()["detail"]
    assert with_auth.status_code == 401


async def test_health_and_webhook_keep_working(tmp_path: Path) -> None:
    app = build_app(_settings(tmp_path))
    async with running(app) as client:
        container = app.state.container
        user_id = await seed_user(container.database, "owner@example.com")
        health = await client.get("/api/health")
        push = await client.post("/webhook/gmail", json=_push("owner@example.com"))
        async with container.database.read() as session:
            jobs = list((await session.execute(select(Job))).scalars())
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok"
    assert any("GMA_SERVER_ADMIN_PASSWORD" in w for w in body["warnings"])
    assert push.status_code == 200 and push.json() == {"status": "accepted"}
    assert [(j.job_type, j.user_id) for j in jobs] == [(names.SYNC, user_id)]


async def test_the_start_logs_a_warning_naming_the_variable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="gmail_assistant.app"):
        async with running(build_app(_settings(tmp_path))):
            pass
    assert any("GMA_SERVER_ADMIN_PASSWORD" in r.getMessage() for r in caplog.records)


async def test_a_user_without_password_is_closed_too(tmp_path: Path) -> None:
    async with running(build_app(_settings(tmp_path, admin_user=ADMIN))) as client:
        response = await client.get("/api/users", auth=(ADMIN, ""))
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert "GMA_SERVER_ADMIN_PASSWORD" in detail and "GMA_SERVER_ADMIN_USER" not in detail


async def test_with_credentials_production_opens_and_health_has_no_warning(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path, admin_user=ADMIN, admin_password=PASSWORD)
    async with running(build_app(settings)) as client:
        assert (await client.get("/api/users")).status_code == 401
        assert (await client.get("/api/users", auth=(ADMIN, PASSWORD))).status_code == 200
        assert (await client.get("/api/health")).json() == {"status": "ok"}


async def test_development_without_password_stays_open(tmp_path: Path) -> None:
    settings = load_settings(
        environment="development",
        server={"workers_enabled": False, "scheduler_enabled": False},
        db={"sqlite_path": str(tmp_path / "inbox.db")},
    )
    async with running(build_app(settings)) as client:
        assert (await client.get("/api/users")).status_code == 200
        assert (await client.get("/api/health")).json() == {"status": "ok"}
