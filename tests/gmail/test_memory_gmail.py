"""The in-memory Gmail keeps the port's state, and a flow runs on it with the offline model."""

from __future__ import annotations

import base64
from email.message import EmailMessage

import pytest

from gmail_assistant.classify.classifier import Classification, Classifier
from gmail_assistant.classify.rules import detect_automation
from gmail_assistant.draft.context import gather_context
from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.gmail.errors import GmailHistoryExpired, GmailNotFound
from gmail_assistant.labels import LABEL_NAMES
from gmail_assistant.llm import InMemoryRecorder, LlmGateway
from gmail_assistant.settings import LlmSettings
from gmail_assistant_testing.memory_gmail import MemoryGmail

pytestmark = pytest.mark.anyio


def test_it_implements_the_gmail_port() -> None:
    assert isinstance(MemoryGmail(), GmailApi)


async def test_labels_drafts_and_history_are_kept() -> None:
    gmail = MemoryGmail()
    start = (await gmail.get_profile()).history_id
    first = gmail.deliver(sender="Jan <jan@firma.cz>", subject="Offer", body="Price?")
    thread = (await gmail.get_message(first)).thread_id
    reply = gmail.deliver(sender="Jan <jan@firma.cz>", subject="Re: Offer", thread_id=thread)
    ids = await gmail.ensure_labels(["🤖 AI", "🤖 AI/Outbox"])
    assert await gmail.ensure_labels(["🤖 AI/Outbox"]) == {"🤖 AI/Outbox": ids["🤖 AI/Outbox"]}

    await gmail.modify_thread(thread, add=[ids["🤖 AI/Outbox"]], remove=["UNREAD"])
    draft = await gmail.create_draft(thread, _raw("Hello Jan"))

    assert [m.id for m in (await gmail.get_thread(thread)).messages] == [
        first,
        reply,
        draft.message_id,
    ]
    assert gmail.thread_label_names(thread) >= {"INBOX", "🤖 AI/Outbox", "DRAFT"}
    assert "UNREAD" not in gmail.thread_label_names(thread)
    fetched = await gmail.get_draft(draft.id)
    assert fetched is not None and fetched.body_text == "Hello Jan"

    page = await gmail.list_history(start)
    added = [c for r in page.records for c in r.labels_added]
    assert {c.message_id for c in added} == {first, reply}
    assert all(c.label_ids == (ids["🤖 AI/Outbox"],) for c in added)
    assert page.history_id == (await gmail.get_profile()).history_id

    assert await gmail.delete_draft(draft.id) is True
    assert await gmail.delete_draft(draft.id) is False
    assert gmail.drafts_in(thread) == []
    deleted = (await gmail.list_history(page.history_id)).records
    assert [m.id for r in deleted for m in r.messages_deleted] == [draft.message_id]


async def test_missing_things_answer_like_gmail() -> None:
    gmail = MemoryGmail()
    with pytest.raises(GmailNotFound):
        await gmail.get_thread("nope")
    assert await gmail.get_draft("r1") is None
    for _ in range(3):
        gmail.deliver(sender="a@example.com", subject="x")
    with pytest.raises(GmailHistoryExpired):
        await gmail.list_history(1)


async def test_classify_and_gather_context_on_the_memory_gmail() -> None:
    gmail = MemoryGmail()
    earlier = gmail.deliver(
        sender="Jan Novák <jan@firma.cz>", subject="Invoice 2025-11", body="The price is 40 EUR."
    )
    newsletter = gmail.deliver(
        sender="News <news@shop.example>",
        subject="Weekly deals",
        body="Sale!",
        headers={"List-Unsubscribe": "<mailto:u@shop.example>", "Precedence": "bulk"},
    )
    question = gmail.deliver(
        sender="Jan Novák <jan@firma.cz>",
        subject="Offer",
        body="Could you send me the price for next year? Thanks, Jan",
    )
    gateway = LlmGateway(settings=LlmSettings(), recorder=InMemoryRecorder())
    classifier = Classifier(llm=gateway, model="offline/classify")
    labels = await gmail.ensure_labels(LABEL_NAMES.values())

    async def triage(message_id: str) -> Classification:
        message = await gmail.get_message(message_id)
        verdict = detect_automation(sender_email=message.sender_email, headers=message.headers)
        result = await classifier.classify(
            message, owner_email=gmail.email, owner_wrote_last=False, automation=verdict
        )
        await gmail.modify_thread(message.thread_id, add=[labels[LABEL_NAMES[result.category]]])
        return result

    result = await triage(question)
    await triage(newsletter)

    assert result.category == "needs_response"
    question_thread = (await gmail.get_message(question)).thread_id
    newsletter_thread = (await gmail.get_message(newsletter)).thread_id
    assert LABEL_NAMES["needs_response"] in gmail.thread_label_names(question_thread)
    assert LABEL_NAMES["fyi"] in gmail.thread_label_names(newsletter_thread)
    assert (await gmail.get_message(earlier)).label_ids == ("INBOX", "UNREAD")

    context = await gather_context(gmail, result.context_queries, exclude_thread=question_thread)
    assert context.threads == 1
    assert "40 EUR" in context.text


def _raw(text: str) -> str:
    message = EmailMessage()
    message["To"] = "jan@firma.cz"
    message["Subject"] = "Re: Offer"
    message.set_content(text)
    return base64.urlsafe_b64encode(message.as_bytes()).decode()
