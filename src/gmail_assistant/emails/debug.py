"""Everything known about one email's thread, on one page: rows, a merged timeline, totals."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gmail_assistant.db import Database
from gmail_assistant.db.models import AgentRun, Email, EmailEvent, Job, LlmCall
from gmail_assistant.emails.values import (
    AgentRunView,
    EmailEventView,
    EmailView,
    JobView,
    LlmCallView,
)

__all__ = ["DebugBundle", "DebugSummary", "TimelineEntry", "load_debug_bundle"]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # event | llm_call | agent_run | job
    ref_id: int
    title: str
    detail: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class DebugSummary:
    llm_calls: int
    total_tokens: int
    total_cost_usd: float
    total_latency_ms: float
    errors: tuple[str, ...]

    @property
    def error_count(self) -> int:
        return len(self.errors)


@dataclass(frozen=True)
class DebugBundle:
    email: EmailView
    events: tuple[EmailEventView, ...]
    llm_calls: tuple[LlmCallView, ...]
    agent_runs: tuple[AgentRunView, ...]
    jobs: tuple[JobView, ...]
    timeline: tuple[TimelineEntry, ...] = field(default=())
    summary: DebugSummary | None = None


async def load_debug_bundle(db: Database, email_id: int) -> DebugBundle | None:
    async with db.read() as session:
        row = await session.get(Email, email_id)
        if row is None:
            return None
        email = EmailView.of(row)
        same_thread = (row.user_id, row.gmail_thread_id)
        events = await _rows_of(session, EmailEvent, email_id, *same_thread)
        calls = await _rows_of(session, LlmCall, email_id, *same_thread)
        runs = await _rows_of(session, AgentRun, email_id, *same_thread)
        jobs = (
            await session.execute(
                select(Job)
                .where(Job.user_id == same_thread[0], Job.thread_id == same_thread[1])
                .order_by(Job.created_at, Job.id)
            )
        ).scalars()
        bundle = DebugBundle(
            email=email,
            events=tuple(EmailEventView.of(e) for e in events),
            llm_calls=tuple(LlmCallView.of(c) for c in calls),
            agent_runs=tuple(AgentRunView.of(r) for r in runs),
            jobs=tuple(JobView.of(j) for j in jobs),
        )
    return replace(bundle, timeline=build_timeline(bundle), summary=summarise(bundle))


def build_timeline(bundle: DebugBundle) -> tuple[TimelineEntry, ...]:
    entries: list[TimelineEntry] = []
    for event in bundle.events:
        entries.append(
            TimelineEntry(event.created_at, "event", event.id, event.event_type, event.detail)
        )
    for call in bundle.llm_calls:
        title = f"LLM {call.purpose} ({call.model})"
        detail = f"{call.tokens} tokens, {call.latency_ms or 0:.0f} ms"
        entries.append(
            TimelineEntry(call.created_at, "llm_call", call.id, title, detail, call.error)
        )
    for run in bundle.agent_runs:
        title = f"agent {run.profile}: {run.status}"
        entries.append(
            TimelineEntry(run.created_at, "agent_run", run.id, title, run.final_message, run.error)
        )
    for job in bundle.jobs:
        title = f"job {job.job_type}: {job.status}"
        detail = f"attempt {job.attempts}/{job.max_attempts}"
        entries.append(TimelineEntry(job.created_at, "job", job.id, title, detail, job.last_error))
    order = {"job": 0, "event": 1, "llm_call": 2, "agent_run": 3}
    entries.sort(key=lambda e: (e.at, order[e.kind], e.ref_id))
    return tuple(entries)


def summarise(bundle: DebugBundle) -> DebugSummary:
    calls = bundle.llm_calls
    errors = [f"llm_call {c.id}: {c.error}" for c in calls if c.error]
    errors += [f"agent_run {r.id}: {r.error}" for r in bundle.agent_runs if r.error]
    errors += [
        f"job {j.id} ({j.job_type}): {j.last_error}"
        for j in bundle.jobs
        if j.last_error and j.status == "failed"
    ]
    errors += [
        f"event {e.id} ({e.event_type}): {e.detail or ''}"
        for e in bundle.events
        if e.event_type in ("draft_error", "parse_error")
    ]
    return DebugSummary(
        llm_calls=len(calls),
        total_tokens=sum(c.tokens for c in calls),
        total_cost_usd=round(sum(c.cost_usd or 0.0 for c in calls), 6),
        total_latency_ms=round(sum(c.latency_ms or 0.0 for c in calls), 1),
        errors=tuple(errors),
    )


async def _rows_of(
    session: AsyncSession, model: Any, email_id: int, user_id: int, thread_id: str
) -> list[Any]:
    """Rows of `model` tied to the email, or to its thread (rows written before it existed)."""
    query = (
        select(model)
        .where(
            or_(
                model.email_id == email_id,
                and_(model.user_id == user_id, model.thread_id == thread_id),
            )
        )
        .order_by(model.created_at, model.id)
    )
    return list((await session.execute(query)).scalars())
