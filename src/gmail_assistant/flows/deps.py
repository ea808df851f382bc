"""The dependencies of the mail flows, and the per-job view of one user's mailbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from gmail_assistant.db import Database
from gmail_assistant.db.models import Email
from gmail_assistant.flows.threads import ThreadCache
from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.gmail.errors import GmailNotFound
from gmail_assistant.gmail.models import ThreadData
from gmail_assistant.jobs import Job, JobQueue, PermanentJobError
from gmail_assistant.labels import LabelMap
from gmail_assistant.llm.port import LlmApi
from gmail_assistant.llm.records import CallContext
from gmail_assistant.settings import LlmSettings
from gmail_assistant.sync.own_writes import GmailWriter, OwnWrites
from gmail_assistant.sync.rules import watched_label_ids
from gmail_assistant.users import UserRecord, UserService

__all__ = ["FlowDeps", "Mailbox"]


@dataclass(frozen=True)
class Mailbox:
    """What a job needs to act on one user's Gmail."""

    user: UserRecord
    labels: LabelMap
    gmail: GmailApi
    writer: GmailWriter
    settings: dict[str, Any]

    @property
    def owner_email(self) -> str:
        return self.user.email


@dataclass
class FlowDeps:
    database: Database
    queue: JobQueue
    users: UserService
    gmail_for: Callable[[str], GmailApi]
    own_writes: OwnWrites
    llm: LlmApi
    models: LlmSettings
    threads: ThreadCache
    # A user's row, label ids and settings change rarely; every job needs them. Keeping them
    # a few seconds saves three reads per job (settings edits show up within that time).
    profile_seconds: float = 5.0
    _profiles: dict[int, tuple[float, UserRecord, LabelMap, dict[str, Any]]] = field(
        default_factory=dict
    )

    async def mailbox(self, job: Job) -> Mailbox:
        if job.user_id is None:
            raise PermanentJobError(f"{job.job_type} job without a user")
        cached = self._profiles.get(job.user_id)
        if cached is not None and time.monotonic() - cached[0] < self.profile_seconds:
            _, user, labels, settings = cached
        else:
            user, labels, settings = await self._load_profile(job)
            self._profiles[job.user_id] = (time.monotonic(), user, labels, settings)
        gmail = self.gmail_for(user.email)
        return Mailbox(
            user=user,
            labels=labels,
            gmail=gmail,
            writer=self.own_writes.writer(
                user_id=user.id, gmail=gmail, watched=watched_label_ids(labels)
            ),
            settings=settings,
        )

    async def _load_profile(self, job: Job) -> tuple[UserRecord, LabelMap, dict[str, Any]]:
        assert job.user_id is not None
        user = await self.users.get(job.user_id)
        if user is None:
            raise PermanentJobError(f"user {job.user_id} does not exist")
        labels = await self.users.labels(user.id)
        if not labels.complete:
            raise PermanentJobError(f"user {user.email} is not onboarded (labels missing)")
        return user, labels, await self.users.settings(user.id)

    async def thread(self, mailbox: Mailbox, thread_id: str, *, fresh: bool = False) -> ThreadData:
        """The thread, from this process's short cache unless `fresh`; 404 → permanent."""
        if not fresh:
            cached = self.threads.get(mailbox.user.id, thread_id)
            if cached is not None:
                return cached
        try:
            thread = await mailbox.gmail.get_thread(thread_id)
        except GmailNotFound as exc:
            raise PermanentJobError(f"thread {thread_id} no longer exists") from exc
        self.threads.put(mailbox.user.id, thread)
        return thread

    async def email(self, user_id: int, thread_id: str) -> Email | None:
        """The thread's `emails` row (detached, every column loaded), or None."""
        query = select(Email).where(Email.user_id == user_id, Email.gmail_thread_id == thread_id)
        return await self.database.run_read(lambda session: session.scalars(query).one_or_none())

    def call_context(self, job: Job, email_id: int | None = None) -> CallContext:
        return CallContext(
            user_id=job.user_id, email_id=email_id, thread_id=job.thread_id, job_id=job.id
        )
