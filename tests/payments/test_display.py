"""Stored payment requests and account-change alerts show in the API, the briefing, the
email debug page and the health page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from api_support import (
    build_app,
    database,
    make_settings,
    running,
    seed_email,
    seed_rows,
    seed_user,
)
from fastapi import FastAPI

from gmail_assistant.db.models import PaymentRequest
from payments.samples import CZ_EXAMPLE, CZ_EXAMPLE_DOMESTIC, CZ_OTHER, spaced

pytestmark = pytest.mark.anyio


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return build_app(make_settings(tmp_path))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as client:
        yield client


def _request(user: int, email: int, thread: str, iban: str, **fields: object) -> PaymentRequest:
    return PaymentRequest(
        user_id=user, email_id=email, thread_id=thread, message_id=f"m-{thread}",
        payee="Vzorová firma", payee_key="vzorova-firma.example", amount="1500.00",
        currency="CZK", due_date=date(2026, 12, 15), variable_symbol="20261",
        account_iban=iban, account_display=spaced(iban), source="iban", accounts=[iban],
        **{"rejected_accounts": [], **fields},
    )  # fmt: skip


async def _seed(app: FastAPI) -> dict[str, int]:
    db = database(app)
    owner = await seed_user(db, "owner@example.com")
    old = await seed_email(
        db, owner, subject="Faktura 1", gmail_thread_id="t1",
        classification="payment_request", status="skipped",
    )  # fmt: skip
    new = await seed_email(
        db, owner, subject="Faktura 2", gmail_thread_id="t2",
        classification="action_required", status="skipped",
    )  # fmt: skip
    await seed_rows(
        db,
        _request(owner, old, "t1", CZ_EXAMPLE),
        _request(
            owner, new, "t2", CZ_OTHER, account_changed=True, previous_iban=CZ_EXAMPLE,
            rejected_accounts=["DE89 3704 0044 0532 0130 01"],
        ),
    )  # fmt: skip
    return {"owner": owner, "old": old, "new": new}


async def test_api_debug_and_briefing_carry_the_payment_request(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    ids = await _seed(app)
    debug = (await client.get(f"/api/emails/{ids['new']}/debug")).json()
    (payment,) = debug["payment_requests"]
    assert payment["account_iban"] == CZ_OTHER and payment["account_changed"] is True
    assert payment["previous_account"] == f"{spaced(CZ_EXAMPLE)} ({CZ_EXAMPLE_DOMESTIC})"
    assert payment["due_date"] == "2026-12-15" and payment["amount"] == "1500.00"

    briefing = (await client.get("/api/briefing/owner@example.com")).json()
    listed = [(p["email_id"], p["account_changed"]) for p in briefing["payment_requests"]]
    assert listed == [(ids["new"], True), (ids["old"], False)]  # the alert first


async def test_debug_pages_show_the_request_and_the_alert(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    ids = await _seed(app)
    page = (await client.get(f"/debug/emails/{ids['new']}")).text
    assert "Bank account changed." in page
    assert spaced(CZ_EXAMPLE) in page and spaced(CZ_OTHER) in page
    assert "DE89 3704 0044 0532 0130 01" in page  # an invalid number, shown as such
    calm = (await client.get(f"/debug/emails/{ids['old']}")).text
    assert "Payment request" in calm and "Bank account changed." not in calm

    health = (await client.get("/debug/health")).text
    assert "Bank account changes" in health
    assert f'href="/debug/emails/{ids["new"]}"' in health
    assert f'href="/debug/emails/{ids["old"]}"' not in health
