"""Errors of the backup package, one small tree.

BackupError
├── BackupIntegrityError   a database file fails `PRAGMA integrity_check` or is no database
├── RestoreRefused         restoring would overwrite a database and `force` was not given
└── UploadError            the S3-compatible bucket refused the upload or was unreachable
"""

from __future__ import annotations

__all__ = ["BackupError", "BackupIntegrityError", "RestoreRefused", "UploadError"]


class BackupError(Exception):
    """A backup or restore could not be done; the message says why and names the file."""


class BackupIntegrityError(BackupError):
    """The file is not a sound SQLite database."""


class RestoreRefused(BackupError):
    """Restore would overwrite an existing database without `force=True`."""


class UploadError(BackupError):
    """The copy was made but could not be uploaded."""
