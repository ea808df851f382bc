"""Queue throughput and wake-up latency on SQLite and PostgreSQL.

Prints jobs/second for enqueue → claim → complete with a no-op handler (1, 3 and 8 workers;
the producer uses `enqueue_many` in batches of 50, like a sync turning a page of history into
classify jobs), and the median single-`enqueue` → handler-start latency on an idle queue.

    uv run python bench/queue.py [--jobs N] [--latency-samples N] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import sys

# This file is named like the stdlib `queue` module; keep its folder off the import path.
sys.path[:] = [p for p in sys.path if not p.endswith("bench")]

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from gmail_assistant.db import Database, connector_for
from gmail_assistant.db.migrate import upgrade
from gmail_assistant.jobs import (
    HandlerRegistry,
    Job,
    JobQueue,
    JobSpec,
    Wakeup,
    WorkerPool,
)
from gmail_assistant_testing.pgtemp import pg_unavailable_reason, temp_pg_database

# The producer enqueues in batches, as a sync turning a page of history into jobs does.
BATCH = 50


async def throughput(url: str, workers: int, jobs: int) -> float:
    db = Database(url=url, pool_size=max(workers + 2, 5))
    await upgrade(db)
    done = asyncio.Event()
    count = 0

    async def noop(job: Job) -> None:
        nonlocal count
        count += 1
        if count == jobs:
            done.set()

    registry = HandlerRegistry()
    registry.register("noop", noop)
    connector = connector_for(db, pool_size=workers + 2)
    queue = JobQueue(connector=connector, registry=registry, wakeup=Wakeup())
    pool = WorkerPool(queue=queue, registry=registry, concurrency=workers, poll_interval=0.5)
    pool.start()
    start = time.perf_counter()

    async def produce() -> None:
        for first in range(0, jobs, BATCH):
            await queue.enqueue_many([JobSpec("noop")] * min(BATCH, jobs - first))

    await asyncio.gather(produce(), done.wait())
    elapsed = time.perf_counter() - start
    await pool.stop()
    await _wait_completed(db, jobs)
    await connector.close()
    await db.dispose()
    return jobs / elapsed


async def _wait_completed(db: Database, jobs: int) -> None:
    from sqlalchemy import text

    for _ in range(200):
        async with db.engine.connect() as conn:
            finished = (
                await conn.execute(text("SELECT COUNT(*) FROM jobs WHERE status = 'completed'"))
            ).scalar()
        if finished == jobs:
            return
        await asyncio.sleep(0.05)


async def latency(url: str, samples: int) -> list[float]:
    db = Database(url=url)
    await upgrade(db)
    started: asyncio.Queue[float] = asyncio.Queue()

    async def mark(job: Job) -> None:
        started.put_nowait(time.perf_counter())

    registry = HandlerRegistry()
    registry.register("mark", mark)
    connector = connector_for(db)
    queue = JobQueue(connector=connector, registry=registry, wakeup=Wakeup())
    pool = WorkerPool(queue=queue, registry=registry, concurrency=3, poll_interval=1.0)
    pool.start()
    await asyncio.sleep(0.2)  # let the workers go idle
    values = []
    for _ in range(samples):
        t0 = time.perf_counter()
        await queue.enqueue("mark")
        t1 = await started.get()
        values.append((t1 - t0) * 1000)
        await asyncio.sleep(0.01)  # idle again before the next one
    await pool.stop()
    await connector.close()
    await db.dispose()
    return values


def run_backend(name: str, jobs: int, samples: int) -> None:
    def url_for(label: str) -> tuple[str, object]:
        if name == "sqlite":
            return f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/{label}.db", None
        holder = temp_pg_database()
        pg = holder.__enter__()
        return pg.replace("postgresql://", "postgresql+asyncpg://", 1), holder

    for workers in (1, 3, 8):
        url, holder = url_for(f"bench-{workers}")
        try:
            rate = asyncio.run(throughput(url, workers, jobs))
        finally:
            if holder is not None:
                holder.__exit__(None, None, None)  # type: ignore[attr-defined]
        print(
            f"{name:10s} workers={workers}: {rate:8.0f} jobs/s"
            f"  ({jobs} no-op jobs, enqueued in batches of {BATCH})"
        )
    url, holder = url_for("latency")
    try:
        values = asyncio.run(latency(url, samples))
    finally:
        if holder is not None:
            holder.__exit__(None, None, None)  # type: ignore[attr-defined]
    p95 = statistics.quantiles(values, n=20)[-1]
    print(
        f"{name:10s} enqueue→start on an idle queue: median {statistics.median(values):.2f} ms,"
        f" p95 {p95:.2f} ms ({samples} samples)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=3000)
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    Path(tempfile.gettempdir()).mkdir(exist_ok=True)
    for backend in args.backends.split(","):
        if backend == "postgresql" and (reason := pg_unavailable_reason()):
            print(f"postgresql skipped: {reason}")
            continue
        run_backend(backend, args.jobs, args.latency_samples)


if __name__ == "__main__":
    main()
