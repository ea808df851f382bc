"""Run by test_kill9: a worker process that claims a job and hangs until it is killed."""

from __future__ import annotations

import asyncio
import sys

from gmail_assistant.db import Database, connector_for
from gmail_assistant.jobs import HandlerRegistry, Job, JobQueue, Wakeup, WorkerPool


async def hang(job: Job) -> None:
    print("claimed", job.id, flush=True)
    await asyncio.sleep(3600)


async def main(url: str) -> None:
    db = Database(url=url)
    registry = HandlerRegistry()
    registry.register("work", hang)
    queue = JobQueue(
        connector=connector_for(db), registry=registry, wakeup=Wakeup(), lease_seconds=1.5
    )
    pool = WorkerPool(queue=queue, registry=registry, concurrency=1, poll_interval=0.05)
    pool.start()
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
