"""Bring the schema to the newest revision at start: versioned, idempotent, replica-safe."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from gmail_assistant.db.database import Database

__all__ = ["alembic_config", "current_revision", "head_revision", "sqlite_file", "upgrade"]

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant works; it only has to be the same in every replica.
_PG_MIGRATION_LOCK = 7_311_024_601


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Two replicas starting together must not both run the same migration.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    command.upgrade(alembic_config(connection), "head")


async def upgrade(database: Database) -> None:
    """Bring the schema to head (the app's start runs `takeover.prepare_database`, which
    upgrades a v2.3.0 file in place first and then calls this)."""
    async with database.write_connection() as conn:
        await conn.run_sync(_upgrade)


def sqlite_file(database: Database) -> Path | None:
    """The database's file on SQLite (None on PostgreSQL or in memory)."""
    if not database.is_sqlite:
        return None
    name = make_url(database.url).database
    return Path(name) if name and name != ":memory:" and not name.startswith("file:") else None


async def current_revision(database: Database) -> str | None:
    async with database.engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
