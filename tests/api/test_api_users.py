"""Users, settings and labels over HTTP."""

from __future__ import annotations

import httpx
import pytest
from api_support import database, seed_user
from fastapi import FastAPI

from gmail_assistant.labels import LABEL_NAMES

pytestmark = pytest.mark.anyio


async def test_create_list_and_duplicate_users(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/users")).json() == []
    created = await client.post(
        "/api/users", json={"email": " Owner@Example.com ", "display_name": "Owner"}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["email"] == "owner@example.com"
    assert body["display_name"] == "Owner"
    assert body["is_active"] is True

    listed = (await client.get("/api/users")).json()
    assert [u["email"] for u in listed] == ["owner@example.com"]

    again = await client.post("/api/users", json={"email": "owner@example.com"})
    assert again.status_code == 409
    assert "already exists" in again.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email"},
        {"email": ""},
        {"email": "a@b"},
        {"email": "x@example.com\u0000"},
        {"email": "x@example.com", "display_name": "bad\u0000name"},
        {"email": "x@example.com", "unexpected": 1},
        {},
        [],
    ],
)
async def test_bad_user_bodies_are_422(client: httpx.AsyncClient, body: object) -> None:
    response = await client.post("/api/users", json=body)
    assert response.status_code == 422
    assert "detail" in response.json()


async def test_lone_surrogate_in_json_is_422(client: httpx.AsyncClient) -> None:
    raw = b'{"email": "x@example.com", "display_name": "\\ud800"}'
    response = await client.post(
        "/api/users", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


async def test_settings_roundtrip_and_validation(app: FastAPI, client: httpx.AsyncClient) -> None:
    user_id = await seed_user(database(app))
    assert (await client.get(f"/api/users/{user_id}/settings")).json() == {}

    styles = {
        "formal": {"rules": ["Use Vy"], "sign_off": "S pozdravem", "examples": ["Dobrý den"]},
        "friendly": {"rules": "Be warm", "tone": "casual"},
    }
    put = await client.put(f"/api/users/{user_id}/settings/communication_styles", json=styles)
    assert put.status_code == 200
    stored = put.json()["value"]  # stored in v2.3.0's shape, whichever shape came in
    assert stored["default"] == "business"
    assert stored["styles"]["friendly"]["rules"] == ["Be warm"]  # a single rule: a list
    assert stored["styles"]["friendly"]["tone"] == "casual"  # extra notes are kept
    assert stored["styles"]["formal"]["examples"] == [
        {"context": "", "input": "", "draft": "Dobrý den"}
    ]

    contacts = {
        "style_overrides": {"Boss@Company.com": "formal"},
        "domain_overrides": {"*.gov.cz": "formal"},
        "blacklist": ["*@noreply.github.com"],
    }
    put = await client.put(f"/api/users/{user_id}/settings/contacts", json=contacts)
    assert put.status_code == 200
    assert put.json()["value"]["style_overrides"] == {"boss@company.com": "formal"}

    got = (await client.get(f"/api/users/{user_id}/settings")).json()
    assert set(got) == {"communication_styles", "contacts"}
    assert got["contacts"]["blacklist"] == ["*@noreply.github.com"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("contacts", {"style_overrides": {"not an email": "formal"}}),
        ("contacts", {"blacklst": ["*@x.com"]}),
        ("contacts", {"blacklist": "not-a-list"}),
        ("contacts", ["a"]),
        ("communication_styles", {"bad name!": {"rules": []}}),
        ("communication_styles", {"formal": {"rules": [1, 2]}}),
        ("communication_styles", {"formal": {"sign_off": "x", "note": "nul\u0000"}}),
        ("communication_styles", "formal"),
    ],
)
async def test_bad_setting_values_are_422_and_not_stored(
    app: FastAPI, client: httpx.AsyncClient, key: str, value: object
) -> None:
    user_id = await seed_user(database(app))
    response = await client.put(f"/api/users/{user_id}/settings/{key}", json=value)
    assert response.status_code == 422, response.text
    assert (await client.get(f"/api/users/{user_id}/settings")).json() == {}


async def test_unknown_setting_key_is_400(app: FastAPI, client: httpx.AsyncClient) -> None:
    user_id = await seed_user(database(app))
    response = await client.put(f"/api/users/{user_id}/settings/favourite_colour", json="red")
    assert response.status_code == 400
    assert "unknown setting" in response.json()["detail"]


async def test_unknown_user_is_404_everywhere(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/api/users/999/settings"),
        await client.get("/api/users/999/labels"),
        await client.put("/api/users/999/settings/contacts", json={}),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "user 999 not found"}


@pytest.mark.parametrize("user_id", ["0", "-1", "abc", "99999999999999999999", "1.5"])
async def test_bad_user_ids_are_422(client: httpx.AsyncClient, user_id: str) -> None:
    assert (await client.get(f"/api/users/{user_id}/settings")).status_code == 422


async def test_labels_list_every_ai_label(app: FastAPI, client: httpx.AsyncClient) -> None:
    db = database(app)
    user_id = await seed_user(db)
    await app.state.container.users.save_labels(user_id, {"ai": "Label_1", "fyi": "Label_7"})
    labels = (await client.get(f"/api/users/{user_id}/labels/details")).json()
    assert [label["name"] for label in labels] == list(LABEL_NAMES.values())
    by_key = {label["key"]: label["gmail_label_id"] for label in labels}
    assert by_key["ai"] == "Label_1"
    assert by_key["fyi"] == "Label_7"
    assert by_key["done"] is None


@pytest.mark.parametrize("raw", [b"Infinity", b"NaN", b'{"email": -Infinity}'])
async def test_non_finite_numbers_are_422(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post(
        "/api/users", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


async def test_non_finite_numbers_in_settings_are_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user_id = await seed_user(database(app))
    response = await client.put(
        f"/api/users/{user_id}/settings/communication_styles",
        content=b'{"formal": {"weight": Infinity}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert (await client.get(f"/api/users/{user_id}/settings")).json() == {}
