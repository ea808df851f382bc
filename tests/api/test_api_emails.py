"""Emails over HTTP: the paginated list, search, the debug bundle, briefing, reclassify, reset."""

from __future__ import annotations

import httpx
import pytest
from api_support import (
    ADMIN,
    PASSWORD,
    at,
    build_app,
    database,
    make_settings,
    running,
    seed_email,
    seed_rows,
    seed_sync_state,
    seed_thread_story,
    seed_user,
)
from fastapi import FastAPI
from sqlalchemy import func, select

from gmail_assistant.db.models import (
    Email,
    EmailEvent,
    Job,
    LlmCall,
    OwnWrite,
    SyncState,
    User,
    UserLabel,
    UserSetting,
)

pytestmark = pytest.mark.anyio


async def test_email_list_filters_and_paginates(app: FastAPI, client: httpx.AsyncClient) -> None:
    db = database(app)
    alice = await seed_user(db, "alice@example.com")
    bob = await seed_user(db, "bob@example.com")
    ids = [await seed_email(db, alice, classification="fyi", status="skipped") for _ in range(5)]
    await seed_email(db, alice, classification="needs_response", status="drafted")
    await seed_email(db, bob, classification="fyi", status="skipped")

    page = (await client.get("/api/emails", params={"limit": 2})).json()
    assert page["total"] == 7
    assert page["limit"] == 2
    assert page["offset"] == 0
    assert len(page["items"]) == 2

    fyi = (
        await client.get(
            "/api/emails",
            params={"user_id": alice, "classification": "fyi", "limit": 3, "offset": 3},
        )
    ).json()
    assert fyi["total"] == 5
    # Newest first: the page after the first three holds the two oldest.
    assert [item["id"] for item in fyi["items"]] == [ids[1], ids[0]]

    drafted = (await client.get("/api/emails", params={"status": "drafted"})).json()
    assert drafted["total"] == 1
    assert drafted["items"][0]["classification"] == "needs_response"


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"limit": "ten"},
        {"offset": -1},
        {"offset": 10**12},
        {"user_id": 0},
        {"user_id": 2**40},
        {"status": "x" * 201},
        {"status": "nul\x00"},
    ],
)
async def test_bad_list_parameters_are_422(client: httpx.AsyncClient, params: dict) -> None:
    response = await client.get("/api/emails", params=params)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


async def test_debug_search_covers_text_fields_and_thread_id(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    db = database(app)
    user = await seed_user(db)
    invoice = await seed_email(
        db, user, subject="Invoice 2024-07", classification="payment_request"
    )
    await seed_email(db, user, reasoning="the sender asks for a 100% refund", status="drafted")
    await seed_email(db, user, sender_email="boss@acme.cz", gmail_thread_id="t-special_1")
    await seed_email(db, user, snippet="nothing to see")

    async def found(**params: object) -> list[int]:
        response = await client.get("/api/debug/emails", params=params)
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == len(body["items"])
        return [item["id"] for item in body["items"]]

    assert await found(q="invoice") == [invoice]
    assert len(await found(q="100%")) == 1  # % is literal, not a wildcard
    assert len(await found(q="acme")) == 1
    assert len(await found(q="special_1")) == 1
    assert len(await found(q="special%1")) == 0
    assert len(await found(q="refund", status="drafted")) == 1
    assert len(await found(q="refund", status="pending")) == 0
    assert await found(classification="payment_request") == [invoice]
    assert len(await found(limit=2)) == 2
    assert (await client.get("/api/debug/emails", params={"limit": 0})).status_code == 422


async def test_email_debug_bundle(app: FastAPI, client: httpx.AsyncClient) -> None:
    db = database(app)
    user = await seed_user(db)
    email_id = await seed_email(db, user, gmail_thread_id="thread-story")
    await seed_thread_story(db, user, email_id, "thread-story")
    other = await seed_email(db, user)

    response = await client.get(f"/api/emails/{email_id}/debug")
    assert response.status_code == 200
    body = response.json()
    assert body["email"]["id"] == email_id
    assert [e["event_type"] for e in body["events"]] == ["received", "classified"]
    assert [c["purpose"] for c in body["llm_calls"]] == ["classify", "draft"]
    assert body["llm_calls"][0]["system_prompt"] == "SYSTEM-PROMPT-TEXT"
    assert [j["job_type"] for j in body["jobs"]] == ["classify"]
    assert [r["profile"] for r in body["agent_runs"]] == ["pharmacy"]
    kinds = [entry["kind"] for entry in body["timeline"]]
    assert kinds == ["job", "event", "llm_call", "llm_call", "event", "agent_run"]
    times = [entry["at"] for entry in body["timeline"]]
    assert times == sorted(times)
    summary = body["summary"]
    assert summary["llm_calls"] == 2
    assert summary["total_tokens"] == 170
    assert summary["total_cost_usd"] == pytest.approx(0.0012)
    assert summary["total_latency_ms"] == pytest.approx(1250.0)
    assert summary["error_count"] == 2
    assert any("LlmTimeout" in e for e in summary["errors"])

    quiet = (await client.get(f"/api/emails/{other}/debug")).json()
    assert quiet["events"] == [] and quiet["llm_calls"] == [] and quiet["timeline"] == []
    assert (await client.get("/api/emails/424242/debug")).status_code == 404
    assert (await client.get("/api/emails/nope/debug")).status_code == 422


async def test_reclassify_enqueues_a_forced_classify(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    db = database(app)
    user = await seed_user(db)
    email_id = await seed_email(
        db, user, gmail_thread_id="t-re", gmail_message_id="m-first", last_message_id="m-last"
    )
    response = await client.post(f"/api/emails/{email_id}/reclassify")
    assert response.status_code == 202
    job_id = response.json()["job_id"]
    # A second press while the first waits collapses into the same job.
    again = await client.post(f"/api/emails/{email_id}/reclassify")
    assert again.json()["job_id"] == job_id
    async with db.read() as session:
        jobs = list((await session.execute(select(Job))).scalars())
    assert len(jobs) == 1
    job = jobs[0]
    assert (job.job_type, job.user_id, job.thread_id, job.status) == (
        "classify", user, "t-re", "pending",
    )  # fmt: skip
    assert job.payload == {"message_id": "m-last", "force": True}
    assert (await client.post("/api/emails/999/reclassify")).status_code == 404


async def test_briefing(app: FastAPI, client: httpx.AsyncClient) -> None:
    db = database(app)
    user = await seed_user(db, "owner@example.com")
    for _ in range(12):
        await seed_email(db, user, classification="fyi", status="skipped")
    await seed_email(db, user, classification="fyi", status="archived")
    drafted = await seed_email(db, user, classification="needs_response", status="drafted")
    await seed_email(db, user, classification="needs_response", status="sent")
    action = await seed_email(db, user, classification="action_required", status="pending")
    bill = await seed_email(db, user, classification="payment_request", status="pending")

    response = await client.get("/api/briefing/owner@example.com")
    assert response.status_code == 200
    body = response.json()
    fyi = body["categories"]["fyi"]
    assert (fyi["total"], fyi["active"], len(fyi["items"])) == (13, 12, 10)
    needs = body["categories"]["needs_response"]
    assert (needs["total"], needs["active"]) == (2, 1)
    assert body["categories"]["waiting"] == {"total": 0, "active": 0, "items": []}
    assert [e["id"] for e in body["pending_drafts"]] == [drafted]
    assert {e["id"] for e in body["action_items"]} == {action, bill}
    assert (await client.get("/api/briefing/nobody@example.com")).status_code == 404


async def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def _seed_everything(app: FastAPI) -> int:
    db = database(app)
    user = await seed_user(db)
    await app.state.container.users.save_labels(user, {"ai": "L1"})
    await app.state.container.users.set_setting(user, "contacts", {"blacklist": []})
    email_id = await seed_email(db, user, gmail_thread_id="t-reset")
    await seed_thread_story(db, user, email_id, "t-reset")
    await seed_sync_state(db, user, last_history_id="42", watch_expiration=at(-24))
    await seed_rows(db, OwnWrite(user_id=user, thread_id="t-reset", action="label_add"))
    return user


async def test_reset_clears_mailbox_data_and_keeps_users(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await _seed_everything(app)
    response = await client.post("/api/reset")
    assert response.status_code == 200
    removed = response.json()["removed"]
    assert removed["emails"] == 1 and removed["llm_calls"] == 2 and removed["sync_state"] == 1
    db = database(app)
    for model in (Email, EmailEvent, Job, LlmCall, SyncState, OwnWrite):
        assert await _count(db, model) == 0, model
    for model in (User, UserLabel, UserSetting):
        assert await _count(db, model) == 1, model


async def test_reset_in_production_needs_the_confirmation(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")  # production refuses to start without
    # Production keeps the API closed without an admin password: the operator logs in.
    app = build_app(make_settings(tmp_path, environment="production", auth=True))
    async with running(app, auth=(ADMIN, PASSWORD)) as client:
        await _seed_everything(app)
        refused = await client.post("/api/reset")
        assert refused.status_code == 403
        assert "confirm=yes-reset-production" in refused.json()["detail"]
        assert (await client.post("/api/reset", params={"confirm": "yes"})).status_code == 403
        assert await _count(database(app), Email) == 1
        done = await client.post("/api/reset", params={"confirm": "yes-reset-production"})
        assert done.status_code == 200
        assert await _count(database(app), Email) == 0


async def test_openapi_lists_every_route(client: httpx.AsyncClient) -> None:
    paths = set((await client.get("/openapi.json")).json()["paths"])
    assert {
        "/api/users", "/api/users/{user_id}/settings", "/api/users/{user_id}/settings/{key}",
        "/api/users/{user_id}/labels", "/api/emails", "/api/emails/{email_id}/debug",
        "/api/emails/{email_id}/reclassify", "/api/debug/emails", "/api/briefing/{email}",
        "/api/reset",
    } <= paths  # fmt: skip
    assert (await client.get("/docs")).status_code == 200


async def test_api_on_both_backends(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = build_app(make_settings(tmp_path, db_url=db_url))
    async with running(app) as client:
        created = await client.post("/api/users", json={"email": "pg@example.com"})
        assert created.status_code == 201
        user = created.json()["id"]
        assert (
            await client.post("/api/users", json={"email": "pg@example.com"})
        ).status_code == 409
        db = database(app)
        email_id = await seed_email(db, user, subject="Grüße 100% sicher", gmail_thread_id="t-pg")
        await seed_thread_story(db, user, email_id, "t-pg")
        assert (await client.get("/api/debug/emails", params={"q": "GRÜSSE"})).status_code == 200
        assert (await client.get("/api/debug/emails", params={"q": "100%"})).json()["count"] == 1
        page = (await client.get("/api/emails", params={"user_id": user})).json()
        assert page["total"] == 1
        bundle = (await client.get(f"/api/emails/{email_id}/debug")).json()
        assert bundle["summary"]["llm_calls"] == 2
        assert (await client.post(f"/api/emails/{email_id}/reclassify")).status_code == 202
        put = await client.put(
            f"/api/users/{user}/settings/contacts", json={"blacklist": ["*@spam.example"]}
        )
        assert put.status_code == 200
        assert (await client.get("/api/briefing/pg@example.com")).status_code == 200
        reset = await client.post("/api/reset")
        assert reset.status_code == 200
        assert reset.json()["removed"]["jobs"] == 2
