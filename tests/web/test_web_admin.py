"""The admin lists every table and writes nothing, whatever is posted at it."""

from __future__ import annotations

import re

import httpx
import pytest
from api_support import (
    database,
    seed_email,
    seed_rows,
    seed_sync_state,
    seed_thread_story,
    seed_user,
)
from fastapi import FastAPI
from sqlalchemy import func, select
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gmail_assistant.db.models import Base, OwnWrite, PaymentRequest, SchedulerTick, UserSetting
from gmail_assistant.web.admin import VIEWS

pytestmark = pytest.mark.anyio

IDENTITIES = [view.identity for view in VIEWS]


async def _seed(app: FastAPI) -> int:
    db = database(app)
    user = await seed_user(db, "owner@example.com")
    email_id = await seed_email(db, user, subject="Admin <b>subject</b>", gmail_thread_id="t-a")
    await seed_thread_story(db, user, email_id, "t-a")
    await seed_sync_state(db, user, last_history_id="7")
    await app.state.container.users.save_labels(user, {"ai": "Label_1"})
    await seed_rows(
        db,
        UserSetting(user_id=user, key="contacts", value={"blacklist": []}),
        SchedulerTick(task="purge_jobs", period=1, claimed_by="w1"),
        OwnWrite(user_id=user, thread_id="t-a", action="label_add", label_id="Label_1"),
        PaymentRequest(
            user_id=user,
            email_id=email_id,
            thread_id="t-a",
            message_id="m-a",
            payee="Supplier s.r.o.",
            payee_key="supplier.example",
            account_iban="CZ6508000000192000145399",
            account_display="19-2000145399/0800",
        ),
    )
    return email_id


async def _row_counts(app: FastAPI) -> dict[str, int]:
    counts = {}
    async with database(app).read() as session:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = (
                await session.execute(select(func.count()).select_from(table))
            ).scalar_one()
    return counts


def test_views_cover_every_table_with_the_busiest_first() -> None:
    tables = {view.model.__tablename__ for view in VIEWS}  # type: ignore[attr-defined]
    assert tables == {t.name for t in Base.metadata.sorted_tables}
    assert IDENTITIES[:4] == ["email", "job", "email-event", "llm-call"]
    for view in VIEWS:
        assert not (view.can_create or view.can_edit or view.can_delete or view.can_export)
        assert not view.can_import


async def test_every_view_lists_its_rows(app: FastAPI, client: httpx.AsyncClient) -> None:
    email_id = await _seed(app)
    index = await client.get("/admin/")
    assert index.status_code == 200
    for identity in IDENTITIES:
        response = await client.get(f"/admin/{identity}/list")
        assert response.status_code == 200, identity
        assert "No records found" not in response.text, identity
    emails = (await client.get("/admin/email/list")).text
    # Subjects link to the debug page, escaped.
    assert f'href="/debug/emails/{email_id}"' in emails
    assert "Admin &lt;b&gt;subject&lt;/b&gt;" in emails
    searched = await client.get("/admin/email/list", params={"search": "subject"})
    assert searched.status_code == 200 and f"/debug/emails/{email_id}" in searched.text
    details = await client.get(f"/admin/email/details/{email_id}")
    assert details.status_code == 200


async def test_no_write_gets_through(app: FastAPI, client: httpx.AsyncClient) -> None:
    email_id = await _seed(app)
    before = await _row_counts(app)
    form = {"subject": "hacked", "status": "sent", "email": "x@example.com"}
    for identity in IDENTITIES:
        attempts = [
            await client.get(f"/admin/{identity}/create"),
            await client.post(f"/admin/{identity}/create", data=form),
            await client.get(f"/admin/{identity}/edit/1"),
            await client.post(f"/admin/{identity}/edit/1", data=form),
            await client.delete(f"/admin/{identity}/delete", params={"pks": "1"}),
            await client.post(f"/admin/{identity}/delete", params={"pks": "1"}),
            await client.get(f"/admin/{identity}/export/csv"),
            await client.post(f"/admin/{identity}/import", files={"file": ("a.csv", b"id\n9")}),
        ]
        for response in attempts:
            assert response.status_code in (403, 404, 405), (identity, response.request.url)
    assert await _row_counts(app) == before
    api = (await client.get(f"/api/emails/{email_id}/debug")).json()
    assert api["email"]["subject"] == "Admin <b>subject</b>"


async def test_static_urls_follow_the_forwarded_scheme(app: FastAPI) -> None:
    # As in production: uvicorn's proxy-header handling in front, Traefik terminating TLS.
    wrapped = ProxyHeadersMiddleware(app, trusted_hosts="*")
    transport = httpx.ASGITransport(app=wrapped)  # type: ignore[arg-type]
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gmail.kopernici.cz") as client,
    ):
        page = await client.get(
            "/admin/email/list",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
        )
        plain = await client.get("/admin/email/list")
    assert page.status_code == 200
    statics = re.findall(r'(?:href|src)="([^"]*/admin/statics/[^"]*)"', page.text)
    assert statics, "the admin page links its static files"
    assert all(url.startswith("https://gmail.kopernici.cz/admin/statics/") for url in statics)
    assert "http://gmail.kopernici.cz/admin/statics/" in plain.text
