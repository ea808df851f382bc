"""The sync flow: the sync job, the push intake, watches, onboarding and their schedules."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from gmail_assistant.db import Connector, Database
from gmail_assistant.jobs import HandlerRegistry, Job, JobQueue, PeriodicTask, names
from gmail_assistant.onboarding.config_files import config_folder
from gmail_assistant.onboarding.service import Onboarding
from gmail_assistant.settings import Settings
from gmail_assistant.sync.own_writes import OwnWrites
from gmail_assistant.sync.service import GmailFor, Route, SyncService
from gmail_assistant.users import UserService
from gmail_assistant.watch.service import WatchService
from gmail_assistant.webhook.auth import PushAuthenticator
from gmail_assistant.webhook.intake import PushIntake

__all__ = ["SyncComponents", "build_sync", "sync_tasks"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncComponents:
    sync: SyncService
    own_writes: OwnWrites
    watch: WatchService
    onboarding: Onboarding
    intake: PushIntake
    push_auth: PushAuthenticator


def build_sync(
    settings: Settings,
    *,
    database: Database,
    connector: Connector,
    queue: JobQueue,
    users: UserService,
    gmail_for: GmailFor,
    registry: HandlerRegistry,
    route: Route | None,
) -> SyncComponents:
    """The sync flow's services; registers the sync job's handler. `route`: where routing
    rules send a new inbound mail instead of classify (None: everything is classified)."""
    own_writes = OwnWrites(connector=connector)
    sync = SyncService(
        database=database,
        queue=queue,
        users=users,
        gmail_for=gmail_for,
        own_writes=own_writes,
        settings=settings.sync,
        route=route,
    )
    watch = WatchService(
        database=database, users=users, gmail_for=gmail_for, settings=settings.sync
    )
    onboarding = Onboarding(
        database=database,
        users=users,
        gmail_for=gmail_for,
        watch=watch,
        config_folder=config_folder(settings.auth.token_file),
    )

    async def handle_sync(job: Job) -> None:
        if job.user_id is not None:
            await sync.run(job.user_id, full=bool(job.payload.get("full")))

    registry.register(names.SYNC, handle_sync, scope="user")
    if not settings.webhook.auth_configured and settings.is_production:
        log.warning(
            "webhook authentication is off: set GMA_WEBHOOK_TOKEN or GMA_WEBHOOK_AUDIENCE "
            "so that only Pub/Sub can trigger syncs"
        )
    return SyncComponents(
        sync=sync,
        own_writes=own_writes,
        watch=watch,
        onboarding=onboarding,
        intake=PushIntake(database=database, users=users, queue=queue),
        push_auth=PushAuthenticator(settings=settings.webhook),
    )


def sync_tasks(
    settings: Settings, components: SyncComponents, *, users: UserService, queue: JobQueue
) -> list[PeriodicTask]:
    """Fallback and full syncs, and the watch renewal when push is configured."""

    async def enqueue_all(*, full: bool) -> int:
        """One sync per active, onboarded user (a full one replaces a waiting incremental
        one); a user still onboarding is left to it (no race for the history cursor)."""
        found = await users.list(active_only=True, onboarded_only=True)
        for user in found:
            await queue.enqueue(
                names.SYNC, user_id=user.id, payload={"full": full}, replace_pending=full
            )
        return len(found)

    async def fallback_sync() -> int:
        return await enqueue_all(full=False)

    async def full_sync() -> int:
        return await enqueue_all(full=True)

    sync_settings = settings.sync
    tasks = [
        PeriodicTask(
            "sync_fallback",
            timedelta(minutes=sync_settings.fallback_interval_minutes),
            fallback_sync,
        ),
        PeriodicTask(
            "sync_full", timedelta(hours=sync_settings.full_sync_interval_hours), full_sync
        ),
    ]
    if sync_settings.pubsub_topic:
        tasks.append(
            PeriodicTask(
                "watch_renewal",
                timedelta(hours=sync_settings.watch_renewal_hours),
                components.watch.renew_all,
            )
        )
    return tasks
