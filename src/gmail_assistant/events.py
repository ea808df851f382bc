"""`email_events`: every state change of an email, written in the same transaction as it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from gmail_assistant.db.models import EmailEvent

__all__ = ["EventType", "record_event"]


class EventType:
    RECEIVED = "received"
    CLASSIFIED = "classified"
    LABEL_ADDED = "label_added"
    LABEL_REMOVED = "label_removed"
    DRAFT_CREATED = "draft_created"
    DRAFT_TRASHED = "draft_trashed"
    DRAFT_ERROR = "draft_error"
    REWORK_REQUESTED = "rework_requested"
    REWORK_LIMIT_REACHED = "rework_limit_reached"
    MANUAL_DRAFT_REQUESTED = "manual_draft_requested"
    SENT_DETECTED = "sent_detected"
    ARCHIVED = "archived"
    WAITING_RETRIAGED = "waiting_retriaged"
    RECLASSIFIED = "reclassified"  # a forced re-run of the classifier (the model's answer)
    OWNER_RECLASSIFIED = "owner_reclassified"  # the owner put another category label on
    SKIPPED = "skipped"
    PARSE_ERROR = "parse_error"
    STATUS_CHANGED = "status_changed"
    BANK_ACCOUNT_CHANGED = "bank_account_changed"


def record_event(
    session: AsyncSession | Session,
    *,
    user_id: int,
    thread_id: str,
    event_type: str,
    email_id: int | None = None,
    detail: str | None = None,
    label_id: str | None = None,
    draft_id: str | None = None,
    job_id: int | None = None,
) -> EmailEvent:
    event = EmailEvent(
        user_id=user_id,
        email_id=email_id,
        thread_id=thread_id,
        event_type=event_type,
        detail=detail,
        label_id=label_id,
        draft_id=draft_id,
        job_id=job_id,
    )
    session.add(event)
    return event
