"""Sync: Gmail history → jobs, the history cursor, and the record of the assistant's own writes.

Flows that change Gmail labels or remove drafts must do it through `GmailWriter`
(`OwnWrites.writer(user_id=..., gmail=...)`), so that sync never mistakes the change for
the owner's.
"""

from gmail_assistant.sync.own_writes import GmailWriter, OwnWriteKey, OwnWrites
from gmail_assistant.sync.rules import PlannedJob, ThreadState, plan_jobs
from gmail_assistant.sync.service import SyncResult, SyncService, full_sync_query

__all__ = [
    "GmailWriter",
    "OwnWriteKey",
    "OwnWrites",
    "PlannedJob",
    "SyncResult",
    "SyncService",
    "ThreadState",
    "full_sync_query",
    "plan_jobs",
]
