"""The job queue on real SQLite and PostgreSQL: claims, leases, retries, de-duplication."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from dbfixtures import migrated_database
from gmail_assistant.db import connector_for
from gmail_assistant.db.models import Job as JobRow
from gmail_assistant.db.types import utcnow
from gmail_assistant.gmail.errors import GmailAuthError, GmailTokenRevoked
from gmail_assistant.jobs import (
    HandlerRegistry,
    Job,
    JobQueue,
    PermanentJobError,
    RetryPolicy,
    Wakeup,
    WorkerPool,
)
from gmail_assistant.jobs.in_transaction import enqueue_in
from gmail_assistant.slots import waiting

pytestmark = pytest.mark.anyio


async def _noop(job: Job) -> None:
    return None


def make_registry(**handlers: object) -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.register("noop", _noop)
    registry.register("sync", _noop, scope="user")
    registry.register("classify", _noop, scope="thread")
    for name, handler in handlers.items():
        registry.register(name, handler)  # type: ignore[arg-type]
    return registry


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


async def rows(db) -> list[JobRow]:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return list((await session.execute(select(JobRow).order_by(JobRow.id))).scalars())


async def test_concurrent_claimers_get_each_job_exactly_once(db_url: str) -> None:
    # Several independent engines, as several processes would have, racing for 300 jobs.
    async with migrated_database(db_url) as db, connector_for(db) as connector:
        registry = make_registry()
        producer = JobQueue(connector=connector, registry=registry, wakeup=Wakeup())
        for _ in range(300):
            await producer.enqueue("noop")
        claimed: list[int] = []

        async def claimer(index: int) -> None:
            async with (
                migrated_database(db_url, pool_size=2) as own,
                connector_for(own, pool_size=2) as own_connector,
            ):
                queue = JobQueue(connector=own_connector, registry=registry, wakeup=Wakeup())
                while (job := await queue.claim(f"w{index}")) is not None:
                    claimed.append(job.id)
                    assert await queue.complete(job, f"w{index}")

        await asyncio.gather(*(claimer(i) for i in range(8)))
        counts = Counter(claimed)
        assert len(counts) == 300
        assert max(counts.values()) == 1
        assert {row.status for row in await rows(db)} == {"completed"}


async def test_job_of_a_dead_worker_runs_again(db_url: str) -> None:
    async with migrated_database(db_url) as db, connector_for(db) as connector:
        clock = Clock()
        queue = JobQueue(
            connector=connector,
            registry=make_registry(),
            wakeup=Wakeup(),
            lease_seconds=30,
            clock=clock,
        )
        job_id = await queue.enqueue("noop")
        first = await queue.claim("dead-worker")
        assert first is not None and first.id == job_id
        assert await queue.claim("other") is None  # leased
        assert await queue.recover_stalled() == 0  # lease still valid
        clock.now += timedelta(seconds=31)
        assert await queue.recover_stalled() == 1
        second = await queue.claim("other")
        assert second is not None and second.id == job_id and second.attempts == 2
        # The dead worker waking up late cannot complete a job it no longer holds.
        assert not await queue.complete(first, "dead-worker")
        assert await queue.complete(second, "other")
        (row,) = await rows(db)
        assert (row.status, row.attempts) == ("completed", 2)


async def test_heartbeat_keeps_a_long_job_leased(db_url: str) -> None:
    async with migrated_database(db_url) as db, connector_for(db) as connector:
        clock = Clock()
        queue = JobQueue(
            connector=connector,
            registry=make_registry(),
            wakeup=Wakeup(),
            lease_seconds=30,
            clock=clock,
        )
        await queue.enqueue("noop")
        job = await queue.claim("alive")
        assert job is not None
        for _ in range(4):
            clock.now += timedelta(seconds=20)
            assert await queue.heartbeat("alive") == 1
            assert await queue.recover_stalled() == 0


async def test_a_job_that_keeps_killing_its_worker_fails_after_max_attempts(db_url: str) -> None:
    async with migrated_database(db_url) as db, connector_for(db) as connector:
        clock = Clock()
        queue = JobQueue(
            connector=connector,
            registry=make_registry(),
            wakeup=Wakeup(),
            lease_seconds=10,
            default_max_attempts=2,
            clock=clock,
        )
        await queue.enqueue("noop")
        for _ in range(2):
            assert await queue.claim("doomed") is not None
            clock.now += timedelta(seconds=11)
            await queue.recover_stalled()
        (row,) = await rows(db)
        assert row.status == "failed"
        assert "lease expired" in (row.last_error or "")


async def test_retry_then_success_leaves_two_attempts_completed(db_url: str) -> None:
    calls = 0

    async def flaky(job: Job) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("transient")

    async with migrated_database(db_url) as db, connector_for(db) as connector:
        registry = make_registry(flaky=flaky)
        queue = JobQueue(connector=connector, registry=registry, wakeup=Wakeup())
        pool = WorkerPool(
            queue=queue,
            registry=registry,
            concurrency=2,
            retry_policy=RetryPolicy(base_seconds=0.01, max_seconds=0.02),
            poll_interval=0.05,
        )
        job_id = await queue.enqueue("flaky")
        pool.start()
        try:
            await _wait_for_status(db, job_id, {"completed", "failed"})
        finally:
            await pool.stop()
        (row,) = await rows(db)
        assert (row.status, row.attempts) == ("completed", 2)
        assert calls == 2


async def test_three_failures_leave_failed_with_the_message(db_url: str) -> None:
    async def broken(job: Job) -> None:
        raise ValueError("the mail is unreadable")

    async with migrated_database(db_url) as db, connector_for(db) as connector:
        registry = HandlerRegistry()
        registry.register("broken", broken, max_attempts=3)
        queue = JobQueue(connector=connector, registry=registry, wakeup=Wakeup())
        pool = WorkerPool(
            queue=queue,
            registry=registry,
            concurrency=1,
            retry_policy=RetryPolicy(base_seconds=0.01, max_seconds=0.02),
            poll_interval=0.05,
        )
        job_id = await queue.enqueue("broken")
        pool.start()
        try:
            await _wait_for_status(db, job_id, {"failed", "completed"})
        finally:
            await pool.stop()
        (row,) = await rows(db)
        assert (row.status, row.attempts) == ("failed", 3)
        assert row.last_error == "ValueError: the mail is unreadable"


@pytest.mark.parametrize(
    "error",
    [
        PermanentJobError("no such email"),
        GmailAuthError("messages.get: 401 Invalid Credentials"),
        GmailAuthError("token refresh refused: invalid_client", status="refresh"),
        GmailTokenRevoked("token refresh refused: invalid_grant"),
    ],
    ids=["permanent-job-error", "gmail-401", "gmail-refresh-refused", "gmail-token-revoked"],
)
async def test_permanent_error_fails_at_once(db_url: str, error: Exception) -> None:
    async def refuses(job: Job) -> None:
        raise error

    async with migrated_database(db_url) as db, connector_for(db) as connector:
        registry = make_registry(refuses=refuses)
        queue = JobQueue(connector=connector, registry=registry, wakeup=Wakeup())
        pool = WorkerPool(queue=queue, registry=registry, concurrency=1, poll_interval=0.05)
        job_id = await queue.enqueue("refuses")
        pool.start()
        try:
            await _wait_for_status(db, job_id, {"failed", "completed"})
        finally:
            await pool.stop()
        (row,) = await rows(db)
        assert (row.status, row.attempts) == ("failed", 1)


async def test_burst_of_sync_enqueues_leaves_one_pending(db_url: str) -> None:
    async with migrated_database(db_url) as db, connector_for(db) as connector:
        queue = JobQueue(connector=connector, registry=make_registry(), wakeup=Wakeup())
        ids = await asyncio.gather(*(queue.enqueue("sync", user_id=7) for _ in range(1000)))
        await queue.enqueue("sync", user_id=8)
        assert len(set(ids)) == 1
        pending = [r for r in await rows(db) if r.status == "pending"]
        assert sorted(r.user_id for r in pending) == [7, 8]


async def test_a_sync_claimed_before_its_enqueue_returns_is_not_remembered(db_url: str) -> None:
    # The worker can claim the new sync before `enqueue` has returned to the webhook. The
    # next push must then queue a new sync, not be answered with the running one's id.
    class ClaimedAtOnce(JobQueue):
        running: Job | None = None

        async def enqueue_many(self, specs):  # type: ignore[no-untyped-def]
            ids = await super().enqueue_many(specs)
            if self.running is None:
                self.running = await self.claim("w")
            return ids

    async with migrated_database(db_url) as db, connector_for(db) as connector:
        queue = ClaimedAtOnce(connector=connector, registry=make_registry(), wakeup=Wakeup())
        first = await queue.enqueue("sync", user_id=1)
        assert queue.running is not None and queue.running.id == first
        later = await queue.enqueue("sync", user_id=1)
        assert later != first
        assert [r.id for r in await rows(db) if r.status == "pending"] == [later]


async def test_full_sync_takes_over_a_pending_incremental_sync(db_url: str) -> None:
    async with migrated_database(db_url) as db, connector_for(db) as connector:
        queue = JobQueue(connector=connector, registry=make_registry(), wakeup=Wakeup())
        first = await queue.enqueue("sync", user_id=1, payload={"full": False})
        second = await queue.enqueue(
            "sync", user_id=1, payload={"full": True}, replace_pending=True
        )
        third = await queue.enqueue("sync", user_id=1, payload={"full": False})
        assert first == second == third
        (row,) = await rows(db)
        assert row.payload == {"full": True}


async def test_one_pending_job_per_type_and_thread(db_url: str) -> None:
    async with migrated_database(db_url) as db, connector_for(db) as connector:
        queue = JobQueue(connector=connector, registry=make_registry(), wakeup=Wakeup())
        a = await queue.enqueue("classify", user_id=1, thread_id="t1")
        b = await queue.enqueue("classify", user_id=1, thread_id="t1")
        c = await queue.enqueue("classify", user_id=1, thread_id="t2")
        assert a == b != c
        # Once the first runs, a new message on the thread may queue another pass.
        job = await queue.claim("w")
        assert job is not None and job.id == a
        d = await queue.enqueue("classify", user_id=1, thread_id="t1")
        assert d not in (a, c)


async def test_a_running_sync_holds_back_the_next_one_for_that_user(db_url: str) -> None:
    async with migrated_database(db_url) as db, connector_for(db) as connector:
        queue = JobQueue(connector=connector, registry=make_registry(), wakeup=Wakeup())
        await queue.enqueue("sync", user_id=1)
        running = await queue.claim("w1")
        assert running is not None
        await queue.enqueue("sync", user_id=1)
        other = await queue.enqueue("sync", user_id=2)
        claimed = await queue.claim("w2")
        assert claimed is not None and claimed.id == other
        assert await queue.claim("w3") is None  # user 1's second sync waits
        await queue.complete(running, "w1")
        follow_up = await queue.claim("w3")
        assert follow_up is not None and follow_up.user_id == 1


async def test_retry_puts_run_after_in_the_future(db_url: str) -> None:
    async with migrated_database(db_url) as db, connector_for(db) as connector:
        queue = JobQueue(connector=connector, registry=make_registry(), wakeup=Wakeup())
        await queue.enqueue("noop")
        job = await queue.claim("w")
        assert job is not None
        before = utcnow()
        decision = RetryPolicy().decide(
            error=RuntimeError("x"), attempts=job.attempts, max_attempts=5, now=before
        )
        assert decision.retry and decision.run_after is not None
        assert await queue.retry(job, "w", "RuntimeError: x", decision.run_after)
        (row,) = await rows(db)
        assert row.status == "pending" and row.run_after > before
        assert await queue.claim("w") is None  # not due yet
        assert await queue.next_run_after() == row.run_after


async def test_retry_is_superseded_by_a_waiting_duplicate(db_url: str) -> None:
    async with migrated_database(db_url) as db, connector_for(db) as connector:
        queue = JobQueue(connector=connector, registry=make_registry(), wakeup=Wakeup())
        await queue.enqueue("sync", user_id=3)
        job = await queue.claim("w")
        assert job is not None
        waiting = await queue.enqueue("sync", user_id=3)
        assert await queue.retry(job, "w", "boom", utcnow())
        statuses = {r.id: r.status for r in await rows(db)}
        assert statuses == {job.id: "cancelled", waiting: "pending"}


async def test_purge_removes_only_old_finished_jobs(db_url: str) -> None:
    async with migrated_database(db_url) as db, connector_for(db) as connector:
        clock = Clock()
        queue = JobQueue(
            connector=connector, registry=make_registry(), wakeup=Wakeup(), clock=clock
        )
        for _ in range(3):
            await queue.enqueue("noop")
        done = await queue.claim("w")
        assert done is not None
        await queue.complete(done, "w")
        failed = await queue.claim("w")
        assert failed is not None
        await queue.fail(failed, "w", "kept for the operator")
        clock.now += timedelta(days=8)
        assert await queue.purge(timedelta(days=7)) == 1
        assert sorted(r.status for r in await rows(db)) == ["failed", "pending"]


async def test_graceful_stop_releases_a_job_that_outlives_the_grace(db_url: str) -> None:
    started = asyncio.Event()

    async def slow(job: Job) -> None:
        started.set()
        await asyncio.sleep(60)

    async with migrated_database(db_url) as db, connector_for(db) as connector:
        registry = make_registry(slow=slow)
        queue = JobQueue(connector=connector, registry=registry, wakeup=Wakeup())
        pool = WorkerPool(
            queue=queue, registry=registry, concurrency=1, poll_interval=0.05, shutdown_grace=0.1
        )
        await queue.enqueue("slow")
        pool.start()
        await asyncio.wait_for(started.wait(), 10)
        await pool.stop()
        (row,) = await rows(db)
        assert (row.status, row.attempts, row.locked_by) == ("pending", 0, None)


async def test_graceful_stop_lets_a_short_job_finish(db_url: str) -> None:
    started = asyncio.Event()

    async def short(job: Job) -> None:
        started.set()
        await asyncio.sleep(0.2)

    async with migrated_database(db_url) as db, connector_for(db) as connector:
        registry = make_registry(short=short)
        queue = JobQueue(connector=connector, registry=registry, wakeup=Wakeup())
        pool = WorkerPool(
            queue=queue, registry=registry, concurrency=1, poll_interval=0.05, shutdown_grace=30
        )
        await queue.enqueue("short")
        pool.start()
        await asyncio.wait_for(started.wait(), 10)
        await pool.stop()
        (row,) = await rows(db)
        assert row.status == "completed"


async def _wait_for_status(db, job_id: int | None, statuses: set[str]) -> None:  # type: ignore[no-untyped-def]
    for _ in range(400):
        async with db.read() as session:
            row = await session.get(JobRow, job_id)
            if row is not None and row.status in statuses:
                return
        await asyncio.sleep(0.025)
    raise AssertionError(f"job {job_id} never reached {statuses}")


async def test_enqueue_in_a_transaction_writes_what_the_queue_writes(db_url: str) -> None:
    registry = make_registry()
    registry.register("draft", _noop, scope="thread", max_attempts=2)
    async with migrated_database(db_url) as db, connector_for(db) as connector:
        queue = JobQueue(connector=connector, registry=registry, wakeup=Wakeup())
        first = await queue.enqueue("draft", user_id=1, thread_id="t1", payload={"n": 1})

        def in_tx(session):  # type: ignore[no-untyped-def]
            conn = session.connection()
            duplicate = enqueue_in(
                conn, queue, "draft", user_id=1, thread_id="t1", payload={"n": 2}
            )
            other = enqueue_in(conn, queue, "draft", user_id=1, thread_id="t2", payload={"n": 3})
            return duplicate, other

        duplicate, other = await db.run_write(in_tx)
        assert duplicate == first  # the same de-duplication key, one pending job
        by_thread = {row.thread_id: row for row in await rows(db)}
        assert set(by_thread) == {"t1", "t2"}
        columns = ("job_type", "user_id", "max_attempts", "status")
        assert [getattr(by_thread["t2"], c) for c in columns] == [
            getattr(by_thread["t1"], c) for c in columns
        ]
        assert by_thread["t2"].id == other and by_thread["t2"].max_attempts == 2
        assert by_thread["t2"].payload == {"n": 3}
        assert by_thread["t2"].dedup_key == by_thread["t1"].dedup_key.replace("t1", "t2")
        assert by_thread["t2"].lock_key == by_thread["t1"].lock_key.replace("t1", "t2")


async def test_a_job_waiting_on_the_model_does_not_hold_the_only_slot(db_url: str) -> None:
    """One slot: while the first job waits (as on a model's answer), the second one runs."""
    answer = asyncio.Event()
    finished: list[str] = []

    async def waits(job: Job) -> None:
        async with waiting():
            await answer.wait()
        finished.append("waits")

    async def works(job: Job) -> None:
        finished.append("works")
        answer.set()

    async with migrated_database(db_url) as db, connector_for(db) as connector:
        registry = make_registry(waits=waits, works=works)
        queue = JobQueue(connector=connector, registry=registry, wakeup=Wakeup())
        pool = WorkerPool(queue=queue, registry=registry, concurrency=1, poll_interval=0.05)
        first = await queue.enqueue("waits")
        second = await queue.enqueue("works")
        pool.start()
        try:
            await _wait_for_status(db, first, {"completed", "failed"})
            await _wait_for_status(db, second, {"completed", "failed"})
        finally:
            await pool.stop()
    assert finished == ["works", "waits"]


async def test_a_mails_next_step_keeps_its_place_in_the_queue(db_url: str) -> None:
    """Mail A's draft, enqueued after mail B's triage, is still claimed before it."""
    registry = make_registry()
    registry.register("draft", _noop, scope="thread")
    async with migrated_database(db_url) as db, connector_for(db) as connector:
        queue = JobQueue(connector=connector, registry=registry, wakeup=Wakeup())
        await queue.enqueue("classify", user_id=1, thread_id="mail-a")
        await queue.enqueue("classify", user_id=1, thread_id="mail-b")
        triage_a = await queue.claim("w")
        assert triage_a is not None and triage_a.thread_id == "mail-a"

        def next_step(session):  # type: ignore[no-untyped-def]
            return enqueue_in(
                session.connection(),
                queue,
                "draft",
                user_id=1,
                thread_id="mail-a",
                payload={},
                in_line_since=triage_a.created_at,
            )

        await db.run_write(next_step)
        await queue.complete(triage_a, "w")
        claimed = [await queue.claim("w"), await queue.claim("w")]
    assert [(j.job_type, j.thread_id) for j in claimed if j is not None] == [
        ("draft", "mail-a"),
        ("classify", "mail-b"),
    ]
