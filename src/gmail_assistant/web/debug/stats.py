"""The figures behind `/debug/health`: queue, failures, watches, LLM spend, latency, drafts."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from gmail_assistant.db import Database, utcnow
from gmail_assistant.db.models import Email, Job, LlmCall, SyncState, User
from gmail_assistant.emails.values import JobView
from gmail_assistant.jobs import JobCounts, JobQueue
from gmail_assistant.settings import Settings

__all__ = ["DayUsage", "HealthReport", "SyncRow", "load_health", "percentile"]

DAYS = 14
_FAILED_SHOWN = 25
_LATENCY_SAMPLE = 1000


@dataclass(frozen=True)
class SyncRow:
    email: str
    user_id: int
    last_sync_at: datetime | None
    last_full_sync_at: datetime | None
    last_push_at: datetime | None
    watch_expiration: datetime | None

    @property
    def watch_expired(self) -> bool:
        return self.watch_expiration is None or self.watch_expiration <= utcnow()


@dataclass(frozen=True)
class DayUsage:
    day: date
    calls: int
    tokens: int
    cost_usd: float
    errors: int


@dataclass(frozen=True)
class BackupStatus:
    available: bool
    note: str
    path: str | None = None
    created_at: datetime | None = None
    size_bytes: int | None = None


@dataclass(frozen=True)
class HealthReport:
    queue: JobCounts
    failed_jobs: tuple[JobView, ...]
    sync: tuple[SyncRow, ...]
    days: tuple[DayUsage, ...]  # oldest first, today last
    draft_latency_p50_s: float | None
    draft_latency_p95_s: float | None
    drafts_measured: int
    draft_acceptance: float | None
    sent_measured: int
    backup: BackupStatus

    @property
    def today(self) -> DayUsage:
        return self.days[-1]


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(fraction * len(ordered)), 1)
    return ordered[rank - 1]


async def load_health(db: Database, queue: JobQueue, settings: Settings) -> HealthReport:
    now = utcnow()
    first_day = now.date() - timedelta(days=DAYS - 1)
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=now.tzinfo)
    counts = await queue.counts()
    async with db.read() as session:
        failed = (
            await session.execute(
                select(Job)
                .where(Job.status == "failed")
                .order_by(Job.id.desc())
                .limit(_FAILED_SHOWN)
            )
        ).scalars()
        failed_jobs = tuple(JobView.of(j) for j in failed)
        sync_rows = (
            await session.execute(
                select(User.email, SyncState)
                .join(SyncState, SyncState.user_id == User.id, isouter=True)
                .order_by(User.id)
            )
        ).all()
        calls = (
            await session.execute(
                select(
                    LlmCall.created_at,
                    LlmCall.total_tokens,
                    LlmCall.prompt_tokens,
                    LlmCall.completion_tokens,
                    LlmCall.cost_usd,
                    LlmCall.error,
                ).where(LlmCall.created_at >= since)
            )
        ).all()
        drafted = (
            await session.execute(
                select(Email.received_at, Email.drafted_at)
                .where(Email.received_at.is_not(None), Email.drafted_at.is_not(None))
                .order_by(Email.drafted_at.desc())
                .limit(_LATENCY_SAMPLE)
            )
        ).all()
        acceptance, sent_measured = (
            await session.execute(
                select(func.avg(Email.draft_similarity), func.count(Email.id)).where(
                    Email.status == "sent", Email.draft_similarity.is_not(None)
                )
            )
        ).one()
    sync = tuple(
        SyncRow(
            email=email,
            user_id=state.user_id if state else 0,
            last_sync_at=state.last_sync_at if state else None,
            last_full_sync_at=state.last_full_sync_at if state else None,
            last_push_at=state.last_push_at if state else None,
            watch_expiration=state.watch_expiration if state else None,
        )
        for email, state in sync_rows
    )
    latencies = [
        (d - r).total_seconds() for r, d in drafted if d is not None and r is not None and d >= r
    ]
    return HealthReport(
        queue=counts,
        failed_jobs=failed_jobs,
        sync=sync,
        days=_per_day(calls, first_day),
        draft_latency_p50_s=percentile(latencies, 0.5),
        draft_latency_p95_s=percentile(latencies, 0.95),
        drafts_measured=len(latencies),
        draft_acceptance=float(acceptance) if acceptance is not None else None,
        sent_measured=int(sent_measured or 0),
        backup=await asyncio.to_thread(_backup_status, settings),
    )


def _per_day(calls: Sequence[Any], first_day: date) -> tuple[DayUsage, ...]:
    buckets = {first_day + timedelta(days=i): [0, 0, 0.0, 0] for i in range(DAYS)}
    for created_at, total, prompt, completion, cost, error in calls:
        bucket = buckets.get(created_at.date())
        if bucket is None:
            continue
        bucket[0] += 1
        bucket[1] += total if total is not None else (prompt or 0) + (completion or 0)
        bucket[2] += cost or 0.0
        bucket[3] += 1 if error else 0
    return tuple(
        DayUsage(day, int(b[0]), int(b[1]), round(float(b[2]), 6), int(b[3]))
        for day, b in sorted(buckets.items())
    )


def _backup_status(settings: Settings) -> BackupStatus:
    if settings.db.backend != "sqlite":
        return BackupStatus(False, "PostgreSQL: backups are pg_dump's job (docs/operations.md)")
    from gmail_assistant.backup import latest_backup
    from gmail_assistant.backup.scheduled import backup_dir

    folder = backup_dir(settings)
    found = latest_backup(folder, Path(settings.db.sqlite_path).stem)
    if found is None:
        return BackupStatus(False, f"no backup in {folder}")
    return BackupStatus(True, "ok", str(found.path), found.created_at, found.size_bytes)
