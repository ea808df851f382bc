"""Gmail API JSON resources → the adapter's values (labels, drafts, history, profile)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from gmail_assistant.gmail.compose import parse_raw_text
from gmail_assistant.gmail.models import (
    Draft,
    HistoryMessage,
    HistoryRecord,
    Label,
    LabelChange,
    Profile,
)
from gmail_assistant.gmail.parse import parse_message

__all__ = [
    "draft_from",
    "history_record_from",
    "label_from",
    "ms_to_datetime",
    "profile_from",
    "to_int",
]


def to_int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def ms_to_datetime(value: Any) -> datetime:
    return datetime.fromtimestamp(to_int(value) / 1000, tz=UTC)


def _labels(value: Any) -> tuple[str, ...]:
    return tuple(str(label) for label in value) if isinstance(value, list) else ()


def label_from(resource: Mapping[str, Any]) -> Label:
    return Label(
        id=str(resource.get("id", "")),
        name=str(resource.get("name", "")),
        type=str(resource.get("type", "user")).lower(),
    )


def profile_from(resource: Mapping[str, Any]) -> Profile:
    return Profile(
        email=str(resource.get("emailAddress", "")),
        history_id=to_int(resource.get("historyId")),
        messages_total=to_int(resource.get("messagesTotal")),
        threads_total=to_int(resource.get("threadsTotal")),
    )


def draft_from(resource: Mapping[str, Any], *, full: bool = False) -> Draft:
    """A drafts resource; with ``full`` the message body is read (format=full or raw)."""
    message = resource.get("message")
    message = message if isinstance(message, Mapping) else {}
    body_text: str | None = None
    subject: str | None = None
    if full:
        if message.get("raw"):
            body_text = parse_raw_text(str(message["raw"]))
        else:
            parsed = parse_message(message)
            body_text, subject = parsed.body_text, parsed.subject
    return Draft(
        id=str(resource.get("id", "")),
        message_id=str(message.get("id", "")),
        thread_id=str(message.get("threadId", "")),
        body_text=body_text,
        subject=subject,
    )


def _message_ref(entry: Any) -> HistoryMessage | None:
    message = entry.get("message") if isinstance(entry, Mapping) else None
    if not isinstance(message, Mapping) or not message.get("id"):
        return None
    return HistoryMessage(
        id=str(message["id"]),
        thread_id=str(message.get("threadId", "")),
        label_ids=_labels(message.get("labelIds")),
    )


def _label_change(entry: Any) -> LabelChange | None:
    ref = _message_ref(entry)
    if ref is None:
        return None
    return LabelChange(
        message_id=ref.id,
        thread_id=ref.thread_id,
        label_ids=_labels(entry.get("labelIds")),
        message_label_ids=ref.label_ids,
    )


def history_record_from(resource: Mapping[str, Any]) -> HistoryRecord:
    def refs(key: str) -> tuple[HistoryMessage, ...]:
        entries = resource.get(key)
        found = (_message_ref(e) for e in entries) if isinstance(entries, list) else ()
        return tuple(ref for ref in found if ref is not None)

    def changes(key: str) -> tuple[LabelChange, ...]:
        entries = resource.get(key)
        found = (_label_change(e) for e in entries) if isinstance(entries, list) else ()
        return tuple(change for change in found if change is not None)

    return HistoryRecord(
        id=to_int(resource.get("id")),
        messages_added=refs("messagesAdded"),
        messages_deleted=refs("messagesDeleted"),
        labels_added=changes("labelsAdded"),
        labels_removed=changes("labelsRemoved"),
    )
