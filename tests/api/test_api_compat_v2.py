"""v2.3.0's API paths answer v2.3.0's shapes, next to today's routes, marked in OpenAPI."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import seed_email, seed_user
from fastapi import FastAPI

from gmail_assistant.db import Database

pytestmark = pytest.mark.anyio

SEED = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "seed-v2.3.0" / "inbox.db"


def database(app: FastAPI) -> Database:
    return app.state.container.database  # type: ignore[no-any-return]


def v2_rows(tmp_path: Path) -> list[tuple[str, Any]]:
    if not SEED.is_file():
        pytest.skip(f"fixture database missing: {SEED}")
    copy = tmp_path / "v2.db"
    shutil.copy(SEED, copy)
    with sqlite3.connect(copy) as conn:
        rows = conn.execute("SELECT setting_key, setting_value FROM user_settings").fetchall()
    return [(key, json.loads(value)) for key, value in rows]


async def test_put_key_value_takes_every_v2_row(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    user_id = await seed_user(database(app))
    rows = v2_rows(tmp_path)
    for key, value in rows:
        put = await client.put(f"/api/users/{user_id}/settings", json={"key": key, "value": value})
        assert put.status_code == 200, put.text
        assert put.json() == {"ok": True}
    stored = (await client.get(f"/api/users/{user_id}/settings")).json()
    assert set(stored) == {"communication_styles", "contacts", "sign_off_name", "default_language"}
    studio = stored["communication_styles"]["styles"]["studio"]
    assert studio["sign_off"] == "Marek | Studio D"
    assert stored["contacts"]["language_overrides"] == {"client@abroad.example": "en"}
    assert stored["sign_off_name"] == "Marek"


@pytest.mark.parametrize(
    "body",
    [
        {"key": "favourite_colour", "value": "red"},
        {"key": "contacts", "value": {"blacklist": "not-a-list"}},
        {"key": "default_language", "value": "klingon!"},
        {"value": {}},
    ],
)
async def test_put_key_value_refuses_what_it_cannot_honour(
    app: FastAPI, client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    user_id = await seed_user(database(app))
    put = await client.put(f"/api/users/{user_id}/settings", json=body)
    assert put.status_code in (400, 422), put.text
    assert (await client.get(f"/api/users/{user_id}/settings")).json() == {}


async def test_labels_as_a_mapping(app: FastAPI, client: httpx.AsyncClient) -> None:
    user_id = await seed_user(database(app))
    await app.state.container.users.save_labels(user_id, {"needs_response": "Label_3"})
    assert (await client.get(f"/api/users/{user_id}/labels")).json() == {
        "needs_response": "Label_3"
    }
    assert (await client.get("/api/users/999/labels")).status_code == 404


async def test_user_emails_default_to_pending_in_v2_shape(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    db = database(app)
    user_id = await seed_user(db)
    other = await seed_user(db, email="other@example.com")
    pending = await seed_email(
        db, user_id, classification="needs_response", confidence=0.92, status="pending"
    )
    await seed_email(db, user_id, classification="fyi", confidence=0.4, status="archived")
    await seed_email(db, other, status="pending")

    listed = (await client.get(f"/api/users/{user_id}/emails")).json()
    assert [e["id"] for e in listed] == [pending]
    assert listed[0]["confidence"] == "high"
    assert {"message_count", "vendor_name", "processed_at", "rework_count"} <= set(listed[0])
    fyi = await client.get(f"/api/users/{user_id}/emails", params={"classification": "fyi"})
    assert [e["confidence"] for e in fyi.json()] == ["low"]


async def test_debug_email_page_address(app: FastAPI, client: httpx.AsyncClient) -> None:
    user_id = await seed_user(database(app))
    email_id = await seed_email(database(app), user_id)
    moved = await client.get(f"/debug/email/{email_id}")
    assert moved.status_code == 308
    assert moved.headers["location"] == f"/debug/emails/{email_id}"
    page = await client.get(moved.headers["location"])
    assert page.status_code == 200


async def test_openapi_marks_the_compat_routes(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    compat = {
        ("/api/users/{user_id}/settings", "put"),
        ("/api/users/{user_id}/labels", "get"),
        ("/api/users/{user_id}/emails", "get"),
        ("/debug/email/{email_id}", "get"),
    }
    for path, method in compat:
        operation = paths[path][method]
        assert operation["tags"] == ["compat v2.3.0"] and operation["deprecated"] is True
    # Today's routes stay, unmarked.
    today = paths["/api/users/{user_id}/settings/{key}"]["put"]
    assert "deprecated" not in today
    assert "/api/users/{user_id}/labels/details" in paths
