"""`install_sync(container)`: the sync job, the push intake, watches, onboarding, schedules.

Everything is built once here and kept as `container.extras["sync"]` (a `SyncComponents`);
the routes of `sync`, `webhook`, `watch` and `onboarding` reach it through `components_of`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.jobs import Job, PeriodicTask, names
from gmail_assistant.onboarding.config_files import config_folder
from gmail_assistant.onboarding.service import Onboarding
from gmail_assistant.sync.own_writes import OwnWrites
from gmail_assistant.sync.service import SyncService
from gmail_assistant.watch.service import WatchService
from gmail_assistant.webhook.auth import PushAuthenticator
from gmail_assistant.webhook.intake import PushIntake

if TYPE_CHECKING:
    from gmail_assistant.container import Container

__all__ = ["SyncComponents", "components_of", "enqueue_sync_all", "install_sync"]

log = logging.getLogger(__name__)
EXTRAS_KEY = "sync"


@dataclass
class SyncComponents:
    sync: SyncService
    own_writes: OwnWrites
    watch: WatchService
    onboarding: Onboarding
    intake: PushIntake
    push_auth: PushAuthenticator


def components_of(container: Container) -> SyncComponents:
    components = container.extras.get(EXTRAS_KEY)
    if not isinstance(components, SyncComponents):
        raise RuntimeError("install_sync(container) has not run")
    return components


def install_sync(container: Container) -> SyncComponents:
    settings = container.settings

    def gmail_for(email: str) -> GmailApi:
        return container.gmail.for_user(email)  # looked up late: tests may swap the factory

    own_writes = OwnWrites(connector=container.connector)
    sync = SyncService(
        database=container.database,
        queue=container.queue,
        users=container.users,
        gmail_for=gmail_for,
        own_writes=own_writes,
        settings=settings.sync,
    )
    watch = WatchService(
        database=container.database,
        users=container.users,
        gmail_for=gmail_for,
        settings=settings.sync,
    )
    components = SyncComponents(
        sync=sync,
        own_writes=own_writes,
        watch=watch,
        onboarding=Onboarding(
            database=container.database,
            users=container.users,
            gmail_for=gmail_for,
            watch=watch,
            config_folder=config_folder(settings.auth.token_file),
        ),
        intake=PushIntake(
            database=container.database, users=container.users, queue=container.queue
        ),
        push_auth=PushAuthenticator(settings=settings.webhook),
    )
    container.extras[EXTRAS_KEY] = components

    async def handle_sync(job: Job) -> None:
        if job.user_id is not None:
            await sync.run(job.user_id, full=bool(job.payload.get("full")))

    container.registry.register(names.SYNC, handle_sync, scope="user")

    async def fallback_sync() -> int:
        return await enqueue_sync_all(container, full=False)

    async def full_sync() -> int:
        return await enqueue_sync_all(container, full=True)

    sync_settings = settings.sync
    container.periodic.extend(
        [
            PeriodicTask(
                "sync_fallback",
                timedelta(minutes=sync_settings.fallback_interval_minutes),
                fallback_sync,
            ),
            PeriodicTask(
                "sync_full", timedelta(hours=sync_settings.full_sync_interval_hours), full_sync
            ),
        ]
    )
    if sync_settings.pubsub_topic:
        container.periodic.append(
            PeriodicTask(
                "watch_renewal", timedelta(hours=sync_settings.watch_renewal_hours), watch.renew_all
            )
        )
    if not settings.webhook.auth_configured and settings.is_production:
        log.warning(
            "webhook authentication is off: set GMA_WEBHOOK_TOKEN or GMA_WEBHOOK_AUDIENCE "
            "so that only Pub/Sub can trigger syncs"
        )
    return components


async def enqueue_sync_all(container: Container, *, full: bool) -> int:
    """One sync per active, onboarded user (a full one replaces a waiting incremental one)."""
    users = await container.users.list(active_only=True, onboarded_only=True)
    for user in users:
        await container.queue.enqueue(
            names.SYNC, user_id=user.id, payload={"full": full}, replace_pending=full
        )
    return len(users)
