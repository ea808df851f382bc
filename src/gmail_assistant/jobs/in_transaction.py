"""Enqueue jobs on a (sync) connection that is already inside a transaction.

Sync enqueues the jobs a history batch yields and moves the history cursor in ONE
transaction: either both happen or neither (a crash in between replays the batch, and the
per-thread de-duplication absorbs the replay). The classifier records its result and
enqueues the draft the same way. `JobQueue.enqueue` opens its own transaction, so this runs
the queue's own statement with the queue's own parameters (`JobQueue.enqueue_params`) on the
caller's connection instead (a
`Database.run_write` unit's); the caller wakes the in-process workers
(`queue.wakeup.notify()`) after its commit.
Job types nobody has registered yet (the classifier may live in another release) get the
scope their name implies in `jobs.names`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from gmail_assistant.jobs import names
from gmail_assistant.jobs.models import Job, JobSpec
from gmail_assistant.jobs.queue import NOTIFY_CHANNEL, JobQueue
from gmail_assistant.jobs.registry import JobType, Scope

__all__ = ["DEFAULT_SCOPES", "enqueue_in", "notify_in"]

DEFAULT_SCOPES: dict[str, Scope] = {
    names.SYNC: "user",
    names.CLASSIFY: "thread",
    names.DRAFT: "thread",
    names.REWORK: "thread",
    names.MANUAL_DRAFT: "thread",
    names.CLEANUP: "thread",
    names.AGENT_PROCESS: "thread",
}


async def _no_handler(job: Job) -> None:  # pragma: no cover - never called
    raise RuntimeError(f"no handler for {job.job_type!r}")


def _statements(queue: JobQueue) -> Any:
    """The queue's own enqueue statements as SQLAlchemy text (`enqueue`, `notify`, ...)."""
    return queue.sql


def _spec(queue: JobQueue, job_type: str) -> JobType:
    spec = queue.registry.get(job_type)
    if spec is None:
        spec = JobType(job_type, _no_handler, DEFAULT_SCOPES.get(job_type, "none"))
    return spec


def enqueue_in(
    conn: Connection,
    queue: JobQueue,
    job_type: str,
    *,
    user_id: int,
    thread_id: str | None,
    payload: dict[str, Any],
    in_line_since: datetime | None = None,
) -> int | None:
    """Insert a pending job (or find its waiting duplicate); returns the id, or None.

    `in_line_since`: the next step of a mail's work keeps the place in the queue its first
    step had (`Job.created_at`), so one mail's draft runs before the triage of mails that
    arrived after it (jobs are claimed by `run_after`, then id).
    """
    job = JobSpec(job_type, user_id, thread_id, payload, run_after=in_line_since)
    params = queue.enqueue_params(job, queue.clock(), job_type=_spec(queue, job_type))
    dedup_key = params["dedup_key"]
    statements = _statements(queue)
    job_id = conn.execute(statements.enqueue, params).scalar()
    if job_id is None and dedup_key is not None:
        job_id = conn.execute(statements.pending_id_for_key, {"dedup_key": dedup_key}).scalar()
    return int(job_id) if job_id is not None else None


def notify_in(conn: Connection, queue: JobQueue) -> None:
    """PostgreSQL's NOTIFY is delivered on commit; call inside the transaction."""
    notify = _statements(queue).notify
    if notify is not None:
        conn.execute(notify, {"channel": NOTIFY_CHANNEL})
