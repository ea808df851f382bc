"""The `backup` settings put to work: where copies go, the bucket, the scheduler's task.

Kept apart from `sqlite.py` and `s3.py`, which take plain arguments and know nothing of the
settings or the job scheduler.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from gmail_assistant.backup.s3 import S3Target
from gmail_assistant.backup.sqlite import BackupResult, create_backup, default_backup_dir
from gmail_assistant.jobs import PeriodicTask
from gmail_assistant.settings import BackupSettings, Settings

__all__ = ["TASK_NAME", "backup_dir", "backup_sqlite", "backup_task", "run_backup", "s3_target"]

log = logging.getLogger(__name__)

TASK_NAME = "backup_sqlite"


def backup_dir(settings: Settings) -> Path:
    return settings.backup.dir or default_backup_dir(settings.db.sqlite_path)


def s3_target(backup: BackupSettings) -> S3Target | None:
    """The bucket every copy goes to, or None when `GMA_BACKUP_S3_BUCKET` is empty."""
    if not backup.s3_bucket:
        return None
    return S3Target(
        endpoint=backup.s3_endpoint,
        bucket=backup.s3_bucket,
        access_key_id=backup.s3_access_key_id,
        secret_access_key=backup.s3_secret_access_key,
        region=backup.s3_region or "us-east-1",
        prefix=backup.s3_prefix,
    )


def run_backup(
    settings: Settings, *, dest_dir: Path | None = None, keep: int | None = None
) -> BackupResult:
    """One backup as configured (blocking); `dest_dir` and `keep` override the settings."""
    return create_backup(
        settings.db.sqlite_path,
        dest_dir or backup_dir(settings),
        keep=keep if keep is not None else settings.backup.keep,
        upload_to=s3_target(settings.backup),
    )


async def backup_sqlite(settings: Settings) -> BackupResult:
    """The periodic task's body: the copy and the upload run in a thread, off the event loop."""
    result = await asyncio.to_thread(run_backup, settings)
    log.info(
        "sqlite backup created",
        extra={
            "path": str(result.path),
            "size_bytes": result.size_bytes,
            "removed": len(result.removed),
            "uploaded": result.uploaded_url is not None,
        },
    )
    return result


def backup_task(settings: Settings) -> PeriodicTask | None:
    """The scheduler's `backup_sqlite` task; None for PostgreSQL or when backups are off."""
    if settings.db.backend != "sqlite" or not settings.backup.enabled:
        return None
    interval = timedelta(hours=settings.backup.interval_hours)
    return PeriodicTask(TASK_NAME, interval, lambda: backup_sqlite(settings))
