"""`Container`: every long-lived service, built once by `build_container`, then frozen."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from gmail_assistant.agent.profiles import Profile
from gmail_assistant.container.sync import SyncComponents
from gmail_assistant.db import Connector, Database
from gmail_assistant.flows.deps import FlowDeps
from gmail_assistant.gmail.factory import GmailClientFactory
from gmail_assistant.jobs import (
    HandlerRegistry,
    JobQueue,
    PeriodicTask,
    PgListener,
    Scheduler,
    WorkerPool,
)
from gmail_assistant.settings import Settings
from gmail_assistant.style_learning.service import StyleLearner
from gmail_assistant.takeover import prepare_database
from gmail_assistant.users import UserService

__all__ = ["Container"]

log = logging.getLogger(__name__)

WarmUp = Callable[[], Awaitable[object]]


@dataclass
class _Running:
    """What `start` leaves behind for `stop` (the one mutable part)."""

    warming: asyncio.Task[None] | None = None


@dataclass(frozen=True)
class Container:
    settings: Settings
    database: Database
    # Driver connection(s) for hot single statements: the queue's, the LLM audit's, ...
    connector: Connector
    registry: HandlerRegistry
    queue: JobQueue
    worker_id: str
    workers: WorkerPool
    # Handed its final task list at build time (`periodic` reads it back).
    scheduler: Scheduler
    users: UserService
    gmail: GmailClientFactory
    sync: SyncComponents
    flows: FlowDeps
    agent_profiles: Mapping[str, Profile]
    style_learner: StyleLearner
    listener: PgListener | None = None
    # Configuration problems found while building: logged, and shown on the health pages.
    startup_warnings: tuple[str, ...] = ()
    # Run once, in the background right after start: pay one-time costs (LiteLLM's import,
    # schema builds) there rather than in the first mail's job, and after the server already
    # answers its health probe. A job that needs one earlier awaits the same work (e.g.
    # `LlmGateway.load`). A failure is logged, never fatal.
    warm_ups: tuple[WarmUp, ...] = ()
    _running: _Running = field(default_factory=_Running, repr=False, compare=False)

    @property
    def periodic(self) -> tuple[PeriodicTask, ...]:
        return tuple(self.scheduler.tasks)

    async def start(self) -> None:
        """Migrate (a v2.3.0 file is upgraded in place first), then listen, work, schedule."""
        await prepare_database(self.database, backup_dir=self.settings.backup.dir)
        await self.queue.recover_stalled()
        self._running.warming = asyncio.create_task(self._warm_up(), name="warm-up")
        if self.listener is not None:
            self.listener.start()
        if self.settings.server.workers_enabled:
            self.workers.start()
        if self.settings.server.scheduler_enabled:
            self.scheduler.start()

    async def warmed_up(self) -> None:
        """Return once the warm-ups have run (at once if `start` has not scheduled them)."""
        if self._running.warming is not None:
            await asyncio.shield(self._running.warming)

    async def _warm_up(self) -> None:
        started = time.monotonic()
        for warm_up in self.warm_ups:
            try:
                await warm_up()
            except Exception:
                log.warning("warm-up failed", exc_info=True)
        log.info(
            "warm-up finished",
            extra={"seconds": round(time.monotonic() - started, 2), "steps": len(self.warm_ups)},
        )

    async def stop(self) -> None:
        warming = self._running.warming
        if warming is not None and not warming.done():
            warming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await warming
        await self.scheduler.stop()
        await self.workers.stop()
        # No job runs any more: the Gmail clients' connections can go.
        self.gmail.close()
        if self.listener is not None:
            await self.listener.stop()
        self.queue.wakeup.close()
        await self.connector.close()
        await self.database.dispose()
