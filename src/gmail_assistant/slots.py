"""Worker slots: how many jobs may work at once, and giving a slot up while waiting.

The worker pool has `GMA_SERVER_WORKER_CONCURRENCY` slots and runs more jobs than that. A job
holds a slot while it works and gives it up while it waits on something slow outside the
process (`waiting()`, around a model call), so a wait never idles a slot: another job works
meanwhile. A job coming back from a wait gets the next free slot before a new job is
claimed, so work already started finishes first.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["Slots", "holding", "waiting"]


class Slots:
    """A counting semaphore with two queues: resuming jobs are served before new claims."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("at least one slot")
        self.size = size
        self._free = size
        self._resuming: deque[asyncio.Future[None]] = deque()
        self._claiming: deque[asyncio.Future[None]] = deque()

    @property
    def free(self) -> int:
        return self._free

    async def acquire(self, *, resuming: bool = False) -> None:
        if self._free > 0 and not self._resuming and (resuming or not self._claiming):
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        line = self._resuming if resuming else self._claiming
        line.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot just as we were cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    line.remove(waiter)
            raise

    def release(self) -> None:
        for line in (self._resuming, self._claiming):
            while line:
                waiter = line.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # the slot goes straight to the waiter
                    return
        self._free += 1


@dataclass
class _Held:
    slots: Slots
    held: bool = True


_current: ContextVar[_Held | None] = ContextVar("worker_slot", default=None)


@contextlib.contextmanager
def holding(slots: Slots) -> Iterator[_Held]:
    """Mark the current context (a job's task is created inside it) as holding one slot
    from `slots`; the caller acquired it and releases it when `held` is still true."""
    held = _Held(slots)
    token = _current.set(held)
    try:
        yield held
    finally:
        _current.reset(token)


@contextlib.asynccontextmanager
async def waiting() -> AsyncIterator[None]:
    """Give the current job's slot up for the duration (outside a job: does nothing)."""
    held = _current.get()
    if held is None or not held.held:
        yield
        return
    held.held = False
    held.slots.release()
    try:
        yield
    finally:
        await held.slots.acquire(resuming=True)
        held.held = True
