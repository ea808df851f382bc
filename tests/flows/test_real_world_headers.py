"""Real-world address and subject shapes through the whole flow: the emulator shows the
headers the way Gmail does (encoded words decoded, nothing re-quoted), the assistant
classifies and drafts, and each draft answers exactly the right people, in the right thread.
"""

from __future__ import annotations

import email.utils
from pathlib import Path
from typing import Any

import pytest
from flow_support import OWNER, World, servers, world_for
from header_corpus import SHAPES, Shape, expected_references, raw_mail

pytestmark = pytest.mark.anyio


def _check_draft(world: World, shape: Shape, index: int, delivered: dict[str, Any]) -> None:
    thread_id = delivered["thread_id"]
    assert world.ai_labels(thread_id) == {"🤖 AI/Outbox"}, shape.name
    (draft,) = world.drafts(thread_id)
    assert draft["threadId"] == thread_id, shape.name
    mime = world.draft_raw(thread_id)
    to = {a.lower() for _, a in email.utils.getaddresses(mime.get_all("To") or [])}
    assert to == set(shape.recipients), shape.name
    assert mime["Cc"] is None and mime["Bcc"] is None, shape.name
    assert OWNER not in to
    subject = (shape.reply_subject or f"Re: {shape.subject}") + f" [{index}]"
    assert mime["Subject"] == subject, shape.name
    assert mime["In-Reply-To"] == delivered["message_id"], shape.name
    assert mime["References"].split() == expected_references(shape, delivered["message_id"])


def _deliver(world: World, shape: Shape, index: int) -> dict[str, Any]:
    raw, message_id = raw_mail(shape, index)
    delivery = world.emulator.state.deliver(OWNER, raw=raw)
    assert delivery.message_id == message_id
    return {"thread_id": delivery.thread_id, "message_id": message_id}


def test_the_corpus_has_enough_shapes() -> None:
    assert len(SHAPES) >= 40
    assert len({shape.name for shape in SHAPES}) == len(SHAPES)


async def test_every_shape_gets_a_draft_to_the_right_people(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with servers() as (emulator, fake):
        async with world_for(tmp_path, sqlite_url, emulator, fake, monkeypatch) as world:
            delivered = [_deliver(world, shape, i) for i, shape in enumerate(SHAPES)]
            await world.sync()
            for index, (shape, mail) in enumerate(zip(SHAPES, delivered, strict=True)):
                _check_draft(world, shape, index, mail)
                row = await world.email(mail["thread_id"])
                assert row.status == "drafted", shape.name
            assert world.safety_violations() == 0


ISSUE_SHAPES = SHAPES[:5]


async def test_the_issue_shapes_through_both_stacks(
    tmp_path: Path, db_url: str, stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world_for(tmp_path, db_url, *stack, monkeypatch, process=stack.process) as world:
        delivered = [_deliver(world, shape, i) for i, shape in enumerate(ISSUE_SHAPES)]
        await world.sync()
        for index, (shape, mail) in enumerate(zip(ISSUE_SHAPES, delivered, strict=True)):
            _check_draft(world, shape, index, mail)
            row = await world.email(mail["thread_id"])
            assert row.sender_email in shape.recipients, shape.name  # never blank, never a name


async def test_a_mail_without_a_usable_sender_is_shown_with_the_reason(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with servers() as (emulator, fake):
        async with world_for(tmp_path, sqlite_url, emulator, fake, monkeypatch) as world:
            raw = (
                b"From: Undisclosed sender\r\nTo: owner@example.com\r\nSubject: Offer\r\n"
                b"Message-ID: <nosender@example.com>\r\n\r\n"
                b"Could you please send me the price list for next year?\r\n"
            )
            thread_id = world.emulator.state.deliver(OWNER, raw=raw).thread_id
            await world.sync()
            row = await world.email(thread_id)
            assert row.classification == "needs_response" and not row.is_automated
            assert world.ai_labels(thread_id) == {"🤖 AI/Outbox"}  # the owner sees it
            assert len(world.drafts(thread_id)) == 1
            assert world.draft_raw(thread_id)["To"] is None  # the owner fills it in
            events = await world.events(thread_id)
            assert "parse_error" in events and "draft_created" in events
