"""In-place upgrade of a v2.3.0 SQLite database (`landovsky/gmail-assistant`) at start.

v2.3.0 made its tables with plain SQL and kept no Alembic version, so our first migration
would stop on "table jobs already exists". Before Alembic runs, `upgrade_in_place(path)`:

1. detects v2.3.0's schema (its tables, its column names, no `alembic_version`);
2. takes the write lock on the file, so a v2.3.0 process still running cannot write behind
   our back, and backs it up with the online backup (`<backup dir>/inbox-v2.3.0/`);
3. builds the new database in a temporary file next to the original, from the backup: our
   Alembic migrations make the schema, `takeover.rows.copy_v2` the rows;
4. verifies it (integrity, foreign keys, Alembic head, row counts, every email's status,
   draft id and rework count);
5. only then replaces the original with it (`os.replace`, atomic on one file system).

A failure at any step leaves the original file as it was, with the backup beside it, and
the error names the step. Running it again on an upgraded file does nothing (no v2.3.0
schema any more), so it is safe on every start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from alembic import command
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine

from gmail_assistant.backup.errors import BackupError
from gmail_assistant.backup.sqlite import (
    BackupResult,
    check_integrity,
    create_backup,
    default_backup_dir,
    latest_backup,
)
from gmail_assistant.db.types import utcnow
from gmail_assistant.takeover.rows import CopyReport, copy_v2

if TYPE_CHECKING:
    from gmail_assistant.db.database import Database

__all__ = [
    "BACKUP_FOLDER",
    "UpgradeError",
    "UpgradeReport",
    "import_v2",
    "is_v2_database",
    "upgrade_in_place",
    "verify_copy",
]

log = logging.getLogger(__name__)

V2_VERSION = "2.3.0"
# The pre-upgrade copies live in their own folder, out of reach of the scheduled backups'
# retention (which prunes `<backup dir>/<db stem>-*.db`).
BACKUP_FOLDER = "inbox-v2.3.0"
_BACKUP_KEEP = 5
# Tables whose every row is carried (jobs are mapped, see `takeover.rows`).
_CARRIED = (
    "users",
    "user_labels",
    "user_settings",
    "sync_state",
    "emails",
    "email_events",
    "llm_calls",
    "agent_runs",
)
# v2.3.0's own column names: what tells its schema from anything else.
_SIGNATURE = {"jobs": "error_message", "user_settings": "setting_key", "emails": "processed_at"}


class UpgradeError(Exception):
    """The v2.3.0 database could not be upgraded; the original file is unchanged."""


@dataclass(frozen=True)
class UpgradeReport:
    db_path: Path
    backup_path: Path
    copied: CopyReport


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def is_v2_database(path: Path) -> bool:
    """True for a file with v2.3.0's tables and no Alembic version: one to upgrade."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return False
    try:
        # Not read-only: a read-only connection to a WAL database leaves -wal/-shm behind.
        with contextlib.closing(sqlite3.connect(path, timeout=10)) as conn:
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if "alembic_version" in tables or not set(_SIGNATURE) <= tables:
                return False
            return all(column in _columns(conn, t) for t, column in _SIGNATURE.items())
    except sqlite3.DatabaseError as exc:
        raise UpgradeError(f"{path}: cannot read the database ({exc})") from exc


def upgrade_in_place(db_path: Path, *, backup_dir: Path | None = None) -> UpgradeReport | None:
    """Upgrade `db_path` if it is a v2.3.0 database; None when there is nothing to do."""
    db_path = Path(db_path)
    if not is_v2_database(db_path):
        return None
    work = db_path.with_name(f".{db_path.name}.v{V2_VERSION}-upgrade")
    _remove_with_sidecars(work)  # a run that died halfway
    log.warning("v2.3.0 database found: upgrading it in place", extra={"path": str(db_path)})
    with _write_lock(db_path):
        try:
            backup = _backup(db_path, (backup_dir or default_backup_dir(db_path)) / BACKUP_FOLDER)
        except BackupError as exc:
            raise UpgradeError(f"backup before the upgrade failed: {exc}") from exc
        try:
            copied = _build(backup.path, work)
        except Exception as exc:
            _remove_with_sidecars(work)
            raise UpgradeError(
                f"upgrading {db_path} failed, the file is unchanged (backup: {backup.path}): {exc}"
            ) from exc
    try:
        _swap(work, db_path)
    except Exception as exc:
        _remove_with_sidecars(work)
        raise UpgradeError(f"replacing {db_path} failed, the file is unchanged: {exc}") from exc
    log.warning(
        "v2.3.0 database upgraded",
        extra={"path": str(db_path), "backup": str(backup.path), "rows": copied.rows},
    )
    return UpgradeReport(db_path=db_path, backup_path=backup.path, copied=copied)


async def import_v2(database: Database, source_path: Path) -> CopyReport:
    """Copy the v2.3.0 file `source_path` into `database` (either backend), which must have
    no users yet; `source_path` is only read. For moving from v2.3.0 onto PostgreSQL."""
    from gmail_assistant.db.migrate import upgrade

    source_path = Path(source_path)
    if not is_v2_database(source_path):
        raise UpgradeError(f"{source_path}: not a v2.3.0 database")
    await upgrade(database)
    with tempfile.TemporaryDirectory(prefix="gma-import-v2-") as folder:
        try:  # a consistent snapshot, whatever state the file's WAL is in
            snapshot = create_backup(source_path, Path(folder)).path
        except BackupError as exc:
            raise UpgradeError(f"{source_path}: could not read it: {exc}") from exc
        with contextlib.closing(_read_only(snapshot)) as source:

            def copy(conn: Connection) -> CopyReport:
                if conn.execute(text("SELECT count(*) FROM users")).scalar():
                    raise UpgradeError(
                        "the target database already has users; import into an empty one"
                    )
                copied = copy_v2(source, conn)
                verify_copy(source, conn, copied)
                return copied

            async with database.write_connection() as conn:
                return await conn.run_sync(copy)


def _backup(db_path: Path, folder: Path) -> BackupResult:
    # A retry within the same second (after a failed run) still gets a name of its own.
    previous = latest_backup(folder, db_path.stem)
    now = utcnow().replace(microsecond=0)
    if previous is not None and previous.created_at >= now:
        now = previous.created_at + timedelta(seconds=1)
    return create_backup(db_path, folder, _BACKUP_KEEP, now=lambda: now)


@contextlib.contextmanager
def _write_lock(db_path: Path) -> Iterator[None]:
    """Hold the database's write lock (readers, such as the online backup, still read)."""
    conn = sqlite3.connect(db_path, timeout=10, isolation_level=None)
    try:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise UpgradeError(
                f"{db_path} is being written by another process ({exc}); stop v2.3.0 first"
            ) from exc
        yield
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")  # nothing was written under it
        conn.close()


def _sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return engine


def _build(source_path: Path, work: Path) -> CopyReport:
    from gmail_assistant.db.migrate import alembic_config

    engine = _sqlite_engine(work)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        with contextlib.closing(_read_only(source_path)) as source, engine.begin() as conn:
            copied = copy_v2(source, conn)
        with contextlib.closing(_read_only(source_path)) as source, engine.connect() as conn:
            verify_copy(source, conn, copied)
    finally:
        engine.dispose()
    check_integrity(work)
    with open(work, "rb") as handle:
        os.fsync(handle.fileno())
    return copied


def verify_copy(source: sqlite3.Connection, conn: Connection, copied: CopyReport) -> None:
    """Raise `UpgradeError` unless `conn`'s database holds every carried row of `source`."""
    from gmail_assistant.db.migrate import head_revision

    present = {r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    revision = MigrationContext.configure(conn).get_current_revision()
    if revision != head_revision():
        raise UpgradeError(f"schema at revision {revision}, expected {head_revision()}")
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise UpgradeError(f"rows pointing nowhere: {broken[:5]}")
    for table in _CARRIED:
        expected = (
            source.execute(f"SELECT count(*) FROM {table}").fetchone()[0] if table in present else 0
        )
        found = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
        if found != expected:
            raise UpgradeError(f"{table}: {found} rows after the copy, {expected} before")
    jobs = conn.execute(text("SELECT count(*) FROM jobs")).scalar()
    if jobs != copied.jobs_history + copied.jobs_pending:
        raise UpgradeError(
            f"jobs: {jobs} rows, expected {copied.jobs_history + copied.jobs_pending}"
        )
    query = "SELECT id, gmail_thread_id, status, draft_id, rework_count FROM emails"
    before = {tuple(r) for r in source.execute(query)}
    after = {tuple(r) for r in conn.execute(text(query))}
    if before != after:
        raise UpgradeError(f"emails differ after the copy: {sorted(before ^ after)[:3]}")


def _swap(work: Path, db_path: Path) -> None:
    """Put `work` in place of `db_path`; v2.3.0's WAL must not outlive its file."""
    wal, shm = _sidecars(db_path)
    if wal.exists() and wal.stat().st_size > 0:
        # The backup read through the WAL already; folding it in changes no row of the
        # original, and leaves no log that SQLite would replay onto the new file.
        with contextlib.closing(sqlite3.connect(db_path, timeout=10)) as conn:
            busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise UpgradeError(f"{db_path} is in use by another process; stop v2.3.0 first")
    os.replace(work, db_path)
    for sidecar in (wal, shm):
        with contextlib.suppress(FileNotFoundError):
            sidecar.unlink()
    with contextlib.suppress(OSError):
        fd = os.open(db_path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _sidecars(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def _remove_with_sidecars(path: Path) -> None:
    for candidate in (path, *_sidecars(path), path.with_name(path.name + "-journal")):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()
