"""Periodic tasks inside the server process, run once per period across all replicas.

Time is cut into periods of each task's interval (aligned to the epoch). Before running a task,
a replica inserts the row (task, period) into `scheduler_ticks`; the primary key lets exactly
one replica win, so three replicas still renew the watch once a day, not three times.
The scheduler also runs its own upkeep, `purge_scheduler_ticks`, so that table stays small.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, text

from gmail_assistant.db.database import Database
from gmail_assistant.db.types import UtcDateTime, utcnow

__all__ = ["TICK_PURGE_TASK", "PeriodicTask", "Scheduler"]

TICK_PURGE_TASK = "purge_scheduler_ticks"
# A tick must outlive its period, or another replica could claim the same period again.
_MIN_TICK_RETENTION = timedelta(days=7)

log = logging.getLogger(__name__)

_CLAIM_TICK = text(
    """INSERT INTO scheduler_ticks (task, period, claimed_by, claimed_at)
       VALUES (:task, :period, :worker, :now)
       ON CONFLICT (task, period) DO NOTHING"""
).bindparams(bindparam("now", type_=UtcDateTime()))
_PURGE_TICKS = text("DELETE FROM scheduler_ticks WHERE claimed_at < :before").bindparams(
    bindparam("before", type_=UtcDateTime())
)


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    interval: timedelta
    run: Callable[[], Awaitable[object]]
    # Tasks that are safe to repeat (stalled-job recovery) may skip the shared tick.
    once_per_period: bool = True

    def period(self, now: datetime) -> int:
        return math.floor(now.timestamp() / self.interval.total_seconds())


class Scheduler:
    def __init__(
        self,
        *,
        database: Database,
        worker_id: str,
        tasks: Sequence[PeriodicTask],
        clock: Callable[[], datetime] = utcnow,
        tick_seconds: float = 1.0,
    ) -> None:
        self.db = database
        self.worker_id = worker_id
        self.tasks = tuple(tasks)  # final: the composition root hands over the whole list
        self.clock = clock
        self.tick_seconds = tick_seconds
        self._seen: dict[str, int] = {}
        self._loop: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self.runs: dict[str, int] = {}
        self._upkeep = PeriodicTask(TICK_PURGE_TASK, timedelta(hours=6), self._purge_old_ticks)

    def start(self) -> None:
        self._loop = asyncio.create_task(self._run(), name="scheduler")

    async def stop(self) -> None:
        tasks = [t for t in (self._loop, *self._running) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def drain(self) -> None:
        """Wait for the tasks this scheduler has started (tests and shutdown use it)."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception as exc:
                log.warning("scheduler tick failed: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(self.tick_seconds)

    async def tick(self) -> list[str]:
        """Start every task whose period has turned; returns the names started here."""
        now = self.clock()
        started = []
        # `tasks` is read at every tick: flows may still add theirs after construction.
        for task in (*self.tasks, self._upkeep):
            period = task.period(now)
            if self._seen.get(task.name) == period:
                continue
            if task.once_per_period and not await self._claim(task, period, now):
                self._seen[task.name] = period
                continue
            self._seen[task.name] = period
            started.append(task.name)
            job = asyncio.create_task(self._execute(task), name=f"periodic-{task.name}")
            self._running.add(job)
            job.add_done_callback(self._running.discard)
        return started

    async def _claim(self, task: PeriodicTask, period: int, now: datetime) -> bool:
        async with self.db.write_connection() as conn:
            result = await conn.execute(
                _CLAIM_TICK,
                {"task": task.name, "period": period, "worker": self.worker_id, "now": now},
            )
        return bool(result.rowcount)

    async def _execute(self, task: PeriodicTask) -> None:
        try:
            await task.run()
            self.runs[task.name] = self.runs.get(task.name, 0) + 1
        except Exception as exc:
            log.error("periodic task %s failed: %s: %s", task.name, type(exc).__name__, exc)

    def tick_retention(self) -> timedelta:
        """How long a tick is kept: twice the longest task interval, at least a week."""
        longest = max((task.interval for task in self.tasks), default=timedelta(0))
        return max(_MIN_TICK_RETENTION, 2 * longest)

    async def _purge_old_ticks(self) -> int:
        removed = await self.purge_ticks(self.tick_retention())
        log.info("purged scheduler ticks", extra={"removed": removed})
        return removed

    async def purge_ticks(self, older_than: timedelta) -> int:
        async with self.db.write_connection() as conn:
            result = await conn.execute(_PURGE_TICKS, {"before": self.clock() - older_than})
        return int(result.rowcount or 0)
