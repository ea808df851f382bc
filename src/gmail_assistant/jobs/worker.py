"""The worker pool: N async workers claiming jobs, one heartbeat keeping their leases."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from gmail_assistant.db.types import utcnow
from gmail_assistant.jobs.models import Job
from gmail_assistant.jobs.queue import JobQueue
from gmail_assistant.jobs.registry import HandlerRegistry
from gmail_assistant.jobs.retry import RetryPolicy
from gmail_assistant.observability.context import job_context
from gmail_assistant.slots import Slots, holding

__all__ = ["JobOutcome", "WorkerPool", "make_worker_id"]

log = logging.getLogger(__name__)
# Jobs in flight per slot: the rest of them wait on a model without holding one.
JOBS_PER_SLOT = 8


def make_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class JobOutcome:
    job: Job
    outcome: str  # completed | retried | failed | released
    seconds: float
    error: str | None = None


class WorkerPool:
    def __init__(
        self,
        *,
        queue: JobQueue,
        registry: HandlerRegistry,
        concurrency: int,
        worker_id: str | None = None,
        retry_policy: RetryPolicy | None = None,
        poll_interval: float = 2.0,
        shutdown_grace: float = 20.0,
        on_outcome: Callable[[JobOutcome], None] | None = None,
    ) -> None:
        self.queue = queue
        self.registry = registry
        self.concurrency = concurrency
        self.worker_id = worker_id or make_worker_id()
        self.retry_policy = retry_policy or RetryPolicy()
        self.poll_interval = poll_interval
        self.shutdown_grace = shutdown_grace
        self.on_outcome = on_outcome
        self._stopping = asyncio.Event()
        self._workers: list[asyncio.Task[None]] = []
        self._heartbeat: asyncio.Task[None] | None = None
        self._running: dict[int, asyncio.Task[None]] = {}
        self._due_checked = False
        # `concurrency` jobs work at once; up to JOBS_PER_SLOT times as many are in flight,
        # the others waiting on a model's answer without a slot (see `slots`).
        self.slots = Slots(concurrency)
        self.max_in_flight = concurrency * JOBS_PER_SLOT

    @property
    def running_jobs(self) -> int:
        return len(self._running)

    def start(self) -> None:
        self._stopping.clear()
        for index in range(self.max_in_flight):
            self._workers.append(asyncio.create_task(self._work(), name=f"worker-{index}"))
        self._heartbeat = asyncio.create_task(self._beat(), name="worker-heartbeat")
        log.info(
            "worker pool started",
            extra={"slots": self.concurrency, "max_in_flight": self.max_in_flight},
        )

    async def stop(self) -> None:
        """Stop claiming; let running jobs finish within the grace period, release the rest."""
        self._stopping.set()
        self.queue.wakeup.notify_all()
        if self._workers:
            _done, pending = await asyncio.wait(self._workers, timeout=self.shutdown_grace)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        self._workers.clear()
        log.info("worker pool stopped")

    async def _beat(self) -> None:
        interval = max(self.queue.lease.total_seconds() / 3, 0.05)
        while True:
            await asyncio.sleep(interval)
            try:
                await self.queue.heartbeat(self.worker_id)
            except Exception as exc:  # the next beat tries again; the lease has slack
                log.warning("heartbeat failed: %s", type(exc).__name__)

    async def _work(self) -> None:
        """Claim with a slot in hand; an idle loop waits without one."""
        woken = False
        while not self._stopping.is_set():
            await self.slots.acquire()
            try:
                job = await self.queue.claim(self.worker_id)
            except Exception as exc:
                self.slots.release()
                log.warning("claim failed: %s: %s", type(exc).__name__, exc)
                await self._idle(self.poll_interval)
                continue
            if job is None:
                self.slots.release()
                await self._arm_due_timer()
                woken = await self._idle(self.poll_interval)
                continue
            self._due_checked = False
            if woken:
                # Pass the wake-up on: there may be more (a sync's batch is announced by one
                # wake-up). Costs at most one empty claim, where waking all cost one per worker.
                self.queue.wakeup.notify_idle()
            woken = False
            with holding(self.slots) as slot:
                try:
                    await self._run(job)
                finally:
                    if slot.held:
                        self.slots.release()

    async def _arm_due_timer(self) -> None:
        """Once per idle period (not per worker): wake up when the next delayed job is due.

        Retries made in this process arm the timer themselves; this covers delayed jobs from
        other processes and from before a restart.
        """
        if self._due_checked:
            return
        self._due_checked = True
        try:
            due = await self.queue.next_run_after()
        except Exception:
            return  # polling still finds it
        if due is not None and due > utcnow():
            self.queue.wakeup.notify_at(due)

    async def _idle(self, timeout: float) -> bool:
        if self._stopping.is_set():
            return False
        return await self.queue.wakeup.wait(timeout)

    async def _run(self, job: Job) -> None:
        spec = self.registry.get(job.job_type)
        started = asyncio.get_running_loop().time()
        with job_context(job_id=job.id, user_id=job.user_id, thread_id=job.thread_id):
            if spec is None:
                await self.queue.fail(job, self.worker_id, f"no handler for {job.job_type!r}")
                self._report(job, "failed", started, "no handler")
                return
            task = asyncio.create_task(spec.handler(job), name=f"job-{job.id}")
            self._running[job.id] = task
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                # Shutdown ran out of grace: stop the job and hand it back untouched.
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
                await self._safely(lambda: self.queue.release(job, self.worker_id))
                self._report(job, "released", started)
                raise
            except Exception as exc:
                await self._handle_failure(job, exc, started)
            else:
                await self._safely(lambda: self.queue.complete(job, self.worker_id))
                self._report(job, "completed", started)
            finally:
                self._running.pop(job.id, None)

    async def _handle_failure(self, job: Job, exc: Exception, started: float) -> None:
        error = f"{type(exc).__name__}: {exc}"
        decision = self.retry_policy.decide(
            error=exc, attempts=job.attempts, max_attempts=job.max_attempts, now=utcnow()
        )
        if decision.retry and decision.run_after is not None:
            log.warning("job failed, will retry: %s", error, extra={"attempt": job.attempts})
            run_after = decision.run_after
            await self._safely(lambda: self.queue.retry(job, self.worker_id, error, run_after))
            self._report(job, "retried", started, error)
        else:
            log.error("job failed permanently: %s", error, extra={"attempt": job.attempts})
            await self._safely(lambda: self.queue.fail(job, self.worker_id, error))
            self._report(job, "failed", started, error)

    async def _safely(self, step: Callable[[], Awaitable[object]]) -> None:
        """Record a job's outcome, trying again until it lands (disk full, DB gone).

        Giving up is not safe while this process lives: the heartbeat renews the lease of
        every job still marked `running` by this worker, so an unrecorded outcome would hold
        the job (and its thread's lock key) forever. During shutdown one try is enough: the
        heartbeat stops, the lease expires and the next process takes the job back.
        """
        delay = min(self.poll_interval, 1.0)
        while True:
            try:
                await step()
                return
            except Exception as exc:
                log.error("could not record job outcome: %s: %s", type(exc).__name__, exc)
            if self._stopping.is_set():
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    def _report(self, job: Job, outcome: str, started: float, error: str | None = None) -> None:
        if self.on_outcome is not None:
            seconds = asyncio.get_running_loop().time() - started
            self.on_outcome(JobOutcome(job, outcome, seconds, error))
