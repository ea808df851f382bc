"""What follows a draft, driven by the owner in "their Gmail" (the emulator's control API)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flow_support import World, world_for

from gmail_assistant.lifecycle.rework import LAST_REWORK_WARNING

pytestmark = pytest.mark.anyio

QUESTION = {
    "subject": "Can you review the contract?",
    "body": "Hello, could you please review the attached contract by Friday? Thanks, Alice",
}


async def drafted(world: World) -> str:
    thread = world.deliver(**QUESTION)["thread_id"]
    await world.sync()
    assert (await world.email(thread)).status == "drafted"
    return thread


async def test_sending_the_draft_marks_it_sent(
    tmp_path: Path, sqlite_url: str, stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world_for(tmp_path, sqlite_url, *stack, monkeypatch, process=stack.process) as world:
        thread = await drafted(world)
        world.send_draft(thread)
        await world.sync()
        row = await world.email(thread)
        assert row.status == "sent"
        assert row.draft_similarity == 1.0  # sent unchanged
        assert world.ai_labels(thread) == set()
        assert (await world.events(thread))[-1] == "sent_detected"
        assert world.safety_violations() == 0


@pytest.mark.parametrize("send_mode", ["replace", "relabel"])
async def test_a_sent_draft_is_detected_however_gmail_reports_it(
    tmp_path: Path, sqlite_url: str, stack, monkeypatch: pytest.MonkeyPatch, send_mode: str
) -> None:
    """Gmail may show a send as the draft deleted + a new SENT message (replace), or as the
    same message losing DRAFT and gaining SENT (relabel): either way, sent exactly once."""
    async with world_for(tmp_path, sqlite_url, *stack, monkeypatch, process=stack.process) as world:
        thread = await drafted(world)
        assert world.ai_labels(thread) == {"🤖 AI/Outbox"}
        world.send_draft(thread, mode=send_mode)
        world.emulator.state.reset_calls()
        await world.sync()
        await world.sync()  # a second look at the same Gmail changes nothing
        row = await world.email(thread)
        assert (row.status, row.draft_id) == ("sent", None)
        assert row.draft_similarity == 1.0
        assert world.ai_labels(thread) == set()
        calls = world.emulator.calls()["calls"]
        label_writes = ("threads.modify", "messages.modify", "messages.batchModify")
        assert sum(calls.get(method, 0) for method in label_writes) == 1  # Outbox off, once
        assert (await world.events(thread)).count("sent_detected") == 1
        assert [m["labelIds"] for m in world.thread_messages(thread)][-1] == ["SENT"]
        assert world.drafts(thread) == []
        assert world.safety_violations() == 0


async def test_rework_once_with_an_instruction(
    tmp_path: Path, sqlite_url: str, stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world_for(tmp_path, sqlite_url, *stack, monkeypatch, process=stack.process) as world:
        thread = await drafted(world)
        (draft,) = world.drafts(thread)
        world.edit_draft(thread, "Make it shorter and mention Monday.\n" + draft["body"])
        world.owner_label(thread, add="rework")
        before = len(world.fake.requests)
        await world.sync()
        row = await world.email(thread)
        assert (row.status, row.rework_count) == ("drafted", 1)
        assert row.last_rework_instruction == "Make it shorter and mention Monday."
        assert world.ai_labels(thread) == {"🤖 AI/Outbox"}
        (new_draft,) = world.drafts(thread)
        assert new_draft["body"].split("✂️")[0].strip() == ""  # the owner's area is clean again
        rework_request = world.fake.requests[before]
        assert "Make it shorter and mention Monday." in rework_request.user
        assert (await world.events(thread))[-1] == "rework_requested"


async def test_three_reworks_warn_and_the_fourth_only_moves_labels(
    tmp_path: Path, sqlite_url: str, stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world_for(tmp_path, sqlite_url, *stack, monkeypatch, process=stack.process) as world:
        thread = await drafted(world)
        for round_ in (1, 2, 3):
            world.owner_label(thread, add="rework")
            await world.sync()
            row = await world.email(thread)
            assert row.rework_count == round_
            assert len(world.drafts(thread)) == 1
        (draft,) = world.drafts(thread)
        assert LAST_REWORK_WARNING in draft["body"]
        assert world.ai_labels(thread) == {"🤖 AI/Action Required"}
        calls = len(world.fake.requests)
        world.owner_label(thread, add="rework")
        await world.sync()
        row = await world.email(thread)
        assert (row.status, row.rework_count) == ("skipped", 3)
        assert len(world.fake.requests) == calls  # no LLM call for the fourth
        assert world.ai_labels(thread) == {"🤖 AI/Action Required"}
        assert (await world.events(thread))[-1] == "rework_limit_reached"
        assert "(no specific instruction provided)" in world.fake.requests[calls - 1].user


async def test_done_strips_ai_labels_and_inbox(
    tmp_path: Path, sqlite_url: str, stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world_for(tmp_path, sqlite_url, *stack, monkeypatch, process=stack.process) as world:
        thread = await drafted(world)
        world.deliver(thread_id=thread, subject="Re: " + QUESTION["subject"], body="Any news?")
        await world.sync()
        world.owner_label(thread, add="done")
        await world.sync()
        labels = world.thread_label_names(thread)
        assert "INBOX" not in labels
        assert world.ai_labels(thread) == {"🤖 AI/Done"}
        for message in world.thread_messages(thread):
            assert "INBOX" not in message["labelIds"]
        row = await world.email(thread)
        assert row.status == "archived"
        assert (await world.events(thread))[-1] == "archived"


async def test_manual_draft_uses_the_owners_notes(
    tmp_path: Path, sqlite_url: str, stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world_for(tmp_path, sqlite_url, *stack, monkeypatch, process=stack.process) as world:
        thread = world.deliver(
            sender="Shop <orders@shop.example>",
            subject="Your receipt",
            body="Thank you for your payment. This is your receipt; the order is paid.",
        )["thread_id"]
        await world.sync()
        assert world.ai_labels(thread) == {"🤖 AI/FYI"}
        svc = world.emulator.service()
        original = world.thread_messages(thread)[-1]["messageId"]
        notes = _raw("Ask them for an invoice copy.", original)
        svc.users().drafts().create(
            userId="me", body={"message": {"threadId": thread, "raw": notes}}
        ).execute()
        world.owner_label(thread, add="needs_response")
        before = len(world.fake.requests)
        await world.sync()
        row = await world.email(thread)
        assert (row.status, row.classification) == ("drafted", "needs_response")
        assert world.ai_labels(thread) == {"🤖 AI/Outbox"}
        (draft,) = world.drafts(thread)
        assert draft["id"] == row.draft_id
        assert "✂️" in draft["body"]
        assert "Ask them for an invoice copy." in world.fake.requests[before].user
        assert world.safety_violations() == 0


async def test_a_reply_on_a_waiting_thread_is_triaged_again(
    tmp_path: Path, sqlite_url: str, stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world_for(tmp_path, sqlite_url, *stack, monkeypatch, process=stack.process) as world:
        first = world.deliver(subject="Project plan", body="Here is the plan, FYI.")
        thread = first["thread_id"]
        world.emulator.state.deliver(
            None,
            sender="owner@example.com",
            to="alice@example.org",
            subject="Re: Project plan",
            body="Thanks! When can you send the budget?",
            thread_id=thread,
            sent=True,
        )
        await world.sync(full=True)
        assert world.ai_labels(thread) == {"🤖 AI/Waiting"}
        assert (await world.email(thread)).classification == "waiting"
        world.deliver(
            thread_id=thread,
            subject="Re: Project plan",
            body="Could you confirm the budget of 10k before I send it?",
        )
        await world.sync()
        row = await world.email(thread)
        assert row.classification == "needs_response"
        assert world.ai_labels(thread) == {"🤖 AI/Outbox"}
        assert "waiting_retriaged" in await world.events(thread)


async def test_new_message_on_a_drafted_thread_replaces_the_draft(
    tmp_path: Path, sqlite_url: str, stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world_for(tmp_path, sqlite_url, *stack, monkeypatch, process=stack.process) as world:
        thread = await drafted(world)
        (old,) = world.drafts(thread)
        world.deliver(
            thread_id=thread,
            subject="Re: " + QUESTION["subject"],
            body="Also, can you add the annex to your review?",
        )
        await world.sync()
        row = await world.email(thread)
        assert row.status == "drafted"
        (new,) = world.drafts(thread)
        assert new["id"] != old["id"] and new["id"] == row.draft_id
        assert world.ai_labels(thread) == {"🤖 AI/Outbox"}
        assert world.safety_violations() == 0


def _raw(body: str, in_reply_to: str) -> str:
    """The owner's reply draft as their Gmail client writes it (reply headers included, or
    Gmail would not keep it in the thread)."""
    import base64
    from email.message import EmailMessage

    message = EmailMessage()
    message["To"] = "orders@shop.example"
    message["Subject"] = "Re: Your receipt"
    message["In-Reply-To"] = in_reply_to
    message["References"] = in_reply_to
    message.set_content(body)
    return base64.urlsafe_b64encode(message.as_bytes()).decode()
