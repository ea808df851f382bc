"""Helpers the label-driven flows share: the thread's email row, "did this job already commit".

Idempotency rule for these flows: Gmail state is checked before acting (is the owner's label
still there? is the draft still there?), and a job that committed its database step records
an event with its job id, so a rerun after a crash between the commit and the last Gmail call
only finishes the Gmail part instead of counting twice.
"""

from __future__ import annotations

from sqlalchemy import select

from gmail_assistant.db import Database
from gmail_assistant.db.models import Email, EmailEvent

__all__ = ["already_committed", "email_for_thread"]


async def email_for_thread(database: Database, user_id: int, thread_id: str) -> Email | None:
    async with database.read() as session:
        return (
            await session.execute(
                select(Email).where(Email.user_id == user_id, Email.gmail_thread_id == thread_id)
            )
        ).scalar_one_or_none()


async def already_committed(database: Database, job_id: int, event_type: str) -> bool:
    async with database.read() as session:
        found = (
            await session.execute(
                select(EmailEvent.id)
                .where(EmailEvent.job_id == job_id, EmailEvent.event_type == event_type)
                .limit(1)
            )
        ).first()
    return found is not None
