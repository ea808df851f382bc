"""Wake idle workers the moment there is work, instead of waiting for the next poll.

In one process an asyncio event does it; across replicas on PostgreSQL, LISTEN/NOTIFY feeds the
same event. Polling stays as the fallback for anything missed (a dropped listener connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from gmail_assistant.db.types import utcnow

__all__ = ["PgListener", "Wakeup"]

log = logging.getLogger(__name__)


class Wakeup:
    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: datetime | None = None

    def notify(self) -> None:
        self._event.set()

    def notify_at(self, when: datetime) -> None:
        """Wake workers when a delayed job becomes due (keeps only the earliest timer)."""
        if self._timer_at is not None and self._timer_at <= when and self._timer is not None:
            return
        if self._timer is not None:
            self._timer.cancel()
        delay = max((when - utcnow()).total_seconds(), 0.0)
        loop = asyncio.get_running_loop()
        self._timer_at = when
        self._timer = loop.call_later(delay, self._fire_timer)

    def _fire_timer(self) -> None:
        self._timer = None
        self._timer_at = None
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    async def wait(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class PgListener:
    """Holds one asyncpg connection LISTENing on the queue channel; reconnects on loss."""

    def __init__(self, *, dsn: str, channel: str, wakeup: Wakeup) -> None:
        self.dsn = dsn
        self.channel = channel
        self.wakeup = wakeup
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="pg-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _on_notify(self, *_args: Any) -> None:
        self.wakeup.notify()

    async def _run(self) -> None:
        import asyncpg

        delay = 0.5
        while True:
            conn = None
            try:
                conn = await asyncpg.connect(self.dsn)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(self.channel, self._on_notify)
                self.connected.set()
                delay = 0.5
                self.wakeup.notify()  # catch up on anything sent while disconnected
                await lost.wait()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("queue listener connection failed: %s", type(exc).__name__)
            finally:
                self.connected.clear()
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await conn.close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
