"""`gmail-assistant db backup|restore`: copies of the SQLite database file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gmail_assistant.cli import app

if TYPE_CHECKING:
    from gmail_assistant.settings import Settings

db_app = typer.Typer(no_args_is_help=True, help="Back up and restore the SQLite database.")
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
