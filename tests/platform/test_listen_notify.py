"""On PostgreSQL an enqueue in one process wakes idle workers in another (LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio

import pytest

from dbfixtures import migrated_database
from gmail_assistant.db import connector_for
from gmail_assistant.jobs import (
    NOTIFY_CHANNEL,
    HandlerRegistry,
    Job,
    JobQueue,
    PgListener,
    Wakeup,
)

pytestmark = pytest.mark.anyio


async def _noop(job: Job) -> None:
    return None


async def test_enqueue_on_one_replica_wakes_the_other(pg_url: str) -> None:
    registry = HandlerRegistry()
    registry.register("noop", _noop)
    async with (
        migrated_database(pg_url) as db_a,
        migrated_database(pg_url) as db_b,
        connector_for(db_a) as connector_a,
        connector_for(db_b) as connector_b,
    ):
        producer = JobQueue(connector=connector_a, registry=registry, wakeup=Wakeup())
        remote_wakeup = Wakeup()
        listener = PgListener(
            dsn=pg_url.replace("+asyncpg", ""), channel=NOTIFY_CHANNEL, wakeup=remote_wakeup
        )
        listener.start()
        try:
            await asyncio.wait_for(listener.connected.wait(), 10)
            remote_wakeup.clear()
            assert not await remote_wakeup.wait(0.2)  # quiet before the enqueue
            await producer.enqueue("noop")
            assert await remote_wakeup.wait(10)  # woken by NOTIFY, not by a poll
            consumer = JobQueue(connector=connector_b, registry=registry, wakeup=remote_wakeup)
            assert await consumer.claim("b") is not None
        finally:
            await listener.stop()
