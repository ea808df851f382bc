"""The job queue: enqueue, claim, finish, lease upkeep. SQL lives in `jobs.sql`."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from gmail_assistant.db.database import Database
from gmail_assistant.db.types import UtcDateTime, utcnow
from gmail_assistant.jobs.models import Job, JobCounts
from gmail_assistant.jobs.notify import Wakeup
from gmail_assistant.jobs.registry import HandlerRegistry
from gmail_assistant.jobs.sql import queries_for

__all__ = ["NOTIFY_CHANNEL", "JobQueue"]

log = logging.getLogger(__name__)
NOTIFY_CHANNEL = "gma_jobs"
_MAX_ERROR_CHARS = 4000
_UTC = UtcDateTime()


class JobQueue:
    def __init__(
        self,
        *,
        database: Database,
        registry: HandlerRegistry,
        wakeup: Wakeup,
        lease_seconds: float = 60.0,
        default_max_attempts: int = 5,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = database
        self.registry = registry
        self.wakeup = wakeup
        self.lease = timedelta(seconds=lease_seconds)
        self.default_max_attempts = default_max_attempts
        self.clock = clock
        self.sql = queries_for(database.backend)

    async def enqueue(
        self,
        job_type: str,
        *,
        user_id: int | None = None,
        thread_id: str | None = None,
        payload: dict[str, Any] | None = None,
        run_after: datetime | None = None,
        replace_pending: bool = False,
    ) -> int | None:
        """Add a job; returns its id, or the waiting duplicate's id when de-duplicated."""
        spec = self.registry.require(job_type)
        dedup_key, lock_key = spec.keys(user_id, thread_id)
        now = self.clock()
        params = {
            "job_type": job_type,
            "user_id": user_id,
            "thread_id": thread_id,
            "payload": payload or {},
            "max_attempts": spec.max_attempts or self.default_max_attempts,
            "run_after": run_after or now,
            "dedup_key": dedup_key,
            "lock_key": lock_key,
            "now": now,
        }
        statement = self.sql.enqueue_replacing if replace_pending else self.sql.enqueue
        async with self.db.write_connection() as conn:
            job_id = (await conn.execute(statement, params)).scalar()
            if job_id is None and dedup_key is not None:
                job_id = (
                    await conn.execute(self.sql.pending_id_for_key, {"dedup_key": dedup_key})
                ).scalar()
            if self.sql.notify is not None:
                await conn.execute(self.sql.notify, {"channel": NOTIFY_CHANNEL})
        self.wakeup.notify()
        return int(job_id) if job_id is not None else None

    async def claim(self, worker_id: str) -> Job | None:
        now = self.clock()
        async with self.db.write_connection() as conn:
            row = (
                await conn.execute(
                    self.sql.claim, {"worker": worker_id, "now": now, "lease": now + self.lease}
                )
            ).first()
        if row is None:
            return None
        payload = row.payload
        if isinstance(payload, str):
            payload = json.loads(payload)
        return Job(
            id=row.id,
            job_type=row.job_type,
            user_id=row.user_id,
            thread_id=row.thread_id,
            payload=payload or {},
            attempts=row.attempts,
            max_attempts=row.max_attempts,
            created_at=row.created_at,
            lock_key=row.lock_key,
        )

    async def complete(self, job: Job, worker_id: str) -> bool:
        return await self._finish(self.sql.complete, job, worker_id, now=self.clock())

    async def fail(self, job: Job, worker_id: str, error: str) -> bool:
        return await self._finish(
            self.sql.fail, job, worker_id, now=self.clock(), error=error[:_MAX_ERROR_CHARS]
        )

    async def retry(self, job: Job, worker_id: str, error: str, run_after: datetime) -> bool:
        """Put the job back for a later attempt; a waiting duplicate supersedes it."""
        error = error[:_MAX_ERROR_CHARS]
        try:
            if await self._finish(self.sql.retry, job, worker_id, run_after=run_after, error=error):
                self.wakeup.notify_at(run_after)
                return True
        except IntegrityError:
            pass  # a duplicate was enqueued between the check and the update
        return await self._finish(
            self.sql.supersede,
            job,
            worker_id,
            now=self.clock(),
            error=f"superseded by a pending duplicate after: {error}",
        )

    async def release(self, job: Job, worker_id: str) -> bool:
        """Give a claimed job back without counting the attempt (graceful shutdown)."""
        try:
            return await self._finish(self.sql.release_worker, job, worker_id, now=self.clock())
        except IntegrityError:
            return False

    async def _finish(self, statement: Any, job: Job, worker_id: str, **params: Any) -> bool:
        async with self.db.write_connection() as conn:
            result = await conn.execute(statement, {"id": job.id, "worker": worker_id, **params})
            changed = bool(result.rowcount)
            if changed and self.sql.notify is not None and job.lock_key:
                # A job held back by this one's lock key can run now.
                await conn.execute(self.sql.notify, {"channel": NOTIFY_CHANNEL})
        if changed and job.lock_key:
            self.wakeup.notify()
        return changed

    async def heartbeat(self, worker_id: str) -> int:
        async with self.db.write_connection() as conn:
            result = await conn.execute(
                self.sql.heartbeat, {"worker": worker_id, "lease": self.clock() + self.lease}
            )
        return int(result.rowcount or 0)

    async def recover_stalled(self) -> int:
        """Return jobs of dead workers to the queue (or fail them on their last attempt)."""
        now = self.clock()
        async with self.db.write_connection() as conn:
            failed = (await conn.execute(self.sql.recover_exhausted, {"now": now})).rowcount
            requeued = (await conn.execute(self.sql.recover, {"now": now})).rowcount
            superseded = (await conn.execute(self.sql.recover_superseded, {"now": now})).rowcount
            if requeued and self.sql.notify is not None:
                await conn.execute(self.sql.notify, {"channel": NOTIFY_CHANNEL})
        total = int(failed or 0) + int(requeued or 0) + int(superseded or 0)
        if total:
            log.warning(
                "recovered stalled jobs",
                extra={"requeued": requeued, "failed": failed, "superseded": superseded},
            )
            self.wakeup.notify()
        return total

    async def purge(self, older_than: timedelta) -> int:
        async with self.db.write_connection() as conn:
            result = await conn.execute(self.sql.purge, {"before": self.clock() - older_than})
        return int(result.rowcount or 0)

    async def next_run_after(self) -> datetime | None:
        async with self.db.engine.connect() as conn:
            value = (await conn.execute(self.sql.next_run_after)).scalar()
        return _UTC.process_result_value(value, conn.dialect) if value is not None else None

    async def counts(self) -> JobCounts:
        async with self.db.engine.connect() as conn:
            rows = (await conn.execute(self.sql.counts)).all()
        known = set(JobCounts.__dataclass_fields__)
        return JobCounts(**{status: count for status, count in rows if status in known})
