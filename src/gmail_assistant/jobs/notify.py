"""Wake idle workers the moment there is work, instead of waiting for the next poll.

One enqueued job wakes one idle worker, not all of them: a woken worker that claims a job wakes
the next idle one (see `WorkerPool`), so a batch announced by a single wake-up still fans out,
at the cost of at most one empty claim instead of one per worker. Across replicas on
PostgreSQL, LISTEN/NOTIFY feeds the same wake-up; each notification carries its sender's
`origin` so a process ignores its own. Polling stays as the fallback for anything missed (a
dropped listener connection, another process's delayed job).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from datetime import datetime
from typing import Any

from gmail_assistant.db.types import utcnow

__all__ = ["PgListener", "Wakeup", "notify_message"]

log = logging.getLogger(__name__)
# A due-time timer fires a little late rather than early: the claim compares wall clocks.
_TIMER_SLACK = 0.002


class Wakeup:
    """A wake-up per unit of work, handed to one idle worker each.

    A wake-up with no idle worker is kept (at most `max_pending` of them) for a worker that is
    between an empty claim and its wait; busy workers claim again anyway and need none.
    """

    def __init__(self, *, max_pending: int = 1) -> None:
        self.origin = uuid.uuid4().hex[:12]
        self.max_pending = max_pending
        self._waiters: deque[asyncio.Future[bool]] = deque()
        self._pending = 0
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: datetime | None = None

    @property
    def idle(self) -> int:
        return sum(1 for waiter in self._waiters if not waiter.done())

    def notify(self, count: int = 1) -> None:
        """Wake up to `count` idle workers; keep a wake-up for a worker about to idle."""
        count -= self._wake(count)
        if count > 0:
            self._pending = min(self._pending + count, self.max_pending)

    def notify_idle(self) -> bool:
        """Wake one idle worker if there is one; nothing is kept otherwise."""
        return self._wake(1) == 1

    def notify_all(self) -> None:
        """Wake every idle worker (shutdown)."""
        self._wake(len(self._waiters))
        self._pending = self.max_pending

    def _wake(self, count: int) -> int:
        woken = 0
        while woken < count and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(True)
                woken += 1
        return woken

    def notify_at(self, when: datetime) -> None:
        """Wake a worker when a delayed job becomes due (keeps only the earliest timer)."""
        if self._timer_at is not None and self._timer_at <= when and self._timer is not None:
            return
        if self._timer is not None:
            self._timer.cancel()
        delay = max((when - utcnow()).total_seconds(), 0.0) + _TIMER_SLACK
        loop = asyncio.get_running_loop()
        self._timer_at = when
        self._timer = loop.call_later(delay, self._fire_timer)

    def _fire_timer(self) -> None:
        self._timer = None
        self._timer_at = None
        self.notify()

    def clear(self) -> None:
        """Forget kept wake-ups."""
        self._pending = 0

    async def wait(self, timeout: float) -> bool:
        """True when woken, False after `timeout` seconds."""
        if self._pending:
            self._pending -= 1
            return True
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        expiry = loop.call_later(timeout, _expire, waiter)
        self._waiters.append(waiter)
        try:
            return await waiter
        finally:
            expiry.cancel()
            if not waiter.done():
                waiter.cancel()
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
            self._timer_at = None


def _expire(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)


def notify_message(origin: str, count: int) -> str:
    """The NOTIFY payload: who sent it and how many jobs became due."""
    return f"{origin}:{count}"


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

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        origin, _, count = (payload or "").partition(":")
        if origin == self.wakeup.origin:
            return  # this process woke its own workers already
        self.wakeup.notify(int(count) if count.isdigit() else 1)

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
