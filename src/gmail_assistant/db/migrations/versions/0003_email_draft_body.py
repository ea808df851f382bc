"""emails: the current draft's AI text and the classifier's context queries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("emails") as batch_op:
        batch_op.add_column(sa.Column("draft_body", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("context_queries", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("emails") as batch_op:
        batch_op.drop_column("context_queries")
        batch_op.drop_column("draft_body")
