"""Corrections the owner makes in "their Gmail" (the emulator) end up as labelled examples."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from flow_support import Stack, servers, world_for
from typer.testing import CliRunner

from gmail_assistant.cli import _register, app
from gmail_assistant.corrections import (
    CorrectionKind,
    OverrideSuggestion,
    examples,
    labelled_pairs,
    override_suggestions,
)
from gmail_assistant.flows.threads import MARKER

pytestmark = pytest.mark.anyio


@pytest.fixture
def stack() -> Iterator[Stack]:
    with servers() as (emulator, fake):
        yield Stack(emulator, fake, process=False)


async def test_owner_moves_to_needs_response_and_sends_an_edited_draft(
    tmp_path: Path, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'flows.db'}"
    async with world_for(tmp_path, url, *stack, monkeypatch) as world:
        threads = []
        for subject in ("Your receipt", "Your second receipt"):
            thread = world.deliver(
                sender="Shop <orders@shop.example>",
                subject=subject,
                body="Thank you for your payment. This is your receipt; the order is paid.",
            )["thread_id"]
            await world.sync()
            assert world.ai_labels(thread) == {"🤖 AI/FYI"}
            world.owner_label(thread, add="needs_response")
            await world.sync()
            assert (await world.email(thread)).status == "drafted"
            threads.append(thread)
        (draft,) = world.drafts(threads[0])
        assert MARKER in draft["body"]
        edited = draft["body"].replace(MARKER, MARKER + "\nCould you also send the invoice?", 1)
        world.edit_draft(threads[0], edited)
        world.send_draft(threads[0])
        await world.sync()
        score = (await world.email(threads[0])).draft_similarity
        assert score is not None and 0 < score < 1

        async with world.database.read() as session:
            found = await examples(session, user_id=world.user_id)

    assert [(c.thread_id, c.kind, c.predicted, c.corrected) for c in found] == [
        (threads[0], CorrectionKind.RECLASSIFY, "fyi", "needs_response"),
        (threads[1], CorrectionKind.RECLASSIFY, "fyi", "needs_response"),
        (threads[0], CorrectionKind.SENT_EDITED, "fyi", "needs_response"),
    ]
    assert found[-1].similarity == score
    assert found[0].subject == "Your receipt" and found[0].sender_email == "orders@shop.example"
    assert labelled_pairs(found) == [("needs_response", "fyi")] * 2
    assert override_suggestions(found) == [
        OverrideSuggestion("sender", "orders@shop.example", "needs_response", 2)
    ]


async def test_owner_moves_to_another_category_label_become_reclassify_examples(
    tmp_path: Path, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "flows.db"
    async with world_for(tmp_path, f"sqlite+aiosqlite:///{path}", *stack, monkeypatch) as world:
        receipt = world.deliver(
            sender="Shop <orders@shop.example>",
            subject="Your receipt",
            body="Thank you for your payment. This is your receipt; the order is paid.",
        )["thread_id"]
        question = world.deliver(
            sender="Jana <jana@partner.example>",
            subject="Report",
            body="Could you send me the quarterly report by Friday?",
        )["thread_id"]
        await world.sync()
        assert world.ai_labels(receipt) == {"🤖 AI/FYI"}
        assert world.ai_labels(question) == {"🤖 AI/Outbox"}
        before = len(await world.jobs())

        # The owner files the receipt under Action Required, and the drafted question under FYI.
        world.owner_label(receipt, add="action_required", remove="fyi")
        world.owner_label(question, add="fyi", remove="outbox")
        await world.sync()

        new_jobs = (await world.jobs())[before:]
        assert [j.job_type for j in new_jobs] == ["sync"]  # no classify, no draft work
        assert world.ai_labels(receipt) == {"🤖 AI/Action Required"}  # left as the owner put it
        # (Outbox stays on our draft message: the owner took it off the mail only.)
        assert world.ai_labels(question) == {"🤖 AI/FYI", "🤖 AI/Outbox"}
        assert len(world.drafts(question)) == 1  # nothing deleted
        assert (await world.email(question)).classification == "fyi"
        assert "owner_reclassified" in await world.events(receipt)
        async with world.database.read() as session:
            found = await examples(session, user_id=world.user_id)
        assert world.safety_violations() == 0

    assert [(c.thread_id, c.kind, c.predicted, c.corrected) for c in found] == [
        (receipt, CorrectionKind.RECLASSIFY, "fyi", "action_required"),
        (question, CorrectionKind.RECLASSIFY, "needs_response", "fyi"),
    ]
    # Every classification label the assistant put on itself (FYI, Needs Response, Outbox)
    # was its own write: no example came of them.

    _register()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GMA_DB_SQLITE_PATH", str(path))
    result = await asyncio.to_thread(
        CliRunner().invoke, app, ["test-classification", "--from-corrections"]
    )
    assert result.exit_code == 0, result.output
    assert "accuracy 0.0% over 2 mails" in result.output
    assert "2 corrections: 2 reclassify" in result.output
