"""The owner's moves to another category label, written down by sync as corrections.

No job and no Gmail call: the move is the owner's decision, already visible in Gmail. In
sync's transaction the email takes the owner's category (so a retriage, a payment check or
a later correction starts from it), and one `owner_reclassified` event says what it was
before — `corrections` turns it into a `reclassify` example. A draft not yet written is
called off (status skipped: the draft job finds the mail no longer needs_response); a draft
already in Gmail stays there, the owner's to keep or delete.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gmail_assistant.db.models import Email
from gmail_assistant.events import EventType, record_event
from gmail_assistant.sync.rules import OwnerMove

__all__ = ["reclassified_detail", "record_owner_moves"]


def reclassified_detail(category: str, previous: str | None) -> str:
    return f"owner moved the thread to {category} (was {previous or 'unclassified'})"


def record_owner_moves(session: Session, user_id: int, moves: Iterable[OwnerMove]) -> int:
    """Apply the moves to `emails` with their events; how many were recorded."""
    recorded = 0
    for move in moves:
        email = session.scalars(
            select(Email).where(Email.user_id == user_id, Email.gmail_thread_id == move.thread_id)
        ).one_or_none()
        if email is None or email.classification in (None, move.category):
            continue
        previous = email.classification
        email.classification = move.category
        if previous == "needs_response" and email.status == "pending":
            email.status = "skipped"
        record_event(
            session,
            user_id=user_id,
            email_id=email.id,
            thread_id=move.thread_id,
            event_type=EventType.OWNER_RECLASSIFIED,
            detail=reclassified_detail(move.category, previous),
            label_id=move.label_id,
        )
        recorded += 1
    return recorded
