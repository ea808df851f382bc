"""A readable JSON dump of the emulator state (``GET /_emulator/state``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gmail_emulator.mailbox import Mailbox

if TYPE_CHECKING:
    from gmail_emulator.state import EmulatorState

__all__ = ["dump_mailbox", "dump_state"]


def dump_mailbox(box: Mailbox) -> dict[str, Any]:
    draft_of = {message_id: draft_id for draft_id, message_id in box.drafts.items()}
    messages = []
    for message in sorted(box.messages.values(), key=lambda m: (m.internal_ms, m.id)):
        parsed = message.parsed
        messages.append(
            {
                "id": message.id,
                "threadId": message.thread_id,
                "labelIds": list(message.label_ids),
                "labels": [box.labels[i].name for i in message.label_ids if i in box.labels],
                "subject": parsed.header("Subject"),
                "from": parsed.header("From"),
                "to": parsed.header("To"),
                "messageId": parsed.header("Message-ID"),
                "internalDate": str(message.internal_ms),
                "historyId": str(message.history_id),
                "draftId": draft_of.get(message.id),
            }
        )
    drafts = []
    for draft_id, message_id in box.drafts.items():
        draft = box.messages.get(message_id)
        if draft is None:
            continue
        drafts.append(
            {
                "id": draft_id,
                "messageId": message_id,
                "threadId": draft.thread_id,
                "subject": draft.parsed.header("Subject"),
                "to": draft.parsed.header("To"),
                "body": draft.parsed.text,
            }
        )
    return {
        "email": box.email,
        "historyId": str(box.history.current_id),
        "historyFloor": str(box.history.floor),
        "historyRecords": len(box.history),
        "labels": [label.resource() for label in box.labels.values()],
        "messages": messages,
        "drafts": drafts,
        "watch": box.watch,
        "pushUrl": box.push_url,
    }


def dump_state(state: EmulatorState, email: str | None = None) -> dict[str, Any]:
    boxes = [state.mailbox(email, create=False)] if email else list(state.mailboxes.values())
    return {
        "mailboxes": {box.email: dump_mailbox(box) for box in boxes},
        "safety_violations": [
            v.as_dict() for v in state.violations if not email or v.email.lower() == email.lower()
        ],
        "calls": state.calls_snapshot(),
        "faults": state.faults.config.as_dict(),
        "token_refreshes": dict(state.token_refreshes),
    }
