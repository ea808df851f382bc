"""`build_container(settings)`: the shared parts first, then each flow with what it uses,
then the scheduler with the final task list. Building opens nothing (no connection, no
task); `Container.start` does that."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from gmail_assistant.backup.scheduled import backup_task
from gmail_assistant.container.agent import agent_routing, register_agent
from gmail_assistant.container.flows import build_flows
from gmail_assistant.container.services import Container
from gmail_assistant.container.style_learning import build_style_learning
from gmail_assistant.container.sync import build_sync, sync_tasks
from gmail_assistant.db import Database, connector_for
from gmail_assistant.gmail.api import GmailApi
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
from gmail_assistant.onboarding.config_files import config_folder, fallback_settings
from gmail_assistant.settings import Settings
from gmail_assistant.users import UserService

__all__ = ["build_container"]

log = logging.getLogger(__name__)


def build_container(settings: Settings) -> Container:
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
    users = UserService(database=database, fallback=_settings_files(settings))
    gmail = GmailClientFactory(settings=settings, on_call=record_gmail_call)

    def gmail_for(email: str) -> GmailApi:
        return gmail.for_user(email)

    routing = agent_routing(settings)
    sync = build_sync(
        settings,
        database=database,
        connector=connector,
        queue=queue,
        users=users,
        gmail_for=gmail_for,
        registry=registry,
        route=routing.route,
    )
    flows = build_flows(
        settings,
        database=database,
        connector=connector,
        queue=queue,
        users=users,
        gmail_for=gmail_for,
        own_writes=sync.own_writes,
        registry=registry,
    )
    register_agent(registry, routing, settings=settings, deps=flows.deps, llm=flows.gateway)
    style_learner, style_proposals = build_style_learning(
        settings, users=users, gmail_for=gmail_for, llm=flows.gateway
    )

    tasks = [
        PeriodicTask(
            "recover_stalled_jobs",
            timedelta(seconds=max(settings.jobs.lease_seconds / 2, 1)),
            queue.recover_stalled,
            once_per_period=False,
        ),
        PeriodicTask("purge_jobs", timedelta(hours=6), lambda: _purge(queue, settings)),
        *sync_tasks(settings, sync, users=users, queue=queue),
        style_proposals,
    ]
    backup = backup_task(settings)  # SQLite only; PostgreSQL is pg_dump's job
    if backup is not None:
        tasks.append(backup)
    gateway = flows.gateway
    models = [settings.llm.classify_model, settings.llm.draft_model]
    return Container(
        settings=settings,
        database=database,
        connector=connector,
        registry=registry,
        queue=queue,
        worker_id=worker_id,
        workers=workers,
        scheduler=Scheduler(database=database, worker_id=worker_id, tasks=tasks),
        users=users,
        gmail=gmail,
        sync=sync,
        flows=flows.deps,
        agent_profiles=routing.profiles,
        style_learner=style_learner,
        listener=listener,
        startup_warnings=routing.problems,
        warm_ups=(lambda: gateway.warm_up(models),),
    )


def _settings_files(settings: Settings) -> dict[str, Any]:
    """contacts.yml / communication_styles.yml next to the token file: users' fallback."""
    return fallback_settings(config_folder(settings.auth.token_file))


async def _purge(queue: JobQueue, settings: Settings) -> int:
    removed = await queue.purge(timedelta(days=settings.jobs.retention_days))
    log.info("purged finished jobs", extra={"removed": removed})
    return removed
