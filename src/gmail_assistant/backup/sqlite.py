"""Online backup and restore of the SQLite database file.

The copy is made with SQLite's backup API in a single step: it reads under one read
transaction, so in WAL mode it is a consistent snapshot while the app keeps writing (writers
are not blocked by a WAL reader). The copy is switched to rollback journal mode so that a
backup is one self-contained file, checked with `PRAGMA integrity_check`, and only then
renamed to its final name, `<db stem>-YYYYmmddTHHMMSSZ.db`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from gmail_assistant.backup.errors import BackupError, BackupIntegrityError, RestoreRefused
from gmail_assistant.backup.s3 import S3Target, upload_file

__all__ = [
    "DEFAULT_KEEP",
    "BackupInfo",
    "BackupResult",
    "check_integrity",
    "create_backup",
    "default_backup_dir",
    "latest_backup",
    "list_backups",
    "restore_backup",
]

DEFAULT_KEEP = 7
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"^(?P<stem>.+)-(?P<ts>\d{8}T\d{6}Z)\.db$")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_at: datetime
    size_bytes: int


@dataclass(frozen=True)
class BackupResult:
    path: Path
    created_at: datetime
    size_bytes: int
    # Older backups deleted by retention, oldest first.
    removed: tuple[Path, ...] = ()
    # Where the copy was uploaded, when a bucket is configured.
    uploaded_url: str | None = None


def default_backup_dir(db_path: Path) -> Path:
    return Path(db_path).parent / "backups"


def check_integrity(path: Path) -> None:
    """Raise `BackupIntegrityError` unless `path` is a SQLite database that checks out ok."""
    path = Path(path)
    if not path.is_file():
        raise BackupIntegrityError(f"{path}: no such file")
    # Read-only, so checking never creates a journal next to the file being checked.
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupIntegrityError(f"{path}: not a sound SQLite database ({exc})") from exc
    problems = [str(row[0]) for row in rows]
    if problems != ["ok"]:
        shown = "; ".join(problems[:5])
        raise BackupIntegrityError(f"{path}: integrity check failed: {shown}")


def create_backup(
    db_path: Path,
    dest_dir: Path | None = None,
    keep: int = DEFAULT_KEEP,
    *,
    upload_to: S3Target | None = None,
    now: Callable[[], datetime] | None = None,
) -> BackupResult:
    """Copy `db_path` into `dest_dir` (default `<db folder>/backups/`), check it, prune to `keep`.

    Safe to call while the app writes to the database. Raises `BackupError` (or a subclass);
    a failed upload raises `UploadError` after the local copy is in place.
    """
    db_path = Path(db_path)
    if keep < 1:
        raise BackupError(f"keep must be at least 1, got {keep}")
    if not db_path.is_file():
        raise BackupError(f"{db_path}: no database to back up")
    dest_dir = Path(dest_dir) if dest_dir is not None else default_backup_dir(db_path)
    dest_dir.mkdir(parents=True, exist_ok=True)

    created_at = (now or _utcnow)().astimezone(UTC).replace(microsecond=0)
    final = dest_dir / f"{db_path.stem}-{created_at.strftime(TIMESTAMP_FORMAT)}.db"
    if final.exists():
        raise BackupError(f"{final}: a backup with this timestamp already exists")
    partial = dest_dir / f".{final.name}.partial"
    _unlink_quietly(partial)
    try:
        _copy_online(db_path, partial)
        check_integrity(partial)
        _fsync(partial)
        os.replace(partial, final)
        _fsync_dir(dest_dir)
    finally:
        _unlink_quietly(partial)

    removed = _prune(dest_dir, db_path.stem, keep)
    uploaded_url = upload_file(final, upload_to) if upload_to is not None else None
    return BackupResult(
        path=final,
        created_at=created_at,
        size_bytes=final.stat().st_size,
        removed=removed,
        uploaded_url=uploaded_url,
    )


def restore_backup(backup_path: Path, db_path: Path, force: bool = False) -> Path:
    """Put `backup_path` in place as `db_path`, atomically; returns `db_path`.

    The app must be stopped: a running process keeps its old file open. Refuses a backup
    that fails the integrity check, and an existing database unless `force=True`.
    """
    backup_path, db_path = Path(backup_path), Path(db_path)
    check_integrity(backup_path)
    wal, shm = _sidecars(db_path)
    existing = [p for p in (db_path, wal) if p.exists()]
    if existing and not force:
        raise RestoreRefused(
            f"{db_path}: a database is already there; pass force=True (CLI: --force) to "
            "overwrite it, after stopping the app"
        )
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.parent / f".{db_path.name}.restore-partial"
    try:
        shutil.copyfile(backup_path, partial)
        check_integrity(partial)
        _fsync(partial)
        # A WAL left from the old database would be replayed onto the restored file.
        for sidecar in (wal, shm):
            _unlink_quietly(sidecar)
        os.replace(partial, db_path)
        _fsync_dir(db_path.parent)
    finally:
        _unlink_quietly(partial)
    return db_path


def list_backups(directory: Path, stem: str | None = None) -> list[BackupInfo]:
    """Backups in `directory`, newest first (by the timestamp in the name)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found: list[BackupInfo] = []
    for path in directory.iterdir():
        match = _NAME.match(path.name)
        if not match or not path.is_file() or (stem is not None and match["stem"] != stem):
            continue
        created_at = datetime.strptime(match["ts"], TIMESTAMP_FORMAT).replace(tzinfo=UTC)
        found.append(BackupInfo(path=path, created_at=created_at, size_bytes=path.stat().st_size))
    found.sort(key=lambda info: (info.created_at, info.path.name), reverse=True)
    return found


def latest_backup(directory: Path, stem: str | None = None) -> BackupInfo | None:
    backups = list_backups(directory, stem)
    return backups[0] if backups else None


def _copy_online(db_path: Path, target: Path) -> None:
    uri = f"file:{quote(str(db_path.resolve()))}?mode=rw"
    try:
        with (
            contextlib.closing(sqlite3.connect(uri, uri=True, timeout=30)) as source,
            contextlib.closing(sqlite3.connect(target)) as copy,
        ):
            # pages=-1: one step under one read transaction. Stepping in chunks would restart
            # whenever another connection writes, and might never finish under steady writes.
            source.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(f"{db_path}: backup failed: {exc}") from exc


def _prune(directory: Path, stem: str, keep: int) -> tuple[Path, ...]:
    old = list_backups(directory, stem)[keep:]
    for info in old:
        _unlink_quietly(info.path)
    return tuple(info.path for info in reversed(old))


def _sidecars(db_path: Path) -> tuple[Path, Path]:
    return db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(directory: Path) -> None:
    # Makes the rename durable; not every platform can open a directory.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
