"""What a Gmail push does: find the user, enqueue one sync, note the push. Nothing more.

Acknowledging fast keeps Pub/Sub from redelivering: no Gmail call here. A burst collapses in
the queue (one pending sync per user). Users are looked up through a short cache, and
`sync_state.last_push_at` is written at most every `push_write_interval` per user and process,
so a storm of pushes is not a storm of write transactions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update

from gmail_assistant.db import Database
from gmail_assistant.db.models import SyncState
from gmail_assistant.db.types import utcnow
from gmail_assistant.jobs import JobQueue, names
from gmail_assistant.users import UserService
from gmail_assistant.webhook.envelope import GmailNotification

__all__ = ["PushIntake"]


class PushIntake:
    def __init__(
        self,
        *,
        database: Database,
        users: UserService,
        queue: JobQueue,
        user_cache_seconds: float = 30.0,
        push_write_interval: timedelta = timedelta(seconds=10),
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = database
        self.users = users
        self.queue = queue
        self.user_cache_seconds = user_cache_seconds
        self.push_write_interval = push_write_interval
        self.clock = clock
        self.monotonic = monotonic
        self._users: dict[str, tuple[float, int | None]] = {}
        self._pushed: dict[int, datetime] = {}

    async def user_id_for(self, email: str) -> int | None:
        cached = self._users.get(email)
        if cached is not None:
            # An unknown address is re-checked sooner: it may be onboarded any moment.
            ttl = self.user_cache_seconds if cached[1] is not None else 2.0
            if self.monotonic() - cached[0] < ttl:
                return cached[1]
        user = await self.users.get_by_email(email)
        user_id = user.id if user is not None and user.is_active else None
        if len(self._users) > 10_000:  # junk addresses must not grow it without bound
            self._users.clear()
        self._users[email] = (self.monotonic(), user_id)
        return user_id

    async def accept(self, note: GmailNotification) -> int | None:
        """Enqueue a sync for the mailbox; returns the user id, None for an unknown address."""
        user_id = await self.user_id_for(note.email)
        if user_id is None:
            return None
        await self.queue.enqueue(names.SYNC, user_id=user_id, payload={"full": False})
        await self._note_push(user_id)
        return user_id

    async def _note_push(self, user_id: int) -> None:
        now = self.clock()
        last = self._pushed.get(user_id)
        if last is not None and now - last < self.push_write_interval:
            return
        self._pushed[user_id] = now
        async with self.db.write_connection() as conn:
            await conn.execute(
                update(SyncState).where(SyncState.user_id == user_id).values(last_push_at=now)
            )
