"""Prometheus metrics: jobs, queue depth, LLM calls, Gmail calls, webhook pushes.

Each app owns a `Metrics` with its own `CollectorRegistry`, so tests never share counters.
Code far from the app (the LLM recorder, the Gmail client factory, the webhook) calls the
module functions `record_llm_call`, `record_gmail_call` and `record_webhook_push`; they
report to the metrics of the running app and do nothing when none runs (CLI, unit tests).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = [
    "CONTENT_TYPE_LATEST",
    "Metrics",
    "active_metrics",
    "record_agent_run",
    "record_gmail_call",
    "record_llm_call",
    "record_webhook_push",
]

log = logging.getLogger(__name__)

_GMAIL_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_JOB_SECONDS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.jobs = Counter(
            "gma_jobs", "Finished job attempts by type and outcome.", ["job_type", "outcome"],
            registry=r,
        )  # fmt: skip
        self.job_seconds = Histogram(
            "gma_job_duration_seconds", "Time a job attempt ran, by type.", ["job_type"],
            buckets=_JOB_SECONDS_BUCKETS, registry=r,
        )  # fmt: skip
        self.queue_depth = Gauge(
            "gma_queue_jobs", "Jobs in the queue by state (read on scrape).", ["state"],
            registry=r,
        )  # fmt: skip
        self.llm_calls = Counter(
            "gma_llm_calls", "LLM call attempts by model and outcome.", ["model", "outcome"],
            registry=r,
        )  # fmt: skip
        self.llm_tokens = Counter("gma_llm_tokens", "Tokens used by model.", ["model"], registry=r)
        self.llm_cost = Counter(
            "gma_llm_cost_usd", "Estimated LLM cost in USD by model.", ["model"], registry=r
        )
        self.gmail_calls = Counter(
            "gma_gmail_calls", "Gmail API attempts by method and status.", ["method", "status"],
            registry=r,
        )  # fmt: skip
        self.gmail_seconds = Histogram(
            "gma_gmail_call_duration_seconds", "Time a Gmail API attempt took, by method.",
            ["method"], buckets=_GMAIL_SECONDS_BUCKETS, registry=r,
        )  # fmt: skip
        self.gmail_errors = Counter(
            "gma_gmail_errors", "Gmail API attempts that failed, by method.", ["method"],
            registry=r,
        )  # fmt: skip
        self.gmail_units = Counter(
            "gma_gmail_quota_units", "Gmail quota units spent by method.", ["method"],
            registry=r,
        )  # fmt: skip
        self.gmail_token_revoked = Counter(
            "gma_gmail_token_revoked",
            "Gmail calls refused because Google rejects the refresh token (invalid_grant): "
            "the owner must re-authorise. Alert on any increase.",
            registry=r,
        )
        self.webhook_pushes = Counter(
            "gma_webhook_pushes", "Pub/Sub pushes received by outcome.", ["outcome"],
            registry=r,
        )  # fmt: skip
        self.agent_runs = Counter(
            "gma_agent_runs", "Agent runs by profile and status.", ["profile", "status"],
            registry=r,
        )  # fmt: skip
        self.agent_tool_calls = Counter(
            "gma_agent_tool_calls", "Tool calls made by agent runs, by profile.", ["profile"],
            registry=r,
        )  # fmt: skip

    # -- feeding -------------------------------------------------------------------------

    def observe_job(self, job_type: str, outcome: str, seconds: float) -> None:
        """One call per finished attempt (fed by the worker pool's `on_outcome`)."""
        self.jobs.labels(job_type, outcome).inc()
        self.job_seconds.labels(job_type).observe(max(seconds, 0.0))

    def set_queue_counts(self, counts: Mapping[str, int]) -> None:
        """Jobs by state (`pending`, `running`, …), read on scrape."""
        for state in ("pending", "running", "failed", "completed", "cancelled"):
            self.queue_depth.labels(state).set(counts.get(state, 0))

    def record_llm_call(
        self, model: str, tokens: int | None, cost: float | None, error: str | None
    ) -> None:
        self.llm_calls.labels(model, "error" if error else "ok").inc()
        if tokens:
            self.llm_tokens.labels(model).inc(max(tokens, 0))
        if cost:
            self.llm_cost.labels(model).inc(max(cost, 0.0))

    def record_gmail_call(
        self, method: str, status: int | str, units: int, seconds: float = 0.0
    ) -> None:
        self.gmail_calls.labels(method, str(status)).inc()
        self.gmail_seconds.labels(method).observe(max(seconds, 0.0))
        if not (isinstance(status, int) and status < 400):
            self.gmail_errors.labels(method).inc()
        if status == "revoked":
            self.gmail_token_revoked.inc()
        if units > 0:
            self.gmail_units.labels(method).inc(units)

    def record_webhook_push(self, outcome: str) -> None:
        self.webhook_pushes.labels(outcome).inc()

    def record_agent_run(self, profile: str, status: str, tool_calls: int) -> None:
        self.agent_runs.labels(profile, status).inc()
        if tool_calls > 0:
            self.agent_tool_calls.labels(profile).inc(tool_calls)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    # -- process-wide sink ------------------------------------------------------------------

    def install(self) -> None:
        """Make this the sink of the module functions (done when the app starts)."""
        global _active
        _active = self

    def uninstall(self) -> None:
        global _active
        if _active is self:
            _active = None


_active: Metrics | None = None


def active_metrics() -> Metrics | None:
    return _active


def record_llm_call(model: str, tokens: int | None, cost: float | None, error: str | None) -> None:
    """One LLM call attempt: total tokens, cost in USD (None when unknown), error or None."""
    if _active is not None:
        _active.record_llm_call(model, tokens, cost, error)


def record_gmail_call(method: str, status: int | str, units: int, seconds: float) -> None:
    """A Gmail `CallObserver`: pass it as `on_call` to `GmailClientFactory`."""
    if _active is not None:
        _active.record_gmail_call(method, status, units, seconds)


def record_webhook_push(outcome: str) -> None:
    """One Pub/Sub push: "accepted", "duplicate", "rejected", "bad_request", … (the webhook's
    own words; keep the set small, it becomes a label)."""
    if _active is not None:
        _active.record_webhook_push(outcome)


def record_agent_run(profile: str, status: str, tool_calls: int) -> None:
    """One finished agent run: its profile, status (completed, max_iterations, error) and
    how many tools it called."""
    if _active is not None:
        _active.record_agent_run(profile, status, tool_calls)
