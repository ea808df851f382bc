"""POST /webhook/gmail: bad bodies → 400, bad credentials → 401/403, never a 500."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from webhook_support import AUDIENCE, PUSHER, SigningKey, envelope

from gmail_assistant.db.models import Job, SyncState
from gmail_assistant.jobs import names
from gmail_assistant.webhook.auth import CertsCache

pytestmark = pytest.mark.anyio


def b64(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.b64encode(raw).decode()


MALFORMED: list[tuple[str, bytes]] = [
    ("empty body", b""),
    ("not json", b"{nope"),
    ("not utf-8", b"\xff\xfe\x00"),
    ("json array", b"[]"),
    ("json string", b'"hello"'),
    ("no message", json.dumps({"subscription": "s"}).encode()),
    ("message not object", json.dumps({"message": "x"}).encode()),
    ("no data", json.dumps({"message": {"messageId": "1"}}).encode()),
    ("data not string", json.dumps({"message": {"data": 5}}).encode()),
    ("data not base64", json.dumps({"message": {"data": "!!!***"}}).encode()),
    ("data not json", json.dumps({"message": {"data": b64(b"plain text")}}).encode()),
    ("data a list", json.dumps({"message": {"data": b64([1, 2])}}).encode()),
    ("no email", json.dumps({"message": {"data": b64({"historyId": 5})}}).encode()),
    (
        "email not string",
        json.dumps({"message": {"data": b64({"emailAddress": 5, "historyId": 5})}}).encode(),
    ),
    (
        "email no at",
        json.dumps({"message": {"data": b64({"emailAddress": "x", "historyId": 5})}}).encode(),
    ),
    ("no history id", json.dumps({"message": {"data": b64({"emailAddress": "a@b.c"})}}).encode()),
    (
        "history id text",
        json.dumps(
            {"message": {"data": b64({"emailAddress": "a@b.c", "historyId": "abc"})}}
        ).encode(),
    ),
    (
        "history id negative",
        json.dumps({"message": {"data": b64({"emailAddress": "a@b.c", "historyId": -1})}}).encode(),
    ),
    (
        "history id bool",
        json.dumps(
            {"message": {"data": b64({"emailAddress": "a@b.c", "historyId": True})}}
        ).encode(),
    ),
    (
        "history id float",
        json.dumps(
            {"message": {"data": b64({"emailAddress": "a@b.c", "historyId": 1.5})}}
        ).encode(),
    ),
    (
        "history id huge",
        json.dumps(
            {"message": {"data": b64({"emailAddress": "a@b.c", "historyId": 10**30})}}
        ).encode(),
    ),
    ("deep nesting", b"[" * 100_000),
    ("huge body", b'{"message": {"data": "' + b"A" * 200_000 + b'"}}'),
]


async def test_every_malformed_shape_is_a_400_with_a_detail(make_app: Any) -> None:
    async with make_app() as t:
        for name, body in MALFORMED:
            response = await t.client.post("/webhook/gmail", content=body)
            assert response.status_code == 400, name
            assert response.json()["detail"], name
        assert await _jobs(t) == []


async def test_random_bodies_never_give_a_500(make_app: Any) -> None:
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=12,
    )
    bodies = st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.dictionaries(st.sampled_from(["emailAddress", "historyId", "x"]), json_values).map(
            lambda d: json.dumps({"message": {"data": b64(d)}}).encode()
        ),
    )
    async with make_app() as t:
        seen: list[int] = []

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
        @given(body=bodies)
        def check(body: bytes) -> None:
            future = asyncio.run_coroutine_threadsafe(
                t.client.post("/webhook/gmail", content=body), loop
            )
            seen.append(future.result(timeout=30).status_code)

        loop = asyncio.get_running_loop()
        await asyncio.to_thread(check)
        assert seen and set(seen) <= {200, 400}


async def test_unknown_mailbox_is_acknowledged_without_a_job(make_app: Any) -> None:
    async with make_app() as t:
        response = await t.client.post("/webhook/gmail", json=envelope("stranger@example.org"))
        assert response.status_code == 200 and response.json() == {"status": "ignored"}
        assert await _jobs(t) == []


async def test_a_push_enqueues_one_sync_and_notes_the_push(make_app: Any) -> None:
    async with make_app() as t:
        response = await t.client.post("/webhook/gmail", json=envelope("Owner@Example.com", "77"))
        assert response.status_code == 200 and response.json() == {"status": "accepted"}
        jobs = await _jobs(t)
        assert [(j.job_type, j.user_id, j.payload) for j in jobs] == [
            (names.SYNC, t.user_id, {"full": False})
        ]
        async with t.container.database.read() as session:
            state = await session.get(SyncState, t.user_id)
        assert state is not None and state.last_push_at is not None


async def test_a_burst_of_100_pushes_gives_one_running_and_one_pending_sync(
    make_app: Any, db_url: str
) -> None:
    async with make_app(db_url) as t:
        await t.client.post("/webhook/gmail", json=envelope())
        running = await t.container.queue.claim("busy-worker")  # a sync is under way
        assert running is not None and running.job_type == names.SYNC

        responses = await asyncio.gather(
            *(
                t.client.post("/webhook/gmail", json=envelope(history_id=2000 + i))
                for i in range(100)
            )
        )

        assert {r.status_code for r in responses} == {200}
        jobs = await _jobs(t)
        assert sorted(j.status for j in jobs) == ["pending", "running"]
        assert all(j.job_type == names.SYNC and j.user_id == t.user_id for j in jobs)


async def test_token_auth(make_app: Any) -> None:
    async with make_app(webhook={"token": "s3cret-token"}) as t:
        missing = await t.client.post("/webhook/gmail", json=envelope())
        wrong = await t.client.post("/webhook/gmail?token=nope", json=envelope())
        right = await t.client.post("/webhook/gmail?token=s3cret-token", json=envelope())
        assert missing.status_code == 401 and missing.json()["detail"]
        assert wrong.status_code == 403
        assert right.status_code == 200
        assert len(await _jobs(t)) == 1


async def test_oidc_auth_through_the_route(make_app: Any) -> None:
    key = SigningKey()
    webhook = {"audience": AUDIENCE, "service_account": PUSHER, "certs_url": "http://certs.test/"}
    async with make_app(webhook=webhook) as t:
        t.components.push_auth.certs = CertsCache(key.fetch)
        good = await t.client.post(
            "/webhook/gmail", json=envelope(), headers={"Authorization": f"Bearer {key.token()}"}
        )
        none = await t.client.post("/webhook/gmail", json=envelope())
        forged = await t.client.post(
            "/webhook/gmail",
            json=envelope(),
            headers={"Authorization": f"Bearer {SigningKey().token()}"},
        )
        assert good.status_code == 200
        assert none.status_code == 401
        assert forged.status_code == 403
        # A bad body with good credentials is still a 400, not a 500.
        bad = await t.client.post(
            "/webhook/gmail", content=b"{", headers={"Authorization": f"Bearer {key.token()}"}
        )
        assert bad.status_code == 400


async def _jobs(t: Any) -> list[Job]:
    async with t.container.database.read() as session:
        return list((await session.execute(select(Job).order_by(Job.id))).scalars())
