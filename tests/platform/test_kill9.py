"""A worker process killed with SIGKILL mid-job: its job returns to the queue and runs again."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from dbfixtures import migrated_database
from gmail_assistant.db import connector_for
from gmail_assistant.db.models import Job as JobRow
from gmail_assistant.jobs import HandlerRegistry, Job, JobQueue, Wakeup

pytestmark = pytest.mark.anyio
VICTIM = Path(__file__).with_name("victim_worker.py")


async def test_job_of_a_killed_process_runs_again(db_url: str) -> None:
    done: list[int] = []

    async def work(job: Job) -> None:
        done.append(job.id)

    async with migrated_database(db_url) as db, connector_for(db) as connector:
        registry = HandlerRegistry()
        registry.register("work", work)
        queue = JobQueue(connector=connector, registry=registry, wakeup=Wakeup(), lease_seconds=1.5)
        job_id = await queue.enqueue("work")
        victim = subprocess.Popen(
            [sys.executable, str(VICTIM), db_url], stdout=subprocess.PIPE, text=True
        )
        try:
            line = await asyncio.to_thread(victim.stdout.readline)  # type: ignore[union-attr]
            assert line.split() == ["claimed", str(job_id)]
            # While the victim lives, its heartbeat keeps the lease: nothing to recover.
            await asyncio.sleep(2)
            assert await queue.recover_stalled() == 0
        finally:
            victim.kill()
            victim.wait(10)
        for _ in range(100):  # the lease runs out within ~1.5 s of the kill
            if await queue.recover_stalled():
                break
            await asyncio.sleep(0.1)
        job = await queue.claim("survivor")
        assert job is not None and job.id == job_id and job.attempts == 2
        await registry.require("work").handler(job)
        assert await queue.complete(job, "survivor")
        async with db.read() as session:
            row = (await session.execute(select(JobRow))).scalar_one()
        assert (row.status, row.attempts, done) == ("completed", 2, [job_id])
