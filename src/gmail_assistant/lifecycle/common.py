"""What the label-driven flows share: "did this job already commit".

Idempotency rule for these flows: Gmail state is checked before acting (is the owner's label
still there? is the draft still there?), and a job that committed its database step records
an event with its job id, so a rerun after a crash between the commit and the last Gmail call
only finishes the Gmail part instead of counting twice.
"""

from __future__ import annotations

from sqlalchemy import select

from gmail_assistant.db import Database
from gmail_assistant.db.models import EmailEvent

__all__ = ["already_committed"]


async def already_committed(database: Database, job_id: int, event_type: str) -> bool:
    query = (
        select(EmailEvent.id)
        .where(EmailEvent.job_id == job_id, EmailEvent.event_type == event_type)
        .limit(1)
    )
    return await database.run_read(lambda session: session.execute(query).first() is not None)
