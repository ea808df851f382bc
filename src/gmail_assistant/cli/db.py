"""`gmail-assistant db backup|restore|upgrade-v2|import-v2`: the database file and v2.3.0's."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gmail_assistant.cli.base import app

if TYPE_CHECKING:
    from gmail_assistant.settings import Settings
    from gmail_assistant.takeover.rows import CopyReport

db_app = typer.Typer(
    no_args_is_help=True,
    help="Back up and restore the SQLite database; upgrade or import v2.3.0's.",
)
app.add_typer(db_app, name="db")

PG_DUMP_HINT = (
    "GMA_DB_BACKEND=postgresql: back up with pg_dump and restore with pg_restore "
    "(docs/operations.md, 'PostgreSQL'); these commands handle SQLite files only."
)


def _sqlite_settings() -> Settings:
    from gmail_assistant.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if settings.db.backend != "sqlite":
        typer.echo(f"error: {PG_DUMP_HINT}", err=True)
        raise typer.Exit(2)
    return settings


@db_app.command()
def backup(
    dest: Annotated[
        Path | None,
        typer.Option(
            help="Backup folder (default: GMA_BACKUP_DIR, else 'backups' next to the db)."
        ),
    ] = None,
    keep: Annotated[
        int | None, typer.Option(min=1, help="How many backups to keep (default: GMA_BACKUP_KEEP).")
    ] = None,
) -> None:
    """Copy the live database (safe while the server runs), check it, prune old copies.

    Uses the `backup` settings, like the server's scheduled backup: the copy is uploaded when
    GMA_BACKUP_S3_BUCKET (with _ENDPOINT, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY, optional
    _REGION and _PREFIX) is set.
    """
    from gmail_assistant.backup import BackupError
    from gmail_assistant.backup.scheduled import run_backup

    settings = _sqlite_settings()
    try:
        result = run_backup(settings, dest_dir=dest, keep=keep)
    except BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"backup: {result.path} ({result.size_bytes} bytes, integrity ok)")
    for path in result.removed:
        typer.echo(f"removed: {path}")
    if result.uploaded_url:
        typer.echo(f"uploaded: {result.uploaded_url}")


@db_app.command()
def restore(
    backup_file: Annotated[Path, typer.Argument(metavar="BACKUP", help="A backup file.")],
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the existing database.")
    ] = False,
) -> None:
    """Replace the database with BACKUP after checking it. Stop the server first."""
    from gmail_assistant.backup import BackupError, restore_backup

    db_path = _sqlite_settings().db.sqlite_path
    try:
        restore_backup(backup_file, db_path, force=force)
    except BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"restored: {backup_file} -> {db_path}")


@db_app.command("upgrade-v2")
def upgrade_v2(
    check: Annotated[
        bool, typer.Option("--check", help="Only say whether the database is v2.3.0's.")
    ] = False,
) -> None:
    """Upgrade a v2.3.0 SQLite database in place, as the server does at start.

    Backs it up first (GMA_BACKUP_DIR, else 'backups' next to the db, folder inbox-v2.3.0),
    builds and verifies the new file, then replaces the old one. Stop the server first.
    Exit code 0: upgraded or nothing to do; 1: failed (the database is unchanged).
    """
    from gmail_assistant.takeover.upgrade import UpgradeError, is_v2_database, upgrade_in_place

    settings = _sqlite_settings()
    db_path = settings.db.sqlite_path
    try:
        if check:
            found = is_v2_database(db_path)
            typer.echo(f"{db_path}: {'v2.3.0 database, to upgrade' if found else 'not v2.3.0'}")
            return
        report = upgrade_in_place(db_path, backup_dir=settings.backup.dir)
    except UpgradeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if report is None:
        typer.echo(f"{db_path}: not a v2.3.0 database, nothing to do")
        return
    typer.echo(f"backup: {report.backup_path}")
    _print_copy(report.copied)
    typer.echo(f"upgraded: {db_path}")


@db_app.command("import-v2")
def import_v2(
    source: Annotated[Path, typer.Argument(metavar="PATH", help="v2.3.0's inbox.db.")],
) -> None:
    """Copy a v2.3.0 SQLite file into the configured database (PostgreSQL or SQLite).

    The target must hold no users yet; PATH is only read.
    """
    import asyncio

    from gmail_assistant.db import Database
    from gmail_assistant.settings import SettingsError, load_settings
    from gmail_assistant.takeover.upgrade import UpgradeError
    from gmail_assistant.takeover.upgrade import import_v2 as run_import

    try:
        settings = load_settings()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None

    async def run() -> None:
        database = Database.from_settings(settings.db)
        try:
            _print_copy(await run_import(database, source))
        finally:
            await database.dispose()

    try:
        asyncio.run(run())
    except UpgradeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"imported: {source} -> {settings.db.backend}")


def _print_copy(copied: CopyReport) -> None:
    for table, count in copied.rows.items():
        typer.echo(f"{table}: {count} rows")
    typer.echo(f"jobs: {copied.jobs_pending} pending carried, {copied.jobs_history} as history")
    for line in copied.jobs_not_carried:
        typer.echo(f"not carried: {line}")
