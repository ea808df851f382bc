"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-29 03:34:38.947800
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gmail_assistant.db.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_type", sa.String(length=50), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("thread_id", sa.String(length=100), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", gmail_assistant.db.types.UtcDateTime(), nullable=False),
        sa.Column("dedup_key", sa.String(length=300), nullable=True),
        sa.Column("lock_key", sa.String(length=300), nullable=True),
        sa.Column("locked_by", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", gmail_assistant.db.types.UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", gmail_assistant.db.types.UtcDateTime(), nullable=False),
        sa.Column("started_at", gmail_assistant.db.types.UtcDateTime(), nullable=True),
        sa.Column("finished_at", gmail_assistant.db.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_lock_key_status", ["lock_key", "status"], unique=False)
        batch_op.create_index("ix_jobs_status_run_after", ["status", "run_after"], unique=False)
        batch_op.create_index("ix_jobs_user_id_thread_id", ["user_id", "thread_id"], unique=False)
        batch_op.create_index(
            "uq_jobs_dedup_key_pending",
            ["dedup_key"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    op.create_table(
        "llm_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email_id", sa.Integer(), nullable=True),
        sa.Column("thread_id", sa.String(length=100), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=50), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("system_prompt", sa.Text(), nullable=True),
        sa.Column("user_prompt", sa.Text(), nullable=True),
        sa.Column("response_text", sa.Text(), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("total_tokens", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", gmail_assistant.db.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_llm_calls")),
    )
    with op.batch_alter_table("llm_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_llm_calls_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_llm_calls_email_id"), ["email_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_llm_calls_user_id"), ["user_id"], unique=False)

    op.create_table(
        "scheduler_ticks",
        sa.Column("task", sa.String(length=100), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", gmail_assistant.db.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("task", "period", name=op.f("pk_scheduler_ticks")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("onboarded_at", gmail_assistant.db.types.UtcDateTime(), nullable=True),
        sa.Column("created_at", gmail_assistant.db.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("gmail_thread_id", sa.String(length=100), nullable=False),
        sa.Column("gmail_message_id", sa.String(length=100), nullable=False),
        sa.Column("last_message_id", sa.String(length=100), nullable=True),
        sa.Column("rfc_message_id", sa.String(length=500), nullable=True),
        sa.Column("sender_email", sa.String(length=320), nullable=False),
        sa.Column("sender_name", sa.String(length=300), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("snippet", sa.Text(), nullable=True),
        sa.Column("classification", sa.String(length=40), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("reasoning", sa.Text(), nullable=True),
        sa.Column("detected_language", sa.String(length=10), nullable=True),
        sa.Column("resolved_style", sa.String(length=50), nullable=True),
        sa.Column("is_automated", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("draft_id", sa.String(length=100), nullable=True),
        sa.Column("rework_count", sa.Integer(), nullable=False),
        sa.Column("last_rework_instruction", sa.Text(), nullable=True),
        sa.Column("draft_similarity", sa.Float(), nullable=True),
        sa.Column("received_at", gmail_assistant.db.types.UtcDateTime(), nullable=True),
        sa.Column("classified_at", gmail_assistant.db.types.UtcDateTime(), nullable=True),
        sa.Column("drafted_at", gmail_assistant.db.types.UtcDateTime(), nullable=True),
        sa.Column("acted_at", gmail_assistant.db.types.UtcDateTime(), nullable=True),
        sa.Column("created_at", gmail_assistant.db.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", gmail_assistant.db.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_emails_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emails")),
        sa.UniqueConstraint(
            "user_id", "gmail_thread_id", name=op.f("uq_emails_user_id_gmail_thread_id")
        ),
    )
    with op.batch_alter_table("emails", schema=None) as batch_op:
        batch_op.create_index("ix_emails_received_at", ["received_at"], unique=False)
        batch_op.create_index(
            "ix_emails_user_id_classification", ["user_id", "classification"], unique=False
        )
        batch_op.create_index("ix_emails_user_id_status", ["user_id", "status"], unique=False)

    op.create_table(
        "sync_state",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_history_id", sa.String(length=40), nullable=True),
        sa.Column("last_sync_at", gmail_assistant.db.types.UtcDateTime(), nullable=True),
        sa.Column("last_full_sync_at", gmail_assistant.db.types.UtcDateTime(), nullable=True),
        sa.Column("last_push_at", gmail_assistant.db.types.UtcDateTime(), nullable=True),
        sa.Column("watch_expiration", gmail_assistant.db.types.UtcDateTime(), nullable=True),
        sa.Column("watch_topic", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sync_state_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "user_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label_key", sa.String(length=50), nullable=False),
        sa.Column("gmail_label_id", sa.String(length=100), nullable=False),
        sa.Column("gmail_label_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_labels_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_labels")),
        sa.UniqueConstraint("user_id", "label_key", name=op.f("uq_user_labels_user_id_label_key")),
    )
    with op.batch_alter_table("user_labels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_labels_user_id"), ["user_id"], unique=False)

    op.create_table(
        "user_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", gmail_assistant.db.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_settings")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_user_settings_user_id_key")),
    )
    with op.batch_alter_table("user_settings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_settings_user_id"), ["user_id"], unique=False)

    op.create_table(
        "agent_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email_id", sa.Integer(), nullable=True),
        sa.Column("thread_id", sa.String(length=100), nullable=False),
        sa.Column("profile", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("tool_calls", sa.JSON(), nullable=False),
        sa.Column("final_message", sa.Text(), nullable=True),
        sa.Column("iterations", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", gmail_assistant.db.types.UtcDateTime(), nullable=False),
        sa.Column("finished_at", gmail_assistant.db.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["email_id"],
            ["emails.id"],
            name=op.f("fk_agent_runs_email_id_emails"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_agent_runs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_runs")),
    )
    with op.batch_alter_table("agent_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_runs_user_id"), ["user_id"], unique=False)

    op.create_table(
        "email_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email_id", sa.Integer(), nullable=True),
        sa.Column("thread_id", sa.String(length=100), nullable=False),
        sa.Column("event_type", sa.String(length=50), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("label_id", sa.String(length=100), nullable=True),
        sa.Column("draft_id", sa.String(length=100), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", gmail_assistant.db.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["email_id"],
            ["emails.id"],
            name=op.f("fk_email_events_email_id_emails"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_email_events_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_events")),
    )
    with op.batch_alter_table("email_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_email_events_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_email_events_email_id"), ["email_id"], unique=False)
        batch_op.create_index(
            "ix_email_events_user_id_thread_id", ["user_id", "thread_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("email_events", schema=None) as batch_op:
        batch_op.drop_index("ix_email_events_user_id_thread_id")
        batch_op.drop_index(batch_op.f("ix_email_events_email_id"))
        batch_op.drop_index(batch_op.f("ix_email_events_created_at"))

    op.drop_table("email_events")
    with op.batch_alter_table("agent_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_runs_user_id"))

    op.drop_table("agent_runs")
    with op.batch_alter_table("user_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_settings_user_id"))

    op.drop_table("user_settings")
    with op.batch_alter_table("user_labels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_labels_user_id"))

    op.drop_table("user_labels")
    op.drop_table("sync_state")
    with op.batch_alter_table("emails", schema=None) as batch_op:
        batch_op.drop_index("ix_emails_user_id_status")
        batch_op.drop_index("ix_emails_user_id_classification")
        batch_op.drop_index("ix_emails_received_at")

    op.drop_table("emails")
    op.drop_table("users")
    op.drop_table("scheduler_ticks")
    with op.batch_alter_table("llm_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_llm_calls_user_id"))
        batch_op.drop_index(batch_op.f("ix_llm_calls_email_id"))
        batch_op.drop_index(batch_op.f("ix_llm_calls_created_at"))

    op.drop_table("llm_calls")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_jobs_dedup_key_pending",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index("ix_jobs_user_id_thread_id")
        batch_op.drop_index("ix_jobs_status_run_after")
        batch_op.drop_index("ix_jobs_lock_key_status")

    op.drop_table("jobs")
