"""The job queue: enqueue, claim, finish, lease upkeep. SQL lives in `jobs.sql`."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from gmail_assistant.db.connector import (
    Connector,
    ConnectorSession,
    Row,
    UniqueViolation,
    parse_time,
)
from gmail_assistant.db.types import utcnow
from gmail_assistant.jobs.models import Job, JobCounts, JobSpec
from gmail_assistant.jobs.notify import Wakeup, notify_message
from gmail_assistant.jobs.registry import HandlerRegistry, JobType
from gmail_assistant.jobs.sql import QUERIES, Query, statements_for

__all__ = ["NOTIFY_CHANNEL", "JobQueue"]

log = logging.getLogger(__name__)
NOTIFY_CHANNEL = "gma_jobs"
_MAX_ERROR_CHARS = 4000
# How long this process trusts its own memory that a per-user job is still pending.
_MEMO_SECONDS = 1.0


class JobQueue:
    def __init__(
        self,
        *,
        connector: Connector,
        registry: HandlerRegistry,
        wakeup: Wakeup,
        lease_seconds: float = 60.0,
        default_max_attempts: int = 5,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.connector = connector
        self.registry = registry
        self.wakeup = wakeup
        self.lease = timedelta(seconds=lease_seconds)
        self.default_max_attempts = default_max_attempts
        self.clock = clock
        self.queries = QUERIES
        # The enqueue statements for a caller's own transaction (`jobs.in_transaction`).
        self.sql = statements_for(connector.backend)
        self._notifies = connector.backend == "postgresql"
        # A storm of pushes enqueues the same per-user sync again and again. On SQLite one
        # process owns the queue (the deployment runs a single replica), so it knows when
        # the pending sync it enqueued gets claimed and can answer repeats from memory. With
        # several replicas (PostgreSQL) another process may claim it: always ask the database.
        self._memo: dict[str, tuple[int, float]] | None = (
            {} if connector.backend == "sqlite" else None
        )
        self._memo_keys: dict[int, str] = {}
        self._memo_locks: dict[str, asyncio.Lock] = {}
        self._claimed: set[int] = set()  # ids this process claimed lately (memo mode only)

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
        spec = JobSpec(job_type, user_id, thread_id, payload, run_after, replace_pending)
        key = self._memo_key(spec)
        if key is None or self._memo is None:
            (job_id,) = await self.enqueue_many([spec])
            return job_id
        # One enqueue per key at a time: a storm of pushes would otherwise queue hundreds of
        # identical write transactions behind each other before the first one is remembered.
        lock = self._memo_locks.setdefault(key, asyncio.Lock())
        async with lock:
            known = self._memo.get(key)
            if known is not None and time.monotonic() - known[1] < _MEMO_SECONDS:
                return known[0]
            (job_id,) = await self.enqueue_many([spec])
            # A job claimed before this line is running, not pending: nothing to remember.
            if job_id is not None and job_id not in self._claimed:
                self._memo[key] = (job_id, time.monotonic())
                self._memo_keys[job_id] = key
        return job_id

    def _memo_key(self, spec: JobSpec) -> str | None:
        if self._memo is None or spec.replace_pending or spec.run_after is not None:
            return None
        job_type = self.registry.require(spec.job_type)
        if job_type.scope != "user":
            return None
        return job_type.keys(spec.user_id, spec.thread_id)[0]

    async def enqueue_many(self, specs: Iterable[JobSpec]) -> list[int | None]:
        """Add jobs in one transaction (one commit); ids in order, as `enqueue` returns them."""
        specs = list(specs)
        if not specs:
            return []
        now = self.clock()
        rows = [self._insert_params(spec, now) for spec in specs]
        ids: list[int | None] = []
        async with self.connector.transaction(durable=True) as tx:
            for spec, params in zip(specs, rows, strict=True):
                ids.append(await self._insert(tx, spec, params))
            if self._notifies:
                await self._notify(tx, len(specs))
        due = sum(1 for params in rows if params["run_after"] <= now)
        if due:
            self.wakeup.notify(due)
        later = [params["run_after"] for params in rows if params["run_after"] > now]
        if later:
            self.wakeup.notify_at(min(later))
        return ids

    def enqueue_params(
        self, spec: JobSpec, now: datetime, *, job_type: JobType | None = None
    ) -> dict[str, Any]:
        """The enqueue statement's parameters, for this queue and `jobs.in_transaction` alike.

        `payload` stays a dict: the SQLAlchemy statements bind it as JSON, the driver path
        encodes it. `job_type` stands in for a type this registry does not know.
        """
        job_type = job_type or self.registry.require(spec.job_type)
        dedup_key, lock_key = job_type.keys(spec.user_id, spec.thread_id)
        return {
            "job_type": spec.job_type,
            "user_id": spec.user_id,
            "thread_id": spec.thread_id,
            "payload": spec.payload or {},
            "max_attempts": job_type.max_attempts or self.default_max_attempts,
            "run_after": spec.run_after or now,
            "dedup_key": dedup_key,
            "lock_key": lock_key,
            "now": now,
        }

    def _insert_params(self, spec: JobSpec, now: datetime) -> dict[str, Any]:
        params = self.enqueue_params(spec, now)
        return {**params, "payload": json.dumps(params["payload"])}

    async def _insert(
        self, tx: ConnectorSession, spec: JobSpec, params: dict[str, Any]
    ) -> int | None:
        query = self.queries.enqueue_replacing if spec.replace_pending else self.queries.enqueue
        row = await tx.fetch_one(query, params)
        if row is None and params["dedup_key"] is not None:
            row = await tx.fetch_one(
                self.queries.pending_id_for_key, {"dedup_key": params["dedup_key"]}
            )
        return int(row["id"]) if row is not None else None

    async def _notify(self, session: ConnectorSession, count: int) -> None:
        message = notify_message(self.wakeup.origin, count)
        await session.execute(self.queries.notify, {"channel": NOTIFY_CHANNEL, "message": message})

    async def claim(self, worker_id: str) -> Job | None:
        now = self.clock()
        row = await self.connector.fetch_one(
            self.queries.claim, {"worker": worker_id, "now": now, "lease": now + self.lease}
        )
        if row is None:
            return None
        job = _job(row)
        if self._memo is not None:
            if len(self._claimed) >= 10_000:
                self._claimed.clear()
            self._claimed.add(job.id)
            key = self._memo_keys.pop(job.id, None)
            if key is not None:
                self._memo.pop(key, None)  # no longer pending: the next request enqueues again
        return job

    async def complete(self, job: Job, worker_id: str) -> bool:
        return await self._finish(self.queries.complete, job, worker_id, now=self.clock())

    async def fail(self, job: Job, worker_id: str, error: str) -> bool:
        return await self._finish(
            self.queries.fail, job, worker_id, now=self.clock(), error=error[:_MAX_ERROR_CHARS]
        )

    async def retry(self, job: Job, worker_id: str, error: str, run_after: datetime) -> bool:
        """Put the job back for a later attempt; a waiting duplicate supersedes it."""
        error = error[:_MAX_ERROR_CHARS]
        try:
            params = {"run_after": run_after, "error": error}
            if await self._finish(self.queries.retry, job, worker_id, **params):
                self.wakeup.notify_at(run_after)
                return True
        except UniqueViolation:
            pass  # a duplicate was enqueued between the check and the update
        return await self._finish(
            self.queries.supersede,
            job,
            worker_id,
            now=self.clock(),
            error=f"superseded by a pending duplicate after: {error}",
        )

    async def release(self, job: Job, worker_id: str) -> bool:
        """Give a claimed job back without counting the attempt (graceful shutdown)."""
        try:
            return await self._finish(self.queries.release_worker, job, worker_id, now=self.clock())
        except UniqueViolation:
            return False

    async def _finish(self, query: Query, job: Job, worker_id: str, **params: Any) -> bool:
        changed = bool(
            await self.connector.execute(query, {"id": job.id, "worker": worker_id, **params})
        )
        if changed and job.lock_key:
            # A job held back by this one's lock key can run now.
            if self._notifies:
                await self._notify(self.connector, 1)
            self.wakeup.notify()
        return changed

    async def heartbeat(self, worker_id: str) -> int:
        return await self.connector.execute(
            self.queries.heartbeat, {"worker": worker_id, "lease": self.clock() + self.lease}
        )

    async def recover_stalled(self) -> int:
        """Return jobs of dead workers to the queue (or fail them on their last attempt)."""
        now = self.clock()
        params = {"now": now}
        async with self.connector.transaction(durable=False) as tx:
            failed = await tx.execute(self.queries.recover_exhausted, params)
            requeued = await tx.execute(self.queries.recover, params)
            superseded = await tx.execute(self.queries.recover_superseded, params)
            if requeued and self._notifies:
                await self._notify(tx, requeued)
        total = failed + requeued + superseded
        if total:
            log.warning(
                "recovered stalled jobs",
                extra={"requeued": requeued, "failed": failed, "superseded": superseded},
            )
            self.wakeup.notify(max(requeued, 1))
        return total

    async def purge(self, older_than: timedelta) -> int:
        return await self.connector.execute(
            self.queries.purge, {"before": self.clock() - older_than}
        )

    async def next_run_after(self) -> datetime | None:
        row = await self.connector.fetch_one(self.queries.next_run_after)
        return parse_time(row["due"]) if row is not None else None

    async def counts(self) -> JobCounts:
        rows = await self.connector.fetch_all(self.queries.counts)
        known = set(JobCounts.__dataclass_fields__)
        return JobCounts(**{row["status"]: row["n"] for row in rows if row["status"] in known})


def _job(row: Row) -> Job:
    payload = row["payload"]
    if isinstance(payload, str):
        payload = json.loads(payload)
    return Job(
        id=row["id"],
        job_type=row["job_type"],
        user_id=row["user_id"],
        thread_id=row["thread_id"],
        payload=payload or {},
        attempts=row["attempts"],
        max_attempts=row["max_attempts"],
        created_at=parse_time(row["created_at"]),
        lock_key=row["lock_key"],
    )
