"""payment_requests: what payment-request mail asks to be paid, and changed-account alerts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gmail_assistant.db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.String(length=100), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("payee", sa.String(length=200), nullable=True),
        sa.Column("payee_key", sa.String(length=320), nullable=False),
        sa.Column("amount", sa.String(length=32), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("variable_symbol", sa.String(length=10), nullable=True),
        sa.Column("account_iban", sa.String(length=34), nullable=True),
        sa.Column("account_display", sa.String(length=120), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=True),
        sa.Column("accounts", sa.JSON(), nullable=True),
        sa.Column("rejected_accounts", sa.JSON(), nullable=True),
        sa.Column("account_changed", sa.Boolean(), nullable=False),
        sa.Column("previous_iban", sa.String(length=34), nullable=True),
        sa.Column("created_at", gmail_assistant.db.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["email_id"],
            ["emails.id"],
            name=op.f("fk_payment_requests_email_id_emails"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_payment_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_requests")),
        sa.UniqueConstraint(
            "user_id", "message_id", name=op.f("uq_payment_requests_user_id_message_id")
        ),
    )
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_requests_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_requests_email_id"), ["email_id"], unique=False
        )
        batch_op.create_index(
            "ix_payment_requests_user_id_payee_key", ["user_id", "payee_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_requests_user_id_payee_key")
        batch_op.drop_index(batch_op.f("ix_payment_requests_email_id"))
        batch_op.drop_index(batch_op.f("ix_payment_requests_created_at"))
    op.drop_table("payment_requests")
