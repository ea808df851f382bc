"""Periodic tasks run once per period, however many replicas tick."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from dbfixtures import migrated_database
from gmail_assistant.db.types import utcnow
from gmail_assistant.jobs import PeriodicTask, Scheduler
from gmail_assistant.jobs.scheduler import TICK_PURGE_TASK

pytestmark = pytest.mark.anyio


async def test_three_replicas_run_each_period_once(db_url: str) -> None:
    now = utcnow()
    ran: list[str] = []

    async def renew() -> None:
        ran.append("renew")

    async def recover() -> None:
        ran.append("recover")

    tasks = [
        PeriodicTask("renew_watch", timedelta(hours=24), renew),
        PeriodicTask("recover", timedelta(seconds=30), recover, once_per_period=False),
    ]
    async with migrated_database(db_url) as db:
        replicas = [
            Scheduler(database=db, worker_id=f"replica-{i}", tasks=tasks, clock=lambda: now)
            for i in range(3)
        ]
        for _ in range(2):  # ticking again in the same period starts nothing new
            for replica in replicas:
                await replica.tick()
        for replica in replicas:
            await replica.drain()
        started = [name for r in replicas for name in r.runs]
        assert started.count("renew_watch") == 1
        assert ran.count("renew") == 1
        assert ran.count("recover") == 3  # safe to repeat, so every replica does it

        # The next period runs again, once.
        later = now + timedelta(hours=24)
        for replica in replicas:
            replica.clock = lambda: later
            await replica.tick()
            await replica.drain()
        assert ran.count("renew") == 2
        assert await replicas[0].purge_ticks(timedelta(days=0)) >= 1


async def test_old_ticks_are_purged_on_schedule(db_url: str) -> None:
    now = utcnow()
    clock = {"now": now - timedelta(days=30)}

    async def renew() -> None:
        return None

    tasks = [PeriodicTask("renew_watch", timedelta(hours=24), renew)]
    select_ticks = text("SELECT task, claimed_at FROM scheduler_ticks")
    async with migrated_database(db_url) as db:
        scheduler = Scheduler(database=db, worker_id="r", tasks=tasks, clock=lambda: clock["now"])
        assert TICK_PURGE_TASK in await scheduler.tick()
        await scheduler.drain()

        clock["now"] = now  # a month later: the tick purge's own period turns, it runs
        assert TICK_PURGE_TASK in await scheduler.tick()
        await scheduler.drain()

        async with db.write_connection() as conn:
            rows = (await conn.execute(select_ticks)).all()
        assert sorted(task for task, _ in rows) == ["purge_scheduler_ticks", "renew_watch"]
        assert scheduler.runs[TICK_PURGE_TASK] == 2


def test_ticks_outlive_the_longest_period() -> None:
    async def noop() -> None:
        return None

    every_ten_days = PeriodicTask("backup", timedelta(days=10), noop)
    scheduler = Scheduler(database=None, worker_id="r", tasks=[every_ten_days])  # type: ignore[arg-type]
    assert scheduler.tick_retention() == timedelta(days=20)
    without = Scheduler(database=None, worker_id="r", tasks=[])  # type: ignore[arg-type]
    assert without.tick_retention() == timedelta(days=7)
