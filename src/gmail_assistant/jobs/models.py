"""The queue's value types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["Job", "JobCounts"]


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
