"""When to try an LLM call again: a pure decision, so it is tested without waiting."""

from __future__ import annotations

from dataclasses import dataclass

from gmail_assistant.llm.errors import LlmError, LlmRateLimited

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter on retryable errors, `max_retries` times at most.

    The delay before retry n (1-based) is `base_delay * 2**(n-1)`, capped at `max_delay`,
    scaled by a jitter factor in [0.5, 1.0) so that callers rate-limited together do not come
    back together. A provider's Retry-After wins when it is longer, up to `max_delay`.
    """

    max_retries: int
    base_delay: float = 1.0
    max_delay: float = 30.0

    def delay(self, error: LlmError, *, attempt: int, jitter: float) -> float | None:
        """Seconds to wait after failed attempt `attempt` (1-based), or None to give up.

        `jitter` is a number in [0, 1), normally `random.random()`.
        """
        if not error.retryable or attempt > self.max_retries:
            return None
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        wait = backoff * (0.5 + jitter / 2)
        if isinstance(error, LlmRateLimited) and error.retry_after is not None:
            wait = max(wait, min(error.retry_after, self.max_delay))
        return wait
