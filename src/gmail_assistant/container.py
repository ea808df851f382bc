"""The composition root: builds the object graph once, for the server and the CLI alike."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from gmail_assistant.backup.scheduled import backup_task
from gmail_assistant.db import Connector, Database, connector_for
from gmail_assistant.gmail.factory import GmailClientFactory
from gmail_assistant.jobs import (
    NOTIFY_CHANNEL,
    HandlerRegistry,
    JobQueue,
    PeriodicTask,
    PgListener,
    Scheduler,
    Wakeup,
    WorkerPool,
    make_worker_id,
)
from gmail_assistant.observability.metrics import record_gmail_call
from gmail_assistant.settings import Settings
from gmail_assistant.takeover import prepare_database
from gmail_assistant.users import UserService

__all__ = ["Container"]

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    database: Database
    # Driver connection(s) for hot single statements: the queue's, the LLM audit's, ...
    connector: Connector
    registry: HandlerRegistry
    queue: JobQueue
    worker_id: str
    workers: WorkerPool
    scheduler: Scheduler
    users: UserService
    gmail: GmailClientFactory
    listener: PgListener | None = None
    periodic: list[PeriodicTask] = field(default_factory=list)
    # Services a flow builds in its `install_*` and its routes use, by flow name.
    extras: dict[str, Any] = field(default_factory=dict)
    # Run once, in the background right after start: pay one-time costs (LiteLLM's import,
    # schema builds) there rather than in the first mail's job, and after the server already
    # answers its health probe. A job that needs one earlier awaits the same work (e.g.
    # `LlmGateway.load`). A failure is logged, never fatal.
    warm_ups: list[Callable[[], Awaitable[object]]] = field(default_factory=list)
    _warming: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    @classmethod
    def build(cls, settings: Settings) -> Container:
        database = Database.from_settings(settings.db)
        registry = HandlerRegistry()
        wakeup = Wakeup()
        # Driver connection(s) for hot statements; a pool slot per worker plus upkeep.
        connector = connector_for(database, pool_size=settings.server.worker_concurrency + 2)
        queue = JobQueue(
            connector=connector,
            registry=registry,
            wakeup=wakeup,
            lease_seconds=settings.jobs.lease_seconds,
            default_max_attempts=settings.jobs.max_attempts,
        )
        worker_id = make_worker_id()
        workers = WorkerPool(
            queue=queue,
            registry=registry,
            concurrency=settings.server.worker_concurrency,
            worker_id=worker_id,
            poll_interval=settings.jobs.poll_interval_seconds,
            shutdown_grace=settings.server.shutdown_grace_seconds,
        )
        listener = None
        if database.backend == "postgresql":
            dsn = settings.db.postgresql_url.replace("postgresql+asyncpg://", "postgresql://")
            listener = PgListener(dsn=dsn, channel=NOTIFY_CHANNEL, wakeup=wakeup)
        periodic = [
            PeriodicTask(
                "recover_stalled_jobs",
                timedelta(seconds=max(settings.jobs.lease_seconds / 2, 1)),
                queue.recover_stalled,
                once_per_period=False,
            ),
            PeriodicTask("purge_jobs", timedelta(hours=6), lambda: _purge(queue, settings)),
        ]
        backup = backup_task(settings)  # SQLite only; PostgreSQL is pg_dump's job
        if backup is not None:
            periodic.append(backup)
        scheduler = Scheduler(database=database, worker_id=worker_id, tasks=periodic)
        container = cls(
            settings=settings,
            database=database,
            connector=connector,
            registry=registry,
            queue=queue,
            worker_id=worker_id,
            workers=workers,
            scheduler=scheduler,
            listener=listener,
            periodic=periodic,
            users=UserService(database=database, fallback=_settings_files(settings)),
            gmail=GmailClientFactory(settings=settings, on_call=record_gmail_call),
        )
        # Each flow registers its job handlers and periodic tasks here.
        from gmail_assistant.wiring import install

        install(container)
        return container

    async def start(self) -> None:
        """Migrate, then start listening, working and scheduling."""
        await prepare_database(self.database, backup_dir=self.settings.backup.dir)
        await self.queue.recover_stalled()
        self._warming = asyncio.create_task(self._warm_up(), name="warm-up")
        if self.listener is not None:
            self.listener.start()
        if self.settings.server.workers_enabled:
            self.workers.start()
        if self.settings.server.scheduler_enabled:
            self.scheduler.start()

    async def warmed_up(self) -> None:
        """Return once the warm-ups have run (at once if `start` has not scheduled them)."""
        if self._warming is not None:
            await asyncio.shield(self._warming)

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
        if self._warming is not None and not self._warming.done():
            self._warming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._warming
        await self.scheduler.stop()
        await self.workers.stop()
        # No job runs any more: the Gmail clients' connections can go.
        self.gmail.close()
        if self.listener is not None:
            await self.listener.stop()
        self.queue.wakeup.close()
        await self.connector.close()
        await self.database.dispose()


def _settings_files(settings: Settings) -> dict[str, Any]:
    """contacts.yml / communication_styles.yml next to the token file: users' fallback."""
    from gmail_assistant.onboarding.config_files import config_folder, fallback_settings

    return fallback_settings(config_folder(settings.auth.token_file))


async def _purge(queue: JobQueue, settings: Settings) -> int:
    removed = await queue.purge(timedelta(days=settings.jobs.retention_days))
    log.info("purged finished jobs", extra={"removed": removed})
    return removed
