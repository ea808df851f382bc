"""Job types and their handlers: what runs, and how jobs of a type are de-duplicated."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Literal

from gmail_assistant.jobs.models import Job

__all__ = ["Handler", "HandlerRegistry", "JobType", "Scope"]

Handler = Callable[[Job], Coroutine[Any, Any, Any]]
# "user": at most one pending and one running per user (sync).
# "thread": at most one pending per (type, thread); one running job per thread at a time.
Scope = Literal["user", "thread", "none"]


@dataclass(frozen=True)
class JobType:
    name: str
    handler: Handler
    scope: Scope = "none"
    max_attempts: int | None = None

    def keys(self, user_id: int | None, thread_id: str | None) -> tuple[str | None, str | None]:
        """(dedup_key, lock_key) for a job of this type."""
        if self.scope == "user" and user_id is not None:
            key = f"{self.name}:{user_id}"
            return key, key
        if self.scope == "thread" and thread_id is not None:
            return f"{self.name}:{user_id}:{thread_id}", f"thread:{user_id}:{thread_id}"
        return None, None


class HandlerRegistry:
    def __init__(self) -> None:
        self._types: dict[str, JobType] = {}

    def register(
        self,
        name: str,
        handler: Handler,
        *,
        scope: Scope = "none",
        max_attempts: int | None = None,
    ) -> None:
        if name in self._types:
            raise ValueError(f"job type {name!r} is registered twice")
        self._types[name] = JobType(name, handler, scope, max_attempts)

    def get(self, name: str) -> JobType | None:
        return self._types.get(name)

    def require(self, name: str) -> JobType:
        job_type = self._types.get(name)
        if job_type is None:
            raise KeyError(f"unknown job type {name!r}")
        return job_type

    def names(self) -> list[str]:
        return sorted(self._types)
