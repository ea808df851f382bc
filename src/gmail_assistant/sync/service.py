"""The sync flow: Gmail history (or a full inbox scan) → jobs, and the history cursor.

Incremental: `history.list` since `sync_state.last_history_id` (every page), then in ONE
transaction: the jobs `rules.plan_jobs` yields, the owner's moves to another category label
(`owner_moves`: events, no jobs), the consumed own-write records, and the cursor moved to the
newest history id listed. The cursor never goes backwards: it is stored
as text and compared as an integer under the row lock.

Full (no cursor yet, Gmail answered 404 for a stale one, or asked for): the profile's
history id is read BEFORE listing, then every inbox thread of the last `full_sync_days`
without an AI label that `emails` and the queue do not know yet gets one classify job for its
newest message, and the cursor moves to that history id — changes made while listing are
read again by the next incremental sync, never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gmail_assistant.db import Database
from gmail_assistant.db.models import Email, Job, SyncState
from gmail_assistant.db.types import utcnow
from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.gmail.errors import GmailHistoryExpired
from gmail_assistant.gmail.models import HistoryRecord
from gmail_assistant.jobs import JobQueue, names
from gmail_assistant.jobs.in_transaction import enqueue_in, notify_in
from gmail_assistant.labels import LABEL_NAMES
from gmail_assistant.settings import SyncSettings
from gmail_assistant.sync.own_writes import OwnWrites
from gmail_assistant.sync.owner_moves import record_owner_moves
from gmail_assistant.sync.rules import PlannedJob, SyncPlan, ThreadState, plan_jobs
from gmail_assistant.users import UserService

__all__ = ["SyncResult", "SyncService", "full_sync_query", "history_int"]

log = logging.getLogger(__name__)
GmailFor = Callable[[str], GmailApi]
# message ids → the job each routed message becomes instead of classify (absent: classify).
Route = Callable[[GmailApi, list[str]], Awaitable[dict[str, PlannedJob]]]
_CHUNK = 500


@dataclass(frozen=True)
class SyncResult:
    user_id: int
    mode: str  # incremental | full
    jobs: tuple[PlannedJob, ...]
    history_id: int
    records: int = 0  # history records read (incremental)
    skipped_threads: int = 0  # known or queued threads a full sync left alone
    reason: str = ""  # why a full sync ran


def history_int(value: str | int | None) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def full_sync_query(days: int) -> str:
    excluded = " ".join(f'-label:"{name}"' for name in LABEL_NAMES.values())
    return f"in:inbox newer_than:{days}d {excluded}"


class SyncService:
    def __init__(
        self,
        *,
        database: Database,
        queue: JobQueue,
        users: UserService,
        gmail_for: GmailFor,
        own_writes: OwnWrites,
        settings: SyncSettings,
        clock: Callable[[], datetime] = utcnow,
        route: Route | None = None,
    ) -> None:
        self.db = database
        self.queue = queue
        self.users = users
        self.gmail_for = gmail_for
        self.own_writes = own_writes
        self.settings = settings
        self.clock = clock
        # The agent flow's routing (set by its install): new inbound mail a rule sends to
        # an agent becomes an agent_process job instead of classify.
        self.route = route

    async def run(self, user_id: int, *, full: bool = False) -> SyncResult | None:
        user = await self.users.get(user_id)
        if user is None or not user.is_active:
            log.info("sync skipped: no active user", extra={"user_id": user_id})
            return None
        gmail = self.gmail_for(user.email)
        stored = await self.cursor(user_id)
        if full or stored is None:
            return await self.full(user_id, gmail, reason="requested" if full else "no cursor")
        try:
            page = await gmail.list_history(stored)
        except GmailHistoryExpired:
            log.warning("history expired, running a full sync", extra={"user_id": user_id})
            return await self.full(user_id, gmail, reason="history expired")
        labels = await self.users.labels(user_id)
        thread_ids = _threads_of(page.records)
        routes = await self._routes(gmail, _inbound_ids(page.records))

        def apply(session: Session) -> tuple[SyncPlan, int]:
            threads = _thread_states(session, user_id, thread_ids)
            pending = self.own_writes.pending(session, user_id, thread_ids)
            plan = plan_jobs(page.records, labels=labels, threads=threads, own=pending)
            plan.jobs = _rerouted(plan.jobs, routes)
            consumed = [i for key in plan.own_keys for i in pending.get(key, [])]
            self.own_writes.consume(session, user_id, consumed)
            self._enqueue(session, user_id, plan.jobs)
            record_owner_moves(session, user_id, plan.owner_moves)
            return plan, self._advance(session, user_id, page.history_id, full=False)

        plan, newest = await self.db.run_write(apply)
        self.queue.wakeup.notify()
        result = SyncResult(user_id, "incremental", tuple(plan.jobs), newest, len(page.records))
        _log(result)
        return result

    async def full(self, user_id: int, gmail: GmailApi, *, reason: str = "") -> SyncResult:
        profile = await gmail.get_profile()  # BEFORE listing: nothing falls between
        listed = await gmail.list_message_ids(full_sync_query(self.settings.full_sync_days))
        newest: dict[str, str] = {}  # thread → its newest message (the list is newest first)
        for message_id, thread_id in listed:
            newest.setdefault(thread_id or message_id, message_id)
        routes = await self._routes(gmail, newest.values())

        def apply(session: Session) -> tuple[list[PlannedJob], int]:
            known = set(_thread_states(session, user_id, newest))
            known |= _queued_threads(session, user_id, newest)
            jobs = [
                PlannedJob(names.CLASSIFY, thread_id, {"message_id": message_id, "full_sync": True})
                for thread_id, message_id in newest.items()
                if thread_id not in known
            ]
            jobs = _rerouted(jobs, routes)
            self._enqueue(session, user_id, jobs)
            return jobs, self._advance(session, user_id, profile.history_id, full=True)

        jobs, history_id = await self.db.run_write(apply)
        self.queue.wakeup.notify()
        skipped = len(newest) - len(jobs)
        result = SyncResult(
            user_id, "full", tuple(jobs), history_id, skipped_threads=skipped, reason=reason
        )
        _log(result)
        return result

    async def _routes(self, gmail: GmailApi, message_ids: Iterable[str]) -> dict[str, PlannedJob]:
        ids = list(message_ids)
        return await self.route(gmail, ids) if self.route is not None and ids else {}

    async def cursor(self, user_id: int) -> int | None:
        state = await self.db.run_read(lambda session: session.get(SyncState, user_id))
        value = history_int(state.last_history_id if state else None)
        return value or None

    def _enqueue(self, session: Session, user_id: int, jobs: list[PlannedJob]) -> None:
        if not jobs:
            return
        conn = session.connection()
        for job in jobs:
            enqueue_in(
                conn,
                self.queue,
                job.job_type,
                user_id=user_id,
                thread_id=job.thread_id,
                payload=job.payload,
            )
        notify_in(conn, self.queue)

    def _advance(self, session: Session, user_id: int, history_id: int, *, full: bool) -> int:
        """Move the cursor forward (never back); returns the cursor afterwards."""
        state = session.scalars(
            select(SyncState).where(SyncState.user_id == user_id).with_for_update()
        ).one_or_none()
        if state is None:
            state = SyncState(user_id=user_id)
            session.add(state)
        now = self.clock()
        current = history_int(state.last_history_id)
        if history_id > current:
            state.last_history_id = str(history_id)
            current = history_id
        state.last_sync_at = now
        if full:
            state.last_full_sync_at = now
        return current


def _inbound_ids(records: Iterable[HistoryRecord]) -> list[str]:
    """New messages that may become a classify job (the candidates for routing)."""
    return [
        message.id
        for record in records
        for message in record.messages_added
        if "INBOX" in message.label_ids and not {"DRAFT", "SENT"} & set(message.label_ids)
    ]


def _rerouted(jobs: list[PlannedJob], routes: dict[str, PlannedJob]) -> list[PlannedJob]:
    """Classify jobs whose message a routing rule sends elsewhere, replaced by that job."""
    if not routes:
        return jobs
    out = []
    for job in jobs:
        routed = (
            routes.get(str(job.payload.get("message_id")))
            if job.job_type == names.CLASSIFY
            else None
        )
        out.append(PlannedJob(routed.job_type, job.thread_id, routed.payload) if routed else job)
    return out


def _threads_of(records: Iterable[HistoryRecord]) -> set[str]:
    threads: set[str] = set()
    for record in records:
        for message in (*record.messages_added, *record.messages_deleted):
            threads.add(message.thread_id)
        for change in (*record.labels_added, *record.labels_removed):
            threads.add(change.thread_id)
    return threads


def _thread_states(
    session: Session, user_id: int, thread_ids: Iterable[str]
) -> dict[str, ThreadState]:
    threads = sorted(set(thread_ids))
    states: dict[str, ThreadState] = {}
    for start in range(0, len(threads), _CHUNK):
        rows = session.execute(
            select(Email.gmail_thread_id, Email.status, Email.draft_id, Email.classification).where(
                Email.user_id == user_id,
                Email.gmail_thread_id.in_(threads[start : start + _CHUNK]),
            )
        )
        for thread_id, status, draft_id, classification in rows:
            states[thread_id] = ThreadState(status, draft_id, classification)
    return states


def _queued_threads(session: Session, user_id: int, thread_ids: Iterable[str]) -> set[str]:
    threads = sorted(set(thread_ids))
    queued: set[str] = set()
    for start in range(0, len(threads), _CHUNK):
        rows = session.execute(
            select(Job.thread_id).where(
                Job.user_id == user_id,
                Job.job_type.in_((names.CLASSIFY, names.AGENT_PROCESS)),
                Job.status.in_(("pending", "running")),
                Job.thread_id.in_(threads[start : start + _CHUNK]),
            )
        )
        queued.update(str(thread_id) for (thread_id,) in rows)
    return queued


def _log(result: SyncResult) -> None:
    log.info(
        "sync finished",
        extra={
            "user_id": result.user_id,
            "mode": result.mode,
            "jobs": len(result.jobs),
            "history_id": result.history_id,
            "records": result.records,
            "skipped_threads": result.skipped_threads,
            "reason": result.reason,
        },
    )
