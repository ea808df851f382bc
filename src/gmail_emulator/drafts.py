"""Drafts and sending, with Gmail's history semantics.

* create → ``messageAdded`` of the DRAFT message;
* update → ``messageDeleted`` of the old message + ``messageAdded`` of a new message id;
* delete → ``messageDeleted``;
* send → ``messageDeleted`` of the draft message + ``messageAdded`` of a SENT message in the
  same thread.
"""

from __future__ import annotations

from typing import Any

from gmail_emulator.compose import ensure_message_id
from gmail_emulator.errors import bad_request, not_found
from gmail_emulator.mailbox import Mailbox
from gmail_emulator.messages import StoredMessage, message_resource

__all__ = [
    "create_draft",
    "delete_draft",
    "draft_message",
    "draft_resource",
    "send_draft",
    "send_message",
    "update_draft",
]


def draft_message(box: Mailbox, draft_id: str) -> StoredMessage:
    message_id = box.drafts.get(draft_id)
    if message_id is None or message_id not in box.messages:
        raise not_found()
    return box.messages[message_id]


def draft_resource(
    box: Mailbox, draft_id: str, fmt: str = "full", metadata_headers: list[str] | None = None
) -> dict[str, Any]:
    message = draft_message(box, draft_id)
    return {"id": draft_id, "message": message_resource(message, fmt, metadata_headers)}


def _store_draft(box: Mailbox, raw: bytes, thread_id: str | None) -> StoredMessage:
    thread = box.thread_for(raw, thread_id)
    return box.add_message(raw, ["DRAFT"], thread_id=thread)


def create_draft(box: Mailbox, raw: bytes, thread_id: str | None = None) -> str:
    if not raw:
        raise bad_request("Missing draft message")
    message = _store_draft(box, raw, thread_id)
    draft_id = box.ids.next_draft_id()
    box.drafts[draft_id] = message.id
    return draft_id


def update_draft(box: Mailbox, draft_id: str, raw: bytes, thread_id: str | None = None) -> str:
    """Replace the draft's message by a new one; returns the new message id."""
    old = draft_message(box, draft_id)
    box.delete_message(old.id)
    message = _store_draft(box, raw, thread_id or old.thread_id)
    box.drafts[draft_id] = message.id
    return message.id


def delete_draft(box: Mailbox, draft_id: str) -> None:
    message = draft_message(box, draft_id)
    box.delete_message(message.id)
    box.drafts.pop(draft_id, None)


def send_draft(box: Mailbox, draft_id: str) -> StoredMessage:
    message = draft_message(box, draft_id)
    box.delete_message(message.id)
    box.drafts.pop(draft_id, None)
    raw, _ = ensure_message_id(message.raw)
    return box.add_message(raw, ["SENT"], thread_id=message.thread_id)


def send_message(box: Mailbox, raw: bytes, thread_id: str | None = None) -> StoredMessage:
    if not raw:
        raise bad_request("Missing message")
    raw, _ = ensure_message_id(raw)
    thread = box.thread_for(raw, thread_id, strict=False)
    return box.add_message(raw, ["SENT"], thread_id=thread)
