"""Gmail push (users.watch): register, renew, report.

A watch lasts at most seven days; the scheduler renews it every `watch_renewal_hours`
(once per period across replicas). It covers INBOX, the three labels the owner uses to give
orders (Needs Response, Rework, Done) and the other category labels (a move to one is a
correction sync records); anything else (a sent draft, say) is picked up by the fallback
sync.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from gmail_assistant.db import Database
from gmail_assistant.db.models import SyncState
from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.gmail.errors import GmailError
from gmail_assistant.labels import LabelMap
from gmail_assistant.settings import SyncSettings
from gmail_assistant.sync.rules import LABEL_JOBS, OWNER_MOVE_KEYS
from gmail_assistant.users import UserRecord, UserService

__all__ = ["WATCHED_LABEL_KEYS", "WatchNotConfigured", "WatchService", "WatchStatus"]

log = logging.getLogger(__name__)
# Labels whose changes the owner makes sync must hear of: those that become jobs, and the
# category labels whose addition is a correction (`sync.rules`). INBOX covers new mail.
WATCHED_LABEL_KEYS = (*LABEL_JOBS, *OWNER_MOVE_KEYS)


class WatchNotConfigured(Exception):
    """No Pub/Sub topic (GMA_SYNC_PUBSUB_TOPIC) is set."""


@dataclass(frozen=True)
class WatchStatus:
    user_id: int
    email: str
    topic: str | None
    expiration: datetime | None
    last_push_at: datetime | None
    last_sync_at: datetime | None
    last_history_id: str | None
    error: str | None = None


def watched_label_ids(labels: LabelMap) -> list[str]:
    return ["INBOX", *(labels[key] for key in WATCHED_LABEL_KEYS if labels.get(key))]


class WatchService:
    def __init__(
        self,
        *,
        database: Database,
        users: UserService,
        gmail_for: Callable[[str], GmailApi],
        settings: SyncSettings,
    ) -> None:
        self.db = database
        self.users = users
        self.gmail_for = gmail_for
        self.settings = settings

    @property
    def topic(self) -> str:
        return self.settings.pubsub_topic

    async def register(self, user: UserRecord) -> WatchStatus:
        """Start (or renew) the watch for one user; raises `WatchNotConfigured`, `GmailError`."""
        if not self.topic:
            raise WatchNotConfigured("GMA_SYNC_PUBSUB_TOPIC is not set")
        labels = await self.users.labels(user.id)
        gmail = self.gmail_for(user.email)
        _history_id, expiration = await gmail.watch(self.topic, watched_label_ids(labels))
        async with self.db.transaction() as session:
            state = await session.get(SyncState, user.id)
            if state is None:
                state = SyncState(user_id=user.id)
                session.add(state)
            state.watch_expiration = expiration
            state.watch_topic = self.topic
        log.info("gmail watch registered", extra={"user_id": user.id, "expiration": expiration})
        return await self.status_of(user)

    async def register_many(self, users: list[UserRecord]) -> list[WatchStatus]:
        """Each user in turn; one user's Gmail failure is reported, not raised."""
        results = []
        for user in users:
            try:
                results.append(await self.register(user))
            except GmailError as exc:
                log.warning(
                    "gmail watch failed: %s", type(exc).__name__, extra={"user_id": user.id}
                )
                status = await self.status_of(user)
                results.append(_with_error(status, f"{type(exc).__name__}: {exc}"))
        return results

    async def renew_all(self) -> list[WatchStatus]:
        if not self.topic:
            return []
        return await self.register_many(
            await self.users.list(active_only=True, onboarded_only=True)
        )

    async def status_of(self, user: UserRecord) -> WatchStatus:
        async with self.db.read() as session:
            state = await session.get(SyncState, user.id)
        return WatchStatus(
            user_id=user.id,
            email=user.email,
            topic=state.watch_topic if state else None,
            expiration=state.watch_expiration if state else None,
            last_push_at=state.last_push_at if state else None,
            last_sync_at=state.last_sync_at if state else None,
            last_history_id=state.last_history_id if state else None,
        )

    async def status(self) -> list[WatchStatus]:
        return [await self.status_of(user) for user in await self.users.list()]


def _with_error(status: WatchStatus, error: str) -> WatchStatus:
    return replace(status, error=error)
