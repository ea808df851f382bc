"""Clearing what the assistant learned from the mailbox, keeping who the users are.

Users, their label ids and settings survive a reset; everything derived from Gmail (emails,
their events, jobs, LLM calls, agent runs, the sync position and the pending own-write
markers sync would match against history) goes, so the next sync starts
from a clean slate.
"""

from __future__ import annotations

from sqlalchemy import delete

from gmail_assistant.db import Database
from gmail_assistant.db.models import (
    AgentRun,
    Base,
    Email,
    EmailEvent,
    Job,
    LlmCall,
    OwnWrite,
    SchedulerTick,
    SyncState,
    User,
    UserLabel,
    UserSetting,
)

__all__ = ["EVERYTHING", "MAILBOX_DATA", "clear_tables"]

# Children before parents, so foreign keys hold at every step.
MAILBOX_DATA: tuple[type[Base], ...] = (
    EmailEvent,
    AgentRun,
    LlmCall,
    Job,
    OwnWrite,
    Email,
    SyncState,
)
EVERYTHING: tuple[type[Base], ...] = (
    *MAILBOX_DATA,
    SchedulerTick,
    UserSetting,
    UserLabel,
    User,
)


async def clear_tables(
    db: Database, tables: tuple[type[Base], ...] = MAILBOX_DATA
) -> dict[str, int]:
    """Delete every row of `tables` in one transaction; rows removed per table."""
    removed: dict[str, int] = {}
    async with db.transaction() as session:
        for model in tables:
            result = await session.execute(delete(model))
            removed[model.__tablename__] = int(getattr(result, "rowcount", 0) or 0)
    return removed
