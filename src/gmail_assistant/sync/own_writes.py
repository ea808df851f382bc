"""The assistant's own Gmail writes, recorded so that sync never turns them into jobs.

Gmail history does not say who changed a label or removed a draft: the owner adding
`🤖 AI/Needs Response` (asking for a draft) and the classifier adding it look the same. So
every label change and draft removal the assistant makes goes through `GmailWriter`, which

1. inserts one `own_writes` row per (thread, label added) — or (thread, draft_remove) — in
   its own committed transaction, BEFORE the Gmail call; only for the labels whose addition
   sync acts on (`watched`: Done, Rework, Needs Response become jobs; the other category
   labels, added by the owner, are corrections), since no other label change ever counts
   (a row costs a write transaction on the job's path);
2. makes the Gmail call; if the call fails, deletes those rows again (a change that never
   happened must not hide a later change of the owner's).

Sync, in the same transaction that enqueues jobs and moves the history cursor, treats a
history change whose (thread, label, action) has a row as the assistant's own, and
deletes the rows it matched (consumed: the next identical change is the owner's again).
Rows that never match (the label was already there, so Gmail wrote no history) expire after
`OWN_WRITE_TTL`. Being rows in the database, the record holds across restarts and replicas:
the classifier may run in one replica and the sync in another.

Adding a draft needs no record: new DRAFT messages never become jobs. Replacing or deleting
the assistant's draft does (the old draft message's `messagesDeleted` would otherwise look
like the owner sending it), hence `draft_remove`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gmail_assistant.db.connector import Connector, Query
from gmail_assistant.db.models import OwnWrite
from gmail_assistant.db.types import utcnow
from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.gmail.models import Draft

__all__ = [
    "DRAFT_REMOVE",
    "LABEL_ADD",
    "OWN_WRITE_TTL",
    "GmailWriter",
    "OwnWriteKey",
    "OwnWrites",
]

LABEL_ADD = "label_add"
DRAFT_REMOVE = "draft_remove"
# Long enough to outlive a Gmail outage that delays sync, short enough that a stale record
# cannot hide the owner's actions for long.
OWN_WRITE_TTL = timedelta(hours=6)


@dataclass(frozen=True)
class OwnWriteKey:
    thread_id: str
    label_id: str | None
    action: str


_INSERT = Query.build(
    "insert_own_write",
    "INSERT INTO own_writes (user_id, thread_id, label_id, action, created_at)"
    " VALUES (:user_id, :thread_id, :label_id, :action, :created_at) RETURNING id",
)
_DELETE = Query.build("delete_own_write", "DELETE FROM own_writes WHERE id = :id")


class OwnWrites:
    """The `own_writes` table: record before a Gmail call, consume from sync."""

    def __init__(
        self,
        *,
        connector: Connector,
        ttl: timedelta = OWN_WRITE_TTL,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        # The driver connector (`db.connector`): a record sits on every label change's path,
        # and one statement there costs a fraction of an ORM transaction. Sync reads and
        # consumes the rows inside its own transaction (`pending`, `consume`).
        self.connector = connector
        self.ttl = ttl
        self.clock = clock

    async def record(self, user_id: int, keys: Iterable[OwnWriteKey]) -> list[int]:
        """Insert one row per key, committed (durably) before this returns; their ids."""
        keys = list(keys)
        if not keys:
            return []
        now = self.clock()
        async with self.connector.transaction(durable=True) as tx:
            ids: list[int] = []
            for key in keys:
                row = await tx.fetch_one(
                    _INSERT,
                    {
                        "user_id": user_id,
                        "thread_id": key.thread_id,
                        "label_id": key.label_id,
                        "action": key.action,
                        "created_at": now,
                    },
                )
                assert row is not None
                ids.append(int(row["id"]))
            return ids

    async def forget(self, ids: Sequence[int]) -> None:
        if ids:
            async with self.connector.transaction(durable=False) as tx:
                for row_id in ids:
                    await tx.execute(_DELETE, {"id": row_id})

    def pending(
        self, session: Session, user_id: int, thread_ids: Iterable[str]
    ) -> dict[OwnWriteKey, list[int]]:
        """Unexpired records for these threads, by key (inside sync's transaction)."""
        found: dict[OwnWriteKey, list[int]] = {}
        threads = sorted(set(thread_ids))
        cutoff = self.clock() - self.ttl
        for start in range(0, len(threads), 500):
            rows = session.execute(
                select(OwnWrite).where(
                    OwnWrite.user_id == user_id,
                    OwnWrite.thread_id.in_(threads[start : start + 500]),
                    OwnWrite.created_at >= cutoff,
                )
            )
            for row in rows.scalars():
                key = OwnWriteKey(row.thread_id, row.label_id, row.action)
                found.setdefault(key, []).append(row.id)
        return found

    def consume(self, session: Session, user_id: int, ids: Sequence[int]) -> None:
        """Delete matched records, and every expired one of the user."""
        cutoff = self.clock() - self.ttl
        if ids:
            session.execute(delete(OwnWrite).where(OwnWrite.id.in_(list(ids))))
        session.execute(
            delete(OwnWrite).where(OwnWrite.user_id == user_id, OwnWrite.created_at < cutoff)
        )

    def writer(
        self, *, user_id: int, gmail: GmailApi, watched: frozenset[str] | None = None
    ) -> GmailWriter:
        return GmailWriter(own_writes=self, gmail=gmail, user_id=user_id, watched=watched)


class GmailWriter:
    """The one way flows change labels or remove drafts, so sync knows the change is ours.

    Every method records first, then calls Gmail; on failure the record is withdrawn and the
    Gmail error propagates unchanged (the job's retry policy decides). `watched` are the label
    ids whose addition is recorded (None: every added label).
    """

    def __init__(
        self,
        *,
        own_writes: OwnWrites,
        gmail: GmailApi,
        user_id: int,
        watched: frozenset[str] | None = None,
    ) -> None:
        self.own_writes = own_writes
        self.gmail = gmail
        self.user_id = user_id
        self.watched = watched

    async def modify_thread(
        self, thread_id: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        ids = await self._record_labels(thread_id, add)
        try:
            await self.gmail.modify_thread(thread_id, add=add, remove=remove)
        except BaseException:
            await self.own_writes.forget(ids)
            raise

    async def modify_message(
        self,
        message_id: str,
        *,
        thread_id: str,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
    ) -> tuple[str, ...]:
        ids = await self._record_labels(thread_id, add)
        try:
            return await self.gmail.modify_message(message_id, add=add, remove=remove)
        except BaseException:
            await self.own_writes.forget(ids)
            raise

    async def batch_modify(
        self,
        message_ids: Sequence[str],
        *,
        thread_id: str,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
    ) -> None:
        """Messages of one thread (records are kept per thread)."""
        ids = await self._record_labels(thread_id, add)
        try:
            await self.gmail.batch_modify(message_ids, add=add, remove=remove)
        except BaseException:
            await self.own_writes.forget(ids)
            raise

    async def create_draft(self, thread_id: str | None, raw: str) -> Draft:
        # A new DRAFT message never triggers a job: nothing to record.
        return await self.gmail.create_draft(thread_id, raw)

    async def update_draft(self, draft_id: str, thread_id: str, raw: str) -> Draft:
        """Gmail replaces the draft's message: the old one shows up as deleted."""
        ids = await self.own_writes.record(
            self.user_id, [OwnWriteKey(thread_id, None, DRAFT_REMOVE)]
        )
        try:
            return await self.gmail.update_draft(draft_id, thread_id, raw)
        except BaseException:
            await self.own_writes.forget(ids)
            raise

    async def delete_draft(self, draft_id: str, *, thread_id: str) -> bool:
        ids = await self.own_writes.record(
            self.user_id, [OwnWriteKey(thread_id, None, DRAFT_REMOVE)]
        )
        try:
            deleted = await self.gmail.delete_draft(draft_id)
        except BaseException:
            await self.own_writes.forget(ids)
            raise
        if not deleted:
            await self.own_writes.forget(ids)  # already gone: no history will come
        return deleted

    async def _record_labels(self, thread_id: str, add: Sequence[str]) -> list[int]:
        keys = [
            OwnWriteKey(thread_id, label, LABEL_ADD)
            for label in dict.fromkeys(add)
            if self.watched is None or label in self.watched
        ]
        return await self.own_writes.record(self.user_id, keys)
