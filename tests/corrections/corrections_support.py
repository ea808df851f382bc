"""One owner's history of corrections, as rows the lifecycle jobs write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from api_support import seed_email, seed_rows

from gmail_assistant.db import Database, utcnow
from gmail_assistant.db.models import EmailEvent

__all__ = ["Story", "seed_corrections"]


@dataclass(frozen=True)
class Story:
    now: datetime
    emails: dict[str, int]


async def seed_corrections(db: Database, user_id: int) -> Story:
    """Within 30 days: boss@acme twice and ceo@acme once moved to Needs Response, a rework then
    a draft sent unchanged, a draft sent edited, a draft deleted unsent, a mail never corrected.
    40 days ago: one more fyi → Needs Response."""
    now = utcnow()
    emails: dict[str, int] = {}

    async def mail(name: str, sender: str, **fields: Any) -> int:
        emails[name] = await seed_email(
            db, user_id, sender_email=sender, subject=name, gmail_thread_id=f"t-{name}", **fields
        )
        return emails[name]

    def event(name: str, event_type: str, detail: str, days_ago: float) -> EmailEvent:
        return EmailEvent(
            user_id=user_id,
            email_id=emails[name],
            thread_id=f"t-{name}",
            event_type=event_type,
            detail=detail,
            created_at=now - timedelta(days=days_ago),
        )

    await mail("boss-1", "boss@acme.example", status="sent", draft_similarity=0.6)
    await mail("boss-2", "Boss@acme.example", status="drafted")
    await mail("ceo", "ceo@acme.example", status="drafted")
    await mail("rework", "x@gmail.com", status="sent", draft_similarity=1.0)
    await mail("edited", "y@gmail.com", status="sent", draft_similarity=0.8)
    await mail("deleted", "z@gmail.com", status="archived")
    await mail("fine", "news@shop.example", status="skipped")
    await mail("old", "old@acme.example", status="drafted")
    await seed_rows(
        db,
        event("boss-1", "classified", "fyi (0.80): a notice", 16),
        event("boss-1", "manual_draft_requested", "owner added Needs Response (was fyi)", 15.9),
        event("boss-1", "sent_detected", "sent; 60% of the draft survived", 15),
        event("boss-2", "classified", "fyi (0.70): a notice", 5),
        event("boss-2", "manual_draft_requested", "owner added Needs Response (was fyi)", 4.9),
        event("ceo", "classified", "action_required (0.90): a task", 5),
        event("ceo", "manual_draft_requested",
              "owner added Needs Response (was action_required)", 4.9),
        event("rework", "classified", "needs_response (0.95): a question", 3),
        event("rework", "rework_requested", "rework 1/3: shorter, and sign as Jan", 2),
        event("rework", "sent_detected", "sent; 100% of the draft survived", 1),
        event("edited", "classified", "needs_response (0.95): a question", 3),
        event("edited", "sent_detected", "sent; 80% of the draft survived", 1),
        event("deleted", "classified", "needs_response (0.95): a question", 3),
        event("deleted", "sent_detected", "our draft was deleted without a reply being sent", 1),
        event("fine", "classified", "fyi (0.99) automated: newsletter", 3),
        event("old", "classified", "fyi (0.60): a notice", 41),
        event("old", "manual_draft_requested", "owner added Needs Response (was fyi)", 40),
    )  # fmt: skip
    return Story(now=now, emails=emails)
