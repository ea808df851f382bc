"""Corrections the owner makes in "their Gmail" (the emulator) end up as labelled examples."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flow_support import Stack, servers, world_for

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
