"""Basic Auth: open where it must be, closed everywhere else, never turning errors into 401s."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest
from api_support import ADMIN, PASSWORD, build_app, make_settings, running
from fastapi import FastAPI

pytestmark = pytest.mark.anyio

GOOD = httpx.BasicAuth(ADMIN, PASSWORD)
PROTECTED = [
    ("GET", "/"),
    ("GET", "/api/users"),
    ("POST", "/api/users"),
    ("GET", "/api/emails"),
    ("POST", "/api/reset"),
    ("GET", "/api/debug/emails"),
    ("GET", "/api/briefing/owner@example.com"),
    ("GET", "/api/healthz"),
    ("GET", "/api/health/extra"),
    ("GET", "/admin/"),
    ("GET", "/admin/email/list"),
    ("GET", "/debug/emails"),
    ("GET", "/debug/health"),
    ("GET", "/metrics"),
    ("GET", "/docs"),
    ("GET", "/openapi.json"),
    ("GET", "/no-such-page"),
    ("GET", "/webhook"),  # the exemption is the folder, not a prefix of any path
    ("GET", "/admin/statics"),
]


def _boom_app(tmp_path: Path) -> FastAPI:
    app = build_app(make_settings(tmp_path, auth=True))

    @app.get("/api/test-only/boom")
    async def boom() -> None:
        raise RuntimeError("handler failure")

    return app


@pytest.fixture
async def authed(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with running(_boom_app(tmp_path)) as client:
        yield client


async def test_exempt_paths_are_open(authed: httpx.AsyncClient) -> None:
    health = await authed.get("/api/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    # Whatever the webhook answers (its owner decides), it is never a Basic Auth challenge.
    webhook = await authed.post("/webhook/gmail", json={})
    assert webhook.status_code != 401
    assert "www-authenticate" not in webhook.headers
    css = await authed.get("/admin/statics/css/main.css")
    assert css.status_code == 200
    assert "text/css" in css.headers["content-type"]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_everything_else_needs_credentials(
    authed: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await authed.request(method, path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="Gmail Assistant"'
    assert response.json() == {"detail": "authentication required"}


@pytest.mark.parametrize(("method", "path"), PROTECTED[:8] + PROTECTED[9:16])
async def test_wrong_credentials_are_401(authed: httpx.AsyncClient, method: str, path: str) -> None:
    for auth in (
        httpx.BasicAuth(ADMIN, "wrong"),
        httpx.BasicAuth("root", PASSWORD),
        httpx.BasicAuth(ADMIN, PASSWORD + "x"),
        httpx.BasicAuth("", ""),
    ):
        assert (await authed.request(method, path, auth=auth)).status_code == 401


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    "header",
    [
        "Basic",
        "Basic ",
        "Basic !!!not-base64!!!",
        "Basic " + _b64(b"no-colon-here"),
        "Basic " + _b64(b"admin:\xff\xfe"),
        "Basic " + _b64(b"\xc3(:" + PASSWORD.encode()),
        "Bearer " + _b64(f"{ADMIN}:{PASSWORD}".encode()),
        "Digest username=admin",
        "Basic " + _b64(f"{ADMIN}:{PASSWORD}".encode())[:-2],
        "Basic " + _b64(f"{ADMIN}:{PASSWORD}".encode()) + "garbage",
    ],
)
async def test_malformed_authorization_is_401_not_500(
    authed: httpx.AsyncClient, header: str
) -> None:
    response = await authed.get("/api/users", headers={"Authorization": header})
    assert response.status_code == 401


async def test_right_credentials_open_every_surface(authed: httpx.AsyncClient) -> None:
    assert (await authed.get("/api/users", auth=GOOD)).status_code == 200
    assert (await authed.get("/admin/", auth=GOOD)).status_code == 200
    assert (await authed.get("/metrics", auth=GOOD)).status_code == 200
    assert (await authed.get("/docs", auth=GOOD)).status_code == 200
    # A password with non-ASCII characters is compared as UTF-8.
    assert "ä" in PASSWORD
    redirect = await authed.get("/", auth=GOOD)
    assert redirect.status_code in (302, 307)
    assert redirect.headers["location"] == "/debug/emails"


async def test_a_failing_handler_stays_a_500(tmp_path: Path) -> None:
    app = _boom_app(tmp_path)
    async with running(app) as client:
        # Without credentials the handler never runs.
        assert (await client.get("/api/test-only/boom")).status_code == 401
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        response = await client.get("/api/test-only/boom", auth=GOOD)
        assert response.status_code == 500
        assert "www-authenticate" not in response.headers


async def test_auth_is_off_when_either_part_is_empty(tmp_path: Path) -> None:
    from gmail_assistant.settings import load_settings

    settings = load_settings(
        server={"admin_user": ADMIN, "admin_password": "", "workers_enabled": False,
                "scheduler_enabled": False},
        db={"sqlite_path": str(tmp_path / "x.db")},
    )  # fmt: skip
    async with running(build_app(settings)) as client:
        assert (await client.get("/api/users")).status_code == 200
