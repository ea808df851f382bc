"""Retry policy as a pure function: given a failure, decide what happens to the job."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["PermanentJobError", "RetryDecision", "RetryPolicy", "is_permanent"]


class PermanentJobError(Exception):
    """A handler raises this when trying again cannot help (bad input, missing row).

    The one mark of a permanent failure is a true ``permanent`` attribute: errors of other
    packages carry it too (every Gmail auth error, a revoked token included), so this module
    needs no import of theirs.
    """

    permanent = True


def is_permanent(error: BaseException) -> bool:
    return getattr(error, "permanent", False) is True


@dataclass(frozen=True)
class RetryDecision:
    retry: bool
    run_after: datetime | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: delay in [base·2ⁿ/2, base·2ⁿ], capped."""

    base_seconds: float = 2.0
    max_seconds: float = 300.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** max(attempt - 1, 0))
        jitter = (rng or random).uniform(0.5, 1.0)
        return ceiling * jitter

    def decide(
        self,
        *,
        error: BaseException,
        attempts: int,
        max_attempts: int,
        now: datetime,
        rng: random.Random | None = None,
    ) -> RetryDecision:
        if is_permanent(error) or attempts >= max_attempts:
            return RetryDecision(retry=False)
        retry_after = getattr(error, "retry_after", None)
        delay = self.delay(attempts, rng)
        if isinstance(retry_after, int | float) and retry_after > 0:
            delay = max(delay, float(retry_after))
        return RetryDecision(retry=True, run_after=now + timedelta(seconds=delay))
