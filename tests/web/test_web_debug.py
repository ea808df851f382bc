"""The debug pages render what is in the database, and their buttons queue the right jobs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from api_support import (
    at,
    database,
    seed_email,
    seed_rows,
    seed_sync_state,
    seed_thread_story,
    seed_user,
)
from fastapi import FastAPI
from sqlalchemy import select

from gmail_assistant.db import utcnow
from gmail_assistant.db.models import AgentRun, Job, LlmCall

pytestmark = pytest.mark.anyio


async def _seed(app: FastAPI) -> dict[str, int]:
    db = database(app)
    alice = await seed_user(db, "alice@example.com")
    bob = await seed_user(db, "bob@example.com")
    story = await seed_email(
        db, alice, subject="Quarterly <report> & numbers", gmail_thread_id="t-story",
        classification="needs_response", status="drafted", reasoning="Asks for a reply by Friday",
        confidence=0.91, last_message_id="m-latest",
    )  # fmt: skip
    await seed_thread_story(db, alice, story, "t-story")
    invoice = await seed_email(
        db, alice, subject="Invoice 7781", classification="payment_request", status="pending"
    )
    newsletter = await seed_email(
        db, bob, subject="Weekly digest", classification="fyi", status="skipped"
    )
    return {"alice": alice, "bob": bob, "story": story, "invoice": invoice, "news": newsletter}


async def test_root_redirects_to_the_list(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code in (302, 307)
    assert response.headers["location"] == "/debug/emails"


async def test_list_shows_emails_counts_and_filters(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    ids = await _seed(app)
    page = await client.get("/debug/emails")
    assert page.status_code == 200
    html = page.text
    assert "3 found" in html
    # Escaped, never raw HTML from an email.
    assert "Quarterly &lt;report&gt; &amp; numbers" in html
    assert "<report>" not in html
    assert f'href="/debug/emails/{ids["invoice"]}"' in html
    assert "drafted (1)" in html and "payment_request (1)" in html
    assert "bob@example.com" in html  # the user filter lists users

    only_bob = (await client.get("/debug/emails", params={"user_id": ids["bob"]})).text
    assert "Weekly digest" in only_bob and "Invoice 7781" not in only_bob
    assert "1 found" in only_bob

    searched = (await client.get("/debug/emails", params={"q": "friday"})).text
    assert "Quarterly" in searched and "Weekly digest" not in searched

    by_class = (await client.get("/debug/emails", params={"classification": "fyi"})).text
    assert "Weekly digest" in by_class and "Invoice 7781" not in by_class

    none = (await client.get("/debug/emails", params={"status": "sent"})).text
    assert "No emails match." in none

    assert (await client.get("/debug/emails", params={"user_id": "x"})).status_code == 422
    # The filter form as a browser submits it: unselected filters arrive empty.
    submitted = await client.get("/debug/emails?q=invoice&status=&classification=&user_id=")
    assert submitted.status_code == 200
    assert "Invoice 7781" in submitted.text and "1 found" in submitted.text


async def test_list_pages_through_many_emails(app: FastAPI, client: httpx.AsyncClient) -> None:
    db = database(app)
    user = await seed_user(db)
    for i in range(55):
        await seed_email(db, user, subject=f"Bulk {i:02d}")
    first = (await client.get("/debug/emails")).text
    assert "Bulk 54" in first and "Bulk 04" not in first
    assert "older →" in first
    second = (await client.get("/debug/emails", params={"offset": 50})).text
    assert "Bulk 04" in second and "Bulk 05" not in second
    assert "← newer" in second


async def test_email_page_tells_the_whole_story(app: FastAPI, client: httpx.AsyncClient) -> None:
    ids = await _seed(app)
    response = await client.get(f"/debug/emails/{ids['story']}")
    assert response.status_code == 200
    html = response.text
    assert "Asks for a reply by Friday" in html
    assert 'class="badge status-drafted"' in html
    assert 'class="badge cls-needs_response"' in html
    # Timeline, LLM calls with their prompts inside <details>, jobs, agent runs.
    assert html.count('class="kind kind-') == 6
    assert "<details" in html and "SYSTEM-PROMPT-TEXT" in html and "USER-PROMPT-TEXT" in html
    assert "LlmTimeout: slow" in html
    assert "tool exploded" in html
    assert "2</strong> LLM calls" in html and "170</strong> tokens" in html
    assert f'action="/debug/emails/{ids["story"]}/reclassify"' in html
    assert f'action="/debug/emails/{ids["story"]}/full-sync"' in html
    assert "alice@example.com" in html
    # Neighbours: the story is the oldest, so there is only a newer one.
    assert f'href="/debug/emails/{ids["invoice"]}" rel="prev"' in html
    assert 'rel="next"' not in html
    assert (await client.get("/debug/emails/99999")).status_code == 404


async def test_email_page_shows_each_agent_run_with_its_tool_calls(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    db = database(app)
    alice = await seed_user(db, "alice@example.com")
    email_id = await seed_email(db, alice, subject="Reservation", gmail_thread_id="t-agent")
    log = [
        {"tool": "read_thread", "arguments": {"thread_id": "t-agent"}, "result": "2 messages",
         "iteration": 1},
        {"tool": "create_draft", "arguments": {"body": "<b>Hi</b> & thanks"},
         "result": "draft d-9 created <ok>", "iteration": 2},
    ]  # fmt: skip
    await seed_rows(
        db,
        AgentRun(user_id=alice, email_id=email_id, thread_id="t-agent", profile="pharmacy",
                 status="completed", iterations=2, tool_calls=log,
                 final_message="Drafted a <reply>", finished_at=utcnow()),
        AgentRun(user_id=alice, email_id=email_id, thread_id="t-agent", profile="helpdesk",
                 status="error", iterations=0, tool_calls=[], error="LlmTimeout <slow>"),
    )  # fmt: skip
    html = (await client.get(f"/debug/emails/{email_id}")).text
    assert html.count('class="agent-run') == 2
    assert "pharmacy · completed · 2 iteration(s) · 2 tool call(s)" in html
    assert "helpdesk · error · 0 iteration(s) · 0 tool call(s)" in html
    assert "No tool calls." in html
    # Every model- or mail-controlled string is escaped, arguments shown as JSON.
    assert "Drafted a &lt;reply&gt;" in html
    assert "LlmTimeout &lt;slow&gt;" in html
    assert "draft d-9 created &lt;ok&gt;" in html
    assert "&#34;body&#34;: &#34;&lt;b&gt;Hi&lt;/b&gt; &amp; thanks&#34;" in html
    assert "<b>Hi</b>" not in html and "<reply>" not in html
    assert "<td>2</td><td>create_draft</td>" in html
    assert "<td>1</td><td>read_thread</td>" in html


async def test_reclassify_button_queues_a_classify_job(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    ids = await _seed(app)
    pressed = await client.post(f"/debug/emails/{ids['story']}/reclassify")
    assert pressed.status_code == 303
    assert pressed.headers["location"] == f"/debug/emails/{ids['story']}?flash=reclassify"
    shown = await client.get(pressed.headers["location"])
    assert "Re-classification queued." in shown.text
    async with database(app).read() as session:
        jobs = list((await session.execute(select(Job).where(Job.status == "pending"))).scalars())
    assert [(j.job_type, j.user_id, j.thread_id, j.payload) for j in jobs] == [
        ("classify", ids["alice"], "t-story", {"message_id": "m-latest", "force": True})
    ]


async def test_full_sync_button_queues_a_full_sync_for_that_user(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    ids = await _seed(app)
    pressed = await client.post(f"/debug/emails/{ids['news']}/full-sync")
    assert pressed.status_code == 303
    assert "Full sync queued" in (await client.get(pressed.headers["location"])).text
    # Pressed again: still one waiting sync for the user.
    await client.post(f"/debug/emails/{ids['news']}/full-sync")
    async with database(app).read() as session:
        jobs = list((await session.execute(select(Job).where(Job.job_type == "sync"))).scalars())
    assert [(j.user_id, j.payload, j.status) for j in jobs] == [
        (ids["bob"], {"full": True}, "pending")
    ]
    assert (await client.post("/debug/emails/424242/full-sync")).status_code == 404


async def test_cross_origin_form_posts_are_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    ids = await _seed(app)
    response = await client.post(
        f"/debug/emails/{ids['story']}/reclassify", headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    same = await client.post(
        f"/debug/emails/{ids['story']}/reclassify", headers={"Origin": "http://testserver"}
    )
    assert same.status_code == 303


async def test_health_page(app: FastAPI, client: httpx.AsyncClient, tmp_path: Path) -> None:
    ids = await _seed(app)
    db = database(app)
    now = utcnow()
    await seed_rows(
        db,
        Job(job_type="draft", user_id=ids["alice"], thread_id="t-x", status="failed",
            attempts=5, max_attempts=5, last_error="GmailUnavailable: 503 backend error",
            finished_at=now),
        Job(job_type="sync", user_id=ids["bob"], status="pending"),
        LlmCall(purpose="classify", model="m", total_tokens=1000, cost_usd=0.5,
                created_at=now - timedelta(days=3)),
        LlmCall(purpose="classify", model="m", total_tokens=10, cost_usd=0.25,
                created_at=now - timedelta(days=40)),
    )  # fmt: skip
    for minutes, similarity in ((10, 0.8), (30, 0.6), (50, None)):
        await seed_email(
            db, ids["alice"], received_at=at(5), drafted_at=at(5) + timedelta(minutes=minutes),
            status="sent" if similarity is not None else "drafted", draft_similarity=similarity,
        )  # fmt: skip
    await seed_sync_state(
        db, ids["alice"], watch_expiration=now + timedelta(days=6), last_push_at=now
    )
    backups = tmp_path / "data" / "backups"
    backups.mkdir(parents=True)
    (backups / "inbox-20260101T010203Z.db").write_bytes(b"x" * 10)

    response = await client.get("/debug/health")
    assert response.status_code == 200
    html = response.text
    assert "GmailUnavailable: 503 backend error" in html
    assert html.count("<svg") == 4
    assert 'aria-label="LLM calls per day"' in html
    # Today: the two calls of the story thread (170 tokens); 14 days: not the 40-day-old one.
    assert "170 tokens" in html
    assert "1000" in html and "0.5000" in html
    assert "0.2500" not in html
    # p50 of 10/30/50 minutes is 30 minutes; p95 is 50; acceptance averages 0.8 and 0.6.
    assert "30.0 min</span> arrival→draft p50 · p95 50.0 min" in html
    assert "70 %" in html
    assert "alice@example.com" in html and "bob@example.com" in html
    assert "inbox-20260101T010203Z.db" in html
    assert "Scheduled every 24 h, keeping 7." in html
