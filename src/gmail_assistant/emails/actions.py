"""What the owner can ask for from the API and the debug pages: re-triage, a full sync.

Both only enqueue; the classify and sync flows do the work.
"""

from __future__ import annotations

from gmail_assistant.emails.values import EmailView
from gmail_assistant.jobs import JobQueue
from gmail_assistant.jobs.names import CLASSIFY, SYNC

__all__ = ["JobTypeUnavailable", "request_full_sync", "request_reclassify"]


class JobTypeUnavailable(Exception):
    """No handler for the job type is installed in this process."""


async def request_reclassify(queue: JobQueue, email: EmailView) -> int | None:
    """Queue a forced re-classification of the thread's latest message."""
    if queue.registry.get(CLASSIFY) is None:
        raise JobTypeUnavailable(CLASSIFY)
    return await queue.enqueue(
        CLASSIFY,
        user_id=email.user_id,
        thread_id=email.gmail_thread_id,
        payload={"message_id": email.last_message_id or email.gmail_message_id, "force": True},
    )


async def request_full_sync(queue: JobQueue, user_id: int) -> int | None:
    """Queue a full sync; it takes over an incremental sync already waiting for the user."""
    if queue.registry.get(SYNC) is None:
        raise JobTypeUnavailable(SYNC)
    return await queue.enqueue(SYNC, user_id=user_id, payload={"full": True}, replace_pending=True)
