"""Periodic tasks run once per period, however many replicas tick."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dbfixtures import migrated_database
from gmail_assistant.db.types import utcnow
from gmail_assistant.jobs import PeriodicTask, Scheduler

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
