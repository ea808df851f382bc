"""Backups of the SQLite database: online copy, integrity check, retention, restore, upload.

The server's scheduler and health page call these functions; `gmail-assistant db backup`
and `gmail-assistant db restore` are the same operations from the command line. PostgreSQL
deployments use `pg_dump` instead (docs/operations.md).
"""

from gmail_assistant.backup.errors import (
    BackupError,
    BackupIntegrityError,
    RestoreRefused,
    UploadError,
)
from gmail_assistant.backup.s3 import S3Target, upload_file
from gmail_assistant.backup.sqlite import (
    DEFAULT_KEEP,
    BackupInfo,
    BackupResult,
    check_integrity,
    create_backup,
    default_backup_dir,
    latest_backup,
    list_backups,
    restore_backup,
)

__all__ = [
    "DEFAULT_KEEP",
    "BackupError",
    "BackupInfo",
    "BackupIntegrityError",
    "BackupResult",
    "RestoreRefused",
    "S3Target",
    "UploadError",
    "check_integrity",
    "create_backup",
    "default_backup_dir",
    "latest_backup",
    "list_backups",
    "restore_backup",
    "upload_file",
]
