"""When to retry a failed Gmail call, and after how long: a pure function of error and attempt.

Retried: rate limits (429, and 403 ``userRateLimitExceeded`` / ``rateLimitExceeded`` and
other quota reasons) and unavailability (5xx, resets, timeouts, an unreachable token
endpoint). Not retried: any other 4xx and auth errors — they fail at once. The wait is
exponential with jitter, and never shorter than the wait the server named — a ``Retry-After``
header or Gmail's "Retry after <time>" in the 429 message — which is capped, so a hostile
value cannot park a worker for an hour.
"""

from __future__ import annotations

from dataclasses import dataclass

from gmail_assistant.gmail.errors import GmailError, GmailRateLimited, GmailUnavailable

__all__ = ["RetryDecision", "RetryPolicy"]


@dataclass(frozen=True)
class RetryDecision:
    retry: bool
    delay: float = 0.0


_GIVE_UP = RetryDecision(retry=False)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 60.0

    def decide(self, error: GmailError, attempt: int, *, jitter: float = 0.5) -> RetryDecision:
        """Decision after ``attempt`` calls (1-based) failed, the last one with ``error``.

        ``jitter`` in [0, 1) picks the delay within [½, 1] of the exponential step, so callers
        failing together spread out; pass ``random.random()`` in production.
        """
        if not isinstance(error, GmailRateLimited | GmailUnavailable):
            return _GIVE_UP
        if attempt > self.max_retries:
            return _GIVE_UP
        step = min(self.max_delay, self.base_delay * 2 ** max(0, attempt - 1))
        delay = step * (0.5 + 0.5 * min(max(jitter, 0.0), 1.0))
        if error.retry_after is not None:
            delay = max(delay, min(error.retry_after, self.max_retry_after))
        return RetryDecision(retry=True, delay=delay)
