"""The tables. The Alembic migrations under `migrations/versions` create exactly these.

Statuses and categories are plain strings checked by the domain code (not database enums), so
adding one never needs a table rebuild on SQLite.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gmail_assistant.db.types import UtcDateTime, utcnow

__all__ = [
    "AgentRun",
    "Base",
    "Email",
    "EmailEvent",
    "Job",
    "LlmCall",
    "OwnWrite",
    "PaymentRequest",
    "SchedulerTick",
    "SyncState",
    "User",
    "UserLabel",
    "UserSetting",
]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    onboarded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserLabel(Base):
    """The Gmail label id behind each of the assistant's labels, per user."""

    __tablename__ = "user_labels"
    __table_args__ = (UniqueConstraint("user_id", "label_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label_key: Mapped[str] = mapped_column(String(50))
    gmail_label_id: Mapped[str] = mapped_column(String(100))
    gmail_label_name: Mapped[str] = mapped_column(String(200))


class UserSetting(Base):
    __tablename__ = "user_settings"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SyncState(Base):
    __tablename__ = "sync_state"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    last_history_id: Mapped[str | None] = mapped_column(String(40))
    last_sync_at: Mapped[datetime | None]
    last_full_sync_at: Mapped[datetime | None]
    last_push_at: Mapped[datetime | None]
    watch_expiration: Mapped[datetime | None]
    watch_topic: Mapped[str | None] = mapped_column(String(300))


class Email(Base):
    """One row per Gmail thread the assistant has triaged."""

    __tablename__ = "emails"
    __table_args__ = (
        UniqueConstraint("user_id", "gmail_thread_id"),
        Index("ix_emails_user_id_status", "user_id", "status"),
        Index("ix_emails_user_id_classification", "user_id", "classification"),
        Index("ix_emails_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    gmail_thread_id: Mapped[str] = mapped_column(String(100))
    gmail_message_id: Mapped[str] = mapped_column(String(100))
    last_message_id: Mapped[str | None] = mapped_column(String(100))
    rfc_message_id: Mapped[str | None] = mapped_column(String(500))
    sender_email: Mapped[str] = mapped_column(String(320), default="")
    sender_name: Mapped[str | None] = mapped_column(String(300))
    subject: Mapped[str | None] = mapped_column(Text)
    snippet: Mapped[str | None] = mapped_column(Text)
    classification: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float | None] = mapped_column(Float)
    reasoning: Mapped[str | None] = mapped_column(Text)
    detected_language: Mapped[str | None] = mapped_column(String(10))
    resolved_style: Mapped[str | None] = mapped_column(String(50))
    is_automated: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(30), default="pending")
    draft_id: Mapped[str | None] = mapped_column(String(100))
    rework_count: Mapped[int] = mapped_column(default=0)
    last_rework_instruction: Mapped[str | None] = mapped_column(Text)
    draft_similarity: Mapped[float | None] = mapped_column(Float)
    # The AI text of the current draft (below the marker), to measure what survived sending.
    draft_body: Mapped[str | None] = mapped_column(Text)
    # Gmail queries the classifier proposed for the draft's related-mail context.
    context_queries: Mapped[Any] = mapped_column(JSON, nullable=True)
    received_at: Mapped[datetime | None]
    classified_at: Mapped[datetime | None]
    drafted_at: Mapped[datetime | None]
    acted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EmailEvent(Base):
    """Every state change of an email, in order."""

    __tablename__ = "email_events"
    __table_args__ = (Index("ix_email_events_user_id_thread_id", "user_id", "thread_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email_id: Mapped[int | None] = mapped_column(
        ForeignKey("emails.id", ondelete="CASCADE"), index=True
    )
    thread_id: Mapped[str] = mapped_column(String(100))
    event_type: Mapped[str] = mapped_column(String(50))
    detail: Mapped[str | None] = mapped_column(Text)
    label_id: Mapped[str | None] = mapped_column(String(100))
    draft_id: Mapped[str | None] = mapped_column(String(100))
    job_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Job(Base):
    """The persistent queue. All statements on it live in `gmail_assistant.jobs.sql`."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_run_after", "status", "run_after"),
        Index("ix_jobs_lock_key_status", "lock_key", "status"),
        Index("ix_jobs_user_id_thread_id", "user_id", "thread_id"),
        # The claim reads only due pending jobs, and checks running jobs by lock key: small
        # partial indexes keep both cheap however many finished jobs the table holds.
        Index(
            "ix_jobs_pending_run_after",
            "run_after",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index(
            "ix_jobs_running_lock_key",
            "lock_key",
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
        # At most one pending job per de-duplication key.
        Index(
            "uq_jobs_dedup_key_pending",
            "dedup_key",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_type: Mapped[str] = mapped_column(String(50))
    user_id: Mapped[int | None]
    thread_id: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    dedup_key: Mapped[str | None] = mapped_column(String(300))
    lock_key: Mapped[str | None] = mapped_column(String(300))
    locked_by: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class LlmCall(Base):
    __tablename__ = "llm_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(index=True)
    email_id: Mapped[int | None] = mapped_column(index=True)
    thread_id: Mapped[str | None] = mapped_column(String(100))
    job_id: Mapped[int | None]
    purpose: Mapped[str] = mapped_column(String(50))
    model: Mapped[str] = mapped_column(String(200))
    system_prompt: Mapped[str | None] = mapped_column(Text)
    user_prompt: Mapped[str | None] = mapped_column(Text)
    response_text: Mapped[str | None] = mapped_column(Text)
    prompt_tokens: Mapped[int | None]
    completion_tokens: Mapped[int | None]
    total_tokens: Mapped[int | None]
    latency_ms: Mapped[float | None] = mapped_column(Float)
    cost_usd: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AgentRun(Base):
    __tablename__ = "agent_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email_id: Mapped[int | None] = mapped_column(ForeignKey("emails.id", ondelete="SET NULL"))
    thread_id: Mapped[str] = mapped_column(String(100))
    profile: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(30), default="running")
    tool_calls: Mapped[Any] = mapped_column(JSON, default=list)
    final_message: Mapped[str | None] = mapped_column(Text)
    iterations: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class SchedulerTick(Base):
    """One row per (periodic task, period): the replica that inserts it runs the task."""

    __tablename__ = "scheduler_ticks"

    task: Mapped[str] = mapped_column(String(100), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    claimed_by: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)


class OwnWrite(Base):
    """A change the assistant is about to make in Gmail, so sync can tell it from the owner's.

    Gmail history does not say who changed a label or a draft. `sync.own_writes` writes a row
    before each Gmail call and sync consumes it when the change shows up in history.
    """

    __tablename__ = "own_writes"
    __table_args__ = (Index("ix_own_writes_user_id_thread_id", "user_id", "thread_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    thread_id: Mapped[str] = mapped_column(String(100))
    label_id: Mapped[str | None] = mapped_column(String(100))
    # label_add | draft_remove (rows from before 2026-11 may say label_remove)
    action: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class PaymentRequest(Base):
    """What one payment-request message asks to be paid, and whether its account changed.

    One row per message (a rerun of the classify job finds it and adds nothing).
    `account_iban` is the normalised IBAN the mail asks to pay into; when the payee (by
    `payee_key`) was known with other accounts, `previous_iban` names the one it replaced
    and `account_changed` is set: the thread went to Action Required.
    """

    __tablename__ = "payment_requests"
    __table_args__ = (
        UniqueConstraint("user_id", "message_id"),
        Index("ix_payment_requests_user_id_payee_key", "user_id", "payee_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email_id: Mapped[int] = mapped_column(ForeignKey("emails.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[str] = mapped_column(String(100))
    payee: Mapped[str | None] = mapped_column(String(200))
    payee_key: Mapped[str] = mapped_column(String(320))
    amount: Mapped[str | None] = mapped_column(String(32))  # decimal text: no float rounding
    currency: Mapped[str | None] = mapped_column(String(3))
    due_date: Mapped[date | None]
    variable_symbol: Mapped[str | None] = mapped_column(String(10))
    account_iban: Mapped[str | None] = mapped_column(String(34))
    account_display: Mapped[str | None] = mapped_column(String(120))
    source: Mapped[str | None] = mapped_column(String(20))  # iban | domestic | spd | llm
    # Every valid account the mail names (IBANs) and the candidates whose checksum failed.
    accounts: Mapped[Any] = mapped_column(JSON, nullable=True)
    rejected_accounts: Mapped[Any] = mapped_column(JSON, nullable=True)
    account_changed: Mapped[bool] = mapped_column(default=False)
    previous_iban: Mapped[str | None] = mapped_column(String(34))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
