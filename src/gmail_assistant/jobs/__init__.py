"""The persistent job queue, its workers and the periodic scheduler."""

from gmail_assistant.jobs.models import Job, JobCounts, JobSpec
from gmail_assistant.jobs.notify import PgListener, Wakeup
from gmail_assistant.jobs.queue import NOTIFY_CHANNEL, JobQueue
from gmail_assistant.jobs.registry import HandlerRegistry
from gmail_assistant.jobs.retry import PermanentJobError, RetryPolicy
from gmail_assistant.jobs.scheduler import PeriodicTask, Scheduler
from gmail_assistant.jobs.worker import JobOutcome, WorkerPool, make_worker_id

__all__ = [
    "NOTIFY_CHANNEL",
    "HandlerRegistry",
    "Job",
    "JobCounts",
    "JobOutcome",
    "JobQueue",
    "JobSpec",
    "PeriodicTask",
    "PermanentJobError",
    "PgListener",
    "RetryPolicy",
    "Scheduler",
    "Wakeup",
    "WorkerPool",
    "make_worker_id",
]
