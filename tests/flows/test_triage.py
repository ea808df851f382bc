"""Triage through the real stack: emulator over HTTP, real LiteLLM against the fake LLM."""

from __future__ import annotations

from pathlib import Path

import pytest
from flow_support import OWNER, world_for

pytestmark = pytest.mark.anyio


async def test_triage_labels_and_drafts_by_category(
    tmp_path: Path, db_url: str, stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world_for(tmp_path, db_url, *stack, monkeypatch, process=stack.process) as world:
        question = world.deliver(
            subject="Question about the offer",
            body="Hi, could you please send me the price list for next year? Thanks, Alice",
        )
        meeting = world.deliver(
            sender="Bob <bob@example.com>",
            subject="Meeting next week?",
            body="Hello, can we meet on Tuesday at 10 to discuss the project? Best, Bob",
        )
        invoice = world.deliver(
            sender="Billing <billing@supplier.example>",
            subject="Invoice 2026-114 due",
            body="Please find attached invoice 2026-114 for 1,200 EUR, due on 15 December.",
        )
        receipt = world.deliver(
            sender="Shop <orders@shop.example>",
            subject="Your receipt",
            body="Thank you for your payment. This is your receipt; the order is paid.",
        )
        newsletter = world.deliver(
            sender="News <news@newsletter.example>",
            subject="Weekly news: can you believe it?",
            body="Can you guess what happened this week? Read our newsletter.",
            headers={"List-Unsubscribe": "<mailto:unsub@newsletter.example>"},
        )
        await world.sync()

        assert world.ai_labels(question["thread_id"]) == {"🤖 AI/Outbox"}
        assert world.ai_labels(meeting["thread_id"]) == {"🤖 AI/Outbox"}
        assert world.ai_labels(invoice["thread_id"]) == {"🤖 AI/Payment Requests"}
        assert world.ai_labels(receipt["thread_id"]) == {"🤖 AI/FYI"}
        assert world.ai_labels(newsletter["thread_id"]) == {"🤖 AI/FYI"}
        for thread in (invoice, receipt, newsletter):
            assert world.drafts(thread["thread_id"]) == []
            assert (await world.email(thread["thread_id"])).status == "skipped"
        row = await world.email(newsletter["thread_id"])
        assert row.is_automated and "List-Unsubscribe" in (row.reasoning or "")

        for thread in (question, meeting):
            email_row = await world.email(thread["thread_id"])
            assert email_row.status == "drafted"
            (draft,) = world.drafts(thread["thread_id"])
            assert draft["id"] == email_row.draft_id
            assert draft["body"].startswith("\n\n✂️\n\n") or "✂️" in draft["body"]
            events = await world.events(thread["thread_id"])
            assert events == ["classified", "draft_created"]
        mime = world.draft_raw(question["thread_id"])
        assert mime["Subject"] == "Re: Question about the offer"
        assert mime["In-Reply-To"] == question["message_id"]
        assert question["message_id"] in mime["References"]
        assert "alice@example.org" in mime["To"]
        assert world.safety_violations() == 0
        assert OWNER
