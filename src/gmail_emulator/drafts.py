"""Drafts and sending, with Gmail's history semantics.

* create → ``messageAdded`` of the DRAFT message;
* update → ``messageDeleted`` of the old message + ``messageAdded`` of a new message id;
* delete → ``messageDeleted``;
* send, as the mailbox's ``send_mode`` says (Google does not document which one its web
  client produces, so the emulator plays both):
  ``replace`` → ``messageDeleted`` of the draft message + ``messageAdded`` of a SENT message
  (a new id) in the same thread; ``relabel`` → the same message gains SENT
  (``labelsAdded``) and loses DRAFT (``labelsRemoved``).

A draft joins the thread it names only by Gmail's rule (:mod:`gmail_emulator.thread_match`):
otherwise, and without a threadId, it opens a thread of its own.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from gmail_emulator.compose import ensure_message_id
from gmail_emulator.errors import bad_request, not_found
from gmail_emulator.mailbox import SEND_MODES, Mailbox
from gmail_emulator.messages import StoredMessage, message_resource

__all__ = [
    "SEND_MODES",
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


def create_draft(box: Mailbox, raw: bytes, thread_id: str | None = None) -> str:
    if not raw:
        raise bad_request("Missing draft message")
    message = box.add_message(raw, ["DRAFT"], thread_id=box.reply_thread(raw, thread_id))
    draft_id = box.ids.next_draft_id()
    box.drafts[draft_id] = message.id
    return draft_id


def update_draft(
    box: Mailbox, draft_id: str, raw: bytes, thread_id: str | None = None, *, owner: bool = False
) -> str:
    """Replace the draft's message by a new one; returns the new message id.

    Through the API the new message is threaded like a new draft. The ``owner`` editing in
    their Gmail client keeps the draft where it is.
    """
    if not raw:
        raise bad_request("Missing draft message")
    old = draft_message(box, draft_id)
    thread = old.thread_id if owner else box.reply_thread(raw, thread_id, keep=old.thread_id)
    box.delete_message(old.id)
    message = box.add_message(raw, ["DRAFT"], thread_id=thread)
    box.drafts[draft_id] = message.id
    return message.id


def delete_draft(box: Mailbox, draft_id: str) -> None:
    message = draft_message(box, draft_id)
    box.delete_message(message.id)
    box.drafts.pop(draft_id, None)


def send_draft(box: Mailbox, draft_id: str, *, mode: str | None = None) -> StoredMessage:
    """Send the draft as ``mode`` (default: the mailbox's ``send_mode``) says."""
    mode = mode or box.send_mode
    if mode not in SEND_MODES:
        raise bad_request(f"Unknown send mode: {mode} (expected one of {', '.join(SEND_MODES)})")
    message = draft_message(box, draft_id)
    box.drafts.pop(draft_id, None)
    if mode == "relabel":
        # Sent now: internalDate is the send time, not the time the draft was written.
        box.messages[message.id] = replace(message, internal_ms=int(time.time() * 1000))
        return box.modify(message.id, add=["SENT"], remove=["DRAFT"])
    box.delete_message(message.id)
    raw, _ = ensure_message_id(message.raw)
    return box.add_message(raw, ["SENT"], thread_id=message.thread_id)


def send_message(box: Mailbox, raw: bytes, thread_id: str | None = None) -> StoredMessage:
    if not raw:
        raise bad_request("Missing message")
    raw, _ = ensure_message_id(raw)
    return box.add_message(raw, ["SENT"], thread_id=box.reply_thread(raw, thread_id))
