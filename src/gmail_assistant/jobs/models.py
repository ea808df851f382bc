"""The queue's value types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["Job", "JobCounts", "JobSpec"]


@dataclass(frozen=True)
class Job:
    id: int
    job_type: str
    user_id: int | None
    thread_id: str | None
    payload: dict[str, Any] = field(default_factory=dict)
    attempts: int = 1
    max_attempts: int = 5
    created_at: datetime | None = None
    lock_key: str | None = None


@dataclass(frozen=True)
class JobCounts:
    pending: int = 0
    running: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0


@dataclass(frozen=True)
class JobSpec:
    """A job to enqueue (`JobQueue.enqueue_many` takes a batch of them)."""

    job_type: str
    user_id: int | None = None
    thread_id: str | None = None
    payload: dict[str, Any] | None = None
    run_after: datetime | None = None
    # A full sync replaces the payload of a waiting incremental one.
    replace_pending: bool = False
