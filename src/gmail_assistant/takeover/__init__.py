"""Taking over a running v2.3.0 deployment: its SQLite database, upgraded in place at start.

`prepare_database` is how every entry point (server, CLI) opens a database: a v2.3.0 file is
upgraded in place first (`takeover.upgrade`, rows by `takeover.rows`), then the schema goes
to head (`db.migrate.upgrade`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from gmail_assistant.db import Database, migrate

__all__ = ["prepare_database"]


async def prepare_database(database: Database, *, backup_dir: Path | None = None) -> None:
    """Runs before anything else opens the database: the v2.3.0 upgrade replaces the file."""
    path = migrate.sqlite_file(database)
    if path is not None:
        from gmail_assistant.takeover.upgrade import upgrade_in_place

        await asyncio.to_thread(upgrade_in_place, path, backup_dir=backup_dir)
    await migrate.upgrade(database)
