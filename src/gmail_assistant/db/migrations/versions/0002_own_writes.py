"""own_writes: the assistant's pending Gmail changes, so sync can ignore them

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gmail_assistant.db.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "own_writes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.String(length=100), nullable=False),
        sa.Column("label_id", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("created_at", gmail_assistant.db.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_own_writes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_own_writes")),
    )
    with op.batch_alter_table("own_writes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_own_writes_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            "ix_own_writes_user_id_thread_id", ["user_id", "thread_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("own_writes", schema=None) as batch_op:
        batch_op.drop_index("ix_own_writes_user_id_thread_id")
        batch_op.drop_index(batch_op.f("ix_own_writes_created_at"))
    op.drop_table("own_writes")
