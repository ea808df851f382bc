"""Migrations run at start on both backends: versioned, idempotent, matching the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from dbfixtures import migrated_database
from gmail_assistant.db.migrate import current_revision, head_revision, upgrade
from gmail_assistant.db.models import Base

pytestmark = pytest.mark.anyio

TABLES = {
    "users",
    "user_labels",
    "user_settings",
    "sync_state",
    "emails",
    "email_events",
    "jobs",
    "llm_calls",
    "agent_runs",
    "scheduler_ticks",
}


async def test_upgrade_creates_every_table_and_is_idempotent(db_url: str) -> None:
    async with migrated_database(db_url) as db:
        assert await current_revision(db) == head_revision()
        async with db.write_connection() as conn:
            await conn.execute(
                text(
                    "INSERT INTO users (email, is_active, created_at) "
                    "VALUES ('a@example.com', true, CURRENT_TIMESTAMP)"
                )
            )
        await upgrade(db)  # a second boot: nothing rebuilt, nothing lost
        await upgrade(db)
        async with db.engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(c.dialect.get_table_names(c)))
            users = (await conn.execute(text("SELECT email FROM users"))).scalars().all()
        assert names >= TABLES
        assert users == ["a@example.com"]


async def test_models_and_migrations_agree(db_url: str) -> None:
    async with migrated_database(db_url) as db, db.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"compare_type": False}), Base.metadata
            )
        )
    assert diff == []


async def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with migrated_database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}") as db:
        async with db.engine.connect() as conn:
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
            fks = (await conn.execute(text("PRAGMA foreign_keys"))).scalar()
            busy = (await conn.execute(text("PRAGMA busy_timeout"))).scalar()
            synchronous = (await conn.execute(text("PRAGMA synchronous"))).scalar()
        assert (mode, fks) == ("wal", 1)
        assert busy and busy >= 5000
        assert synchronous == 2  # FULL: a commit is on disk when it returns
