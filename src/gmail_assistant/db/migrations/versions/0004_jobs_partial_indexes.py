"""jobs: partial indexes for the claim (due pending jobs; running jobs by lock key)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 04:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")
RUNNING = sa.text("status = 'running'")


def upgrade() -> None:
    op.create_index(
        "ix_jobs_pending_run_after",
        "jobs",
        ["run_after", "id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index(
        "ix_jobs_running_lock_key",
        "jobs",
        ["lock_key"],
        sqlite_where=RUNNING,
        postgresql_where=RUNNING,
    )


def downgrade() -> None:
    op.drop_index("ix_jobs_running_lock_key", table_name="jobs")
    op.drop_index("ix_jobs_pending_run_after", table_name="jobs")
