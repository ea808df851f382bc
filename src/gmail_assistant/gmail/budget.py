"""Gmail quota units per user: a token bucket every call of that user draws from.

Google limits each user to 250 quota units per second and prices each method in units.
The bucket lets a caller *reserve* units even when it is empty (the balance goes negative)
and tells it how long to wait; so concurrent callers queue fairly without a shared asyncio
lock, and one bucket can serve jobs on any event loop or thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable

__all__ = ["METHOD_UNITS", "BudgetRegistry", "QuotaBudget", "units_for"]

# Google's table (https://developers.google.com/gmail/api/reference/quota).
METHOD_UNITS: dict[str, int] = {
    "users.getProfile": 1,
    "users.watch": 100,
    "users.stop": 1,
    "labels.list": 1,
    "labels.get": 1,
    "labels.create": 1,
    "labels.update": 1,
    "labels.patch": 1,
    "labels.delete": 1,
    "history.list": 2,
    "messages.list": 5,
    "messages.get": 5,
    "messages.modify": 5,
    "messages.batchModify": 50,
    "threads.list": 10,
    "threads.get": 10,
    "threads.modify": 10,
    "drafts.list": 5,
    "drafts.get": 5,
    "drafts.create": 10,
    "drafts.update": 15,
    "drafts.delete": 10,
}


def units_for(method: str) -> int:
    """Units one call of ``method`` costs; an unknown method is priced high on purpose."""
    return METHOD_UNITS.get(method, 10)


class QuotaBudget:
    """Token bucket in quota units: ``rate`` per second, holding at most ``capacity``."""

    def __init__(
        self,
        *,
        units_per_second: float = 250.0,
        capacity: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if units_per_second <= 0:
            raise ValueError("units_per_second must be positive")
        self.rate = float(units_per_second)
        self.capacity = float(capacity if capacity is not None else units_per_second)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._balance = self.capacity
        self._updated = clock()

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._balance = min(self.capacity, self._balance + elapsed * self.rate)
        self._updated = now

    def available(self) -> float:
        """Units that could be spent right now (negative while callers are queued)."""
        with self._lock:
            self._refill(self._clock())
            return self._balance

    def reserve(self, units: int) -> float:
        """Take ``units`` now and return the seconds to wait before using them (0 if none)."""
        cost = min(float(units), self.capacity)  # a call dearer than the bucket still runs
        with self._lock:
            self._refill(self._clock())
            self._balance -= cost
            return 0.0 if self._balance >= 0 else -self._balance / self.rate

    async def acquire(self, units: int) -> float:
        """Wait until ``units`` are ours; returns the seconds waited."""
        wait = self.reserve(units)
        if wait > 0:
            await self._sleep(wait)
        return wait


class BudgetRegistry:
    """One :class:`QuotaBudget` per user email, shared by every client and job of that user."""

    def __init__(self, *, units_per_second: float = 250.0) -> None:
        self._units_per_second = units_per_second
        self._budgets: dict[str, QuotaBudget] = {}
        self._lock = threading.Lock()

    def get(self, email: str) -> QuotaBudget:
        key = email.strip().lower()
        with self._lock:
            budget = self._budgets.get(key)
            if budget is None:
                budget = QuotaBudget(units_per_second=self._units_per_second)
                self._budgets[key] = budget
            return budget
