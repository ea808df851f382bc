"""Online backup under concurrent writes, integrity checks, retention, restore rules."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gmail_assistant.backup import (
    BackupError,
    BackupIntegrityError,
    RestoreRefused,
    check_integrity,
    create_backup,
    latest_backup,
    list_backups,
    restore_backup,
)

SCHEMA = """
CREATE TABLE emails (id INTEGER PRIMARY KEY, thread_id TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE email_events (id INTEGER PRIMARY KEY, email_id INTEGER NOT NULL, kind TEXT);
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE INDEX ix_events_email ON email_events (email_id);
INSERT INTO counters VALUES ('emails', 0);
"""
TABLES = ("emails", "email_events", "counters")


def make_db(path: Path, rows: int = 0) -> Path:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(SCHEMA)
        for _ in range(rows):
            write_one(conn)
    return path


def write_one(conn: sqlite3.Connection) -> None:
    """One transaction touching all three tables, so a torn copy would show."""
    with conn:
        cur = conn.execute("INSERT INTO emails (thread_id, body) VALUES (?, ?)", ("t", "x" * 2000))
        email_id = cur.lastrowid
        conn.execute(
            "INSERT INTO email_events (email_id, kind) VALUES (?, 'classified')", (email_id,)
        )
        conn.execute("UPDATE counters SET value = value + 1 WHERE name = 'emails'")


def rows(path: Path, table: str) -> dict[object, tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return {row[0]: row for row in conn.execute(f"SELECT * FROM {table}")}


def clock(start: datetime) -> Iterator[datetime]:
    moment = start
    while True:
        yield moment
        moment += timedelta(hours=1)


def test_backup_while_a_thread_writes_is_a_consistent_prefix(tmp_path: Path) -> None:
    db = make_db(tmp_path / "inbox.db", rows=200)
    stop = threading.Event()
    written = threading.Semaphore(0)

    def writer() -> None:
        with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
            while not stop.is_set():
                write_one(conn)
                written.release()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        for _ in range(50):  # the writer is demonstrably running before the copy starts
            assert written.acquire(timeout=10)
        result = create_backup(db, tmp_path / "backups")
        for _ in range(50):  # ...and keeps committing afterwards
            assert written.acquire(timeout=10)
    finally:
        stop.set()
        thread.join(timeout=10)

    check_integrity(result.path)
    assert result.path.name.startswith("inbox-") and result.path.suffix == ".db"
    assert not Path(str(result.path) + "-wal").exists()

    restored = restore_backup(result.path, tmp_path / "fresh" / "inbox.db")
    check_integrity(restored)
    source = {table: rows(db, table) for table in TABLES}
    copy = {table: rows(restored, table) for table in TABLES}
    # Every row in the copy equals the source row: nothing torn, nothing invented.
    # (`counters` is updated in place, so it is checked by the invariant below instead.)
    for table in ("emails", "email_events"):
        for key, row in copy[table].items():
            assert source[table][key] == row, (table, key)
    # A prefix of whole transactions: ids 1..n, and the counter agrees with both tables.
    n = copy["counters"]["emails"][1]
    assert isinstance(n, int) and n >= 250
    assert sorted(copy["emails"]) == list(range(1, n + 1))
    assert sorted(copy["email_events"]) == list(range(1, n + 1))
    assert len(source["emails"]) > n  # the writer went on after the snapshot


def test_corrupted_backup_is_refused_on_restore(tmp_path: Path) -> None:
    db = make_db(tmp_path / "inbox.db", rows=300)
    result = create_backup(db, tmp_path / "backups")
    data = bytearray(result.path.read_bytes())
    page = 4096
    data[page * 2 : page * 6] = b"\xde\xad\xbe\xef" * page  # overwrite b-tree pages
    result.path.write_bytes(bytes(data))

    target = tmp_path / "restored" / "inbox.db"
    with pytest.raises(BackupIntegrityError, match=r"integrity check failed|not a sound"):
        restore_backup(result.path, target)
    assert not target.exists()


def test_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "inbox-20240101T000000Z.db"
    junk.write_bytes(b"not sqlite at all" * 500)
    with pytest.raises(BackupIntegrityError, match="not a sound SQLite database"):
        restore_backup(junk, tmp_path / "inbox.db")


def test_restore_over_existing_database_needs_force(tmp_path: Path) -> None:
    db = make_db(tmp_path / "inbox.db", rows=5)
    result = create_backup(db, tmp_path / "backups")
    with contextlib.closing(sqlite3.connect(db)) as conn:
        write_one(conn)  # the live db moves on: 6 rows, some in its WAL

    with pytest.raises(RestoreRefused, match="force"):
        restore_backup(result.path, db)
    assert len(rows(db, "emails")) == 6

    restore_backup(result.path, db, force=True)
    assert not Path(str(db) + "-wal").exists()
    assert len(rows(db, "emails")) == 5
    check_integrity(db)


def test_retention_keeps_the_newest(tmp_path: Path) -> None:
    db = make_db(tmp_path / "inbox.db", rows=1)
    ticks = clock(datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
    results = [create_backup(db, keep=3, now=lambda: next(ticks)) for _ in range(5)]

    kept = list_backups(tmp_path / "backups")
    assert [info.path for info in kept] == [r.path for r in reversed(results[-3:])]
    assert results[-1].removed == (results[1].path,)
    assert results[0].path.name == "inbox-20240501T120000Z.db"
    latest = latest_backup(tmp_path / "backups")
    assert latest is not None and latest.created_at == datetime(2024, 5, 1, 16, tzinfo=UTC)


def test_retention_ignores_unrelated_files(tmp_path: Path) -> None:
    db = make_db(tmp_path / "inbox.db", rows=1)
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "notes.txt").write_text("keep me")
    (backups / "other-20200101T000000Z.db").write_bytes(b"")
    create_backup(db, backups, keep=1)
    assert (backups / "notes.txt").exists()
    assert (backups / "other-20200101T000000Z.db").exists()


def test_missing_database_and_bad_keep_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no database"):
        create_backup(tmp_path / "absent.db")
    db = make_db(tmp_path / "inbox.db")
    with pytest.raises(BackupError, match="keep"):
        create_backup(db, keep=0)
    assert latest_backup(tmp_path / "nowhere") is None
