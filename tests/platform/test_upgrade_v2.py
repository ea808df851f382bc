"""Upgrading v2.3.0's SQLite database in place, on the real fixture and on variants of it.

Every test copies `fixtures/seed-v2.3.0/inbox.db` (read-only) and starts the migration the
way the server does: `db.migrate.upgrade` on a `Database` for the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from gmail_assistant.db import Database
from gmail_assistant.db.migrate import current_revision, head_revision
from gmail_assistant.takeover import prepare_database
from gmail_assistant.takeover.rows import v2_time
from gmail_assistant.takeover.upgrade import (
    BACKUP_FOLDER,
    UpgradeError,
    import_v2,
    is_v2_database,
    upgrade_in_place,
)

pytestmark = pytest.mark.anyio

FIXTURE = Path("/work/shared/fixtures/seed-v2.3.0/inbox.db")
if not FIXTURE.is_file():  # the fixture also sits next to the repository in other checkouts
    FIXTURE = Path(__file__).resolve().parents[3] / "shared/fixtures/seed-v2.3.0/inbox.db"

needs_fixture = pytest.mark.skipif(not FIXTURE.is_file(), reason=f"no v2.3.0 fixture at {FIXTURE}")


def v2_copy(tmp_path: Path, change: Callable[[sqlite3.Connection], Any] | None = None) -> Path:
    """A writable copy of the fixture, optionally changed with plain SQL (a variant)."""
    path = tmp_path / "data" / "inbox.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURE, path)
    if change is not None:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA ignore_check_constraints=ON")
            change(conn)
            conn.commit()
    return path


def rows(path: Path, query: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return conn.execute(query).fetchall()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def start(path: Path) -> None:
    """What the server does at start: upgrade v2.3.0 in place, then migrate."""
    db = Database(url=f"sqlite+aiosqlite:///{path}")
    try:
        await prepare_database(db)
        assert await current_revision(db) == head_revision()
    finally:
        await db.dispose()


def backups(path: Path) -> list[Path]:
    return sorted((path.parent / "backups" / BACKUP_FOLDER).glob("*.db"))


@needs_fixture
async def test_fixture_is_upgraded_with_every_row(tmp_path: Path) -> None:
    path = v2_copy(tmp_path)
    before = {
        "emails": rows(
            path, "SELECT id, gmail_thread_id, status, draft_id, rework_count FROM emails"
        ),
        "settings": rows(path, "SELECT user_id, setting_key, setting_value FROM user_settings"),
        "events": rows(path, "SELECT id, gmail_thread_id, event_type, draft_id FROM email_events"),
    }
    assert is_v2_database(path)

    await start(path)

    assert not is_v2_database(path)
    assert rows(path, "SELECT id, email, is_active FROM users") == [(1, "me@example.com", 1)]
    labels = dict(rows(path, "SELECT label_key, gmail_label_id FROM user_labels"))
    assert labels["ai"] == "Label_1" and labels["done"] == "Label_9" and len(labels) == 9
    # Settings stay in v2.3.0's format, value for value.
    after_settings = rows(path, "SELECT user_id, key, value FROM user_settings")
    assert sorted((u, k, json.loads(v)) for u, k, v in after_settings) == sorted(
        (u, k, json.loads(v)) for u, k, v in before["settings"]
    )
    assert rows(path, "SELECT user_id, last_history_id FROM sync_state") == [(1, "1088")]
    assert (
        rows(path, "SELECT id, gmail_thread_id, status, draft_id, rework_count FROM emails")
        == before["emails"]
    )
    # A known thread's triggering message is its last one: a rerun or full sync skips it.
    assert rows(path, "SELECT count(*) FROM emails WHERE last_message_id = gmail_message_id") == [
        (7,)
    ]
    confidence = dict(rows(path, "SELECT id, confidence FROM emails"))
    assert confidence[2] == 0.9 and confidence[7] == 0.3  # high, low
    reworked = rows(
        path, "SELECT last_rework_instruction, draft_body FROM emails WHERE rework_count = 1"
    )
    assert reworked[0][0] == "make it shorter" and reworked[0][1]
    # The epoch milliseconds and the literal CURRENT_TIMESTAMP v2.3.0 stored became times.
    received, acted = rows(path, "SELECT received_at, acted_at FROM emails WHERE id = 1")[0]
    assert received.startswith("2026-") and acted.startswith("2026-")
    events = rows(path, "SELECT id, thread_id, event_type, draft_id FROM email_events")
    assert events == before["events"]
    assert rows(path, "SELECT count(*) FROM email_events WHERE email_id IS NULL") == [(0,)]
    assert rows(path, "SELECT count(*), count(email_id) FROM llm_calls") == [(15, 15)]
    assert rows(path, "SELECT purpose FROM llm_calls WHERE id = 12") == [("rework",)]
    # v2.3.0's 23 finished jobs are history; nothing is left to run.
    assert rows(path, "SELECT status, count(*) FROM jobs GROUP BY status") == [("completed", 23)]
    # The backup is v2.3.0's database, whole.
    (backup,) = backups(path)
    assert is_v2_database(backup)
    assert rows(backup, "SELECT count(*) FROM jobs") == [(23,)]


@needs_fixture
async def test_second_start_changes_nothing(tmp_path: Path) -> None:
    path = v2_copy(tmp_path)
    await start(path)
    dump = rows(path, "SELECT * FROM emails") + rows(path, "SELECT * FROM jobs")
    assert upgrade_in_place(path) is None
    await start(path)
    assert rows(path, "SELECT * FROM emails") + rows(path, "SELECT * FROM jobs") == dump
    assert len(backups(path)) == 1  # no second backup either


@needs_fixture
async def test_failed_upgrade_leaves_the_original_untouched(tmp_path: Path) -> None:
    # An email of a user that does not exist (v2.3.0 never enforced foreign keys).
    path = v2_copy(tmp_path, lambda c: c.execute("UPDATE emails SET user_id = 99 WHERE id = 3"))
    original = digest(path)

    with pytest.raises(UpgradeError, match="file is unchanged"):
        await start(path)

    assert digest(path) == original
    assert is_v2_database(path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["backups", "inbox.db"]
    assert len(backups(path)) == 1

    # Once the row is mended, the next start upgrades.
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("UPDATE emails SET user_id = 1 WHERE id = 3")
        conn.commit()
    await start(path)
    assert rows(path, "SELECT count(*) FROM emails") == [(7,)]
    assert len(backups(path)) == 2


@needs_fixture
async def test_unfinished_jobs_become_ours(tmp_path: Path) -> None:
    def unfinished(conn: sqlite3.Connection) -> None:
        add = "INSERT INTO jobs (id, job_type, user_id, payload, status) VALUES (?, ?, 1, ?, ?)"
        for job in [
            (101, "sync", {"history_id": "1090"}, "pending"),
            (102, "sync", {"history_id": "1091"}, "running"),  # killed mid-run
            (103, "classify", {"message_id": "m-new", "thread_id": "t-new"}, "pending"),
            (104, "classify", {"message_id": "m-lost"}, "pending"),  # no thread to find
            (105, "draft", {"thread_id": "18f3a00000001764"}, "pending"),
            (106, "rework", {"message_id": "18f3a00000000f98"}, "pending"),
            (107, "cleanup", {"message_id": "d-gone", "action": "check_sent"}, "pending"),
            (108, "cleanup", {"message_id": "x-unknown", "action": "done"}, "pending"),
        ]:
            conn.execute(add, (job[0], job[1], json.dumps(job[2]), job[3]))

    path = v2_copy(tmp_path, unfinished)
    await start(path)

    pending = {
        (job_type, thread): json.loads(payload)
        for job_type, thread, payload in rows(
            path, "SELECT job_type, thread_id, payload FROM jobs WHERE status = 'pending'"
        )
    }
    # The two syncs and the lost classify are one sync, a full one (it finds the thread).
    assert pending.pop(("sync", None)) | {"v2_job_id": 0} == {"full": True, "v2_job_id": 0}
    assert pending.pop(("classify", "t-new"))["message_id"] == "m-new"
    assert pending.pop(("draft", "18f3a00000001764"))["email_id"] == 7
    assert pending.pop(("rework", "18f3a00000000f98"))["message_id"] == "18f3a00000000f98"
    # check_sent of an unknown draft message: every thread holding a draft of ours.
    checks = {t for (kind, t), p in list(pending.items()) if p.get("action") == "check_sent"}
    assert checks == {"18f3a000000001f3", "18f3a00000000f98", "18f3a00000001764"}
    assert all(kind == "cleanup" for kind, _ in pending)
    # Keys as our queue makes them, so a new job for the same thread de-duplicates.
    keys = rows(
        path,
        "SELECT dedup_key, lock_key FROM jobs WHERE job_type = 'rework' AND status = 'pending'",
    )
    assert keys == [("rework:1:18f3a00000000f98", "thread:1:18f3a00000000f98")]
    # The cleanup(done) nobody can place is not carried; it stays in the backup.
    assert rows(path, "SELECT count(*) FROM jobs WHERE payload LIKE '%x-unknown%'") == [(0,)]
    assert rows(path, "SELECT max(id) FROM jobs")[0][0] > 108


@needs_fixture
async def test_writes_left_in_v2_wal_are_carried(tmp_path: Path) -> None:
    """v2.3.0 killed with commits still in its WAL: they are part of what gets upgraded."""
    live = v2_copy(tmp_path / "live")
    writer = sqlite3.connect(live)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("UPDATE emails SET status = 'sent', draft_id = NULL WHERE id = 2")
    writer.commit()
    path = tmp_path / "data" / "inbox.db"
    path.parent.mkdir()
    for suffix in ("", "-wal"):  # the files as a crash leaves them
        shutil.copyfile(f"{live}{suffix}", f"{path}{suffix}")
    writer.close()
    assert rows(FIXTURE, "SELECT status FROM emails WHERE id = 2") == [("drafted",)]

    await start(path)

    assert rows(path, "SELECT status, draft_id FROM emails WHERE id = 2") == [("sent", None)]
    assert rows(path, "PRAGMA integrity_check") == [("ok",)]


async def test_not_v2_files_are_left_to_alembic(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    await start(path)  # a fresh install
    assert not is_v2_database(path)
    assert upgrade_in_place(path) is None
    assert not (tmp_path / "backups").exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-03 15:05:48", datetime(2026, 12, 3, 15, 5, 48, tzinfo=UTC)),
        ("2026-12-03T15:05:48+01:00", datetime(2026, 12, 3, 14, 5, 48, tzinfo=UTC)),
        (1796310347483, datetime(2026, 12, 3, 15, 5, 47, 483000, tzinfo=UTC)),
        ("1796310347", datetime(2026, 12, 3, 15, 5, 47, tzinfo=UTC)),
        ("CURRENT_TIMESTAMP", None),
        ("", None),
        (None, None),
    ],
)
def test_v2_times(value: Any, expected: datetime | None) -> None:
    assert v2_time(value) == expected


@needs_fixture
async def test_import_into_an_empty_database(tmp_path: Path, db_url: str) -> None:
    """`gmail-assistant db import-v2 PATH`: v2.3.0's file into a new database, e.g. PostgreSQL."""
    source = v2_copy(tmp_path)
    original = digest(source)
    db = Database(url=db_url)
    try:
        copied = await import_v2(db, source)
        assert copied.rows["emails"] == 7
        async with db.engine.connect() as conn:
            emails = (
                await conn.execute(
                    text("SELECT id, status, draft_id, rework_count FROM emails ORDER BY id")
                )
            ).all()
            cursor = (await conn.execute(text("SELECT last_history_id FROM sync_state"))).all()
        assert [tuple(r) for r in emails] == [
            tuple(r) for r in rows(source, "SELECT id, status, draft_id, rework_count FROM emails")
        ]
        assert cursor == [("1088",)]
        # New rows get ids after the copied ones (PostgreSQL's sequences moved on).
        async with db.write_connection() as conn:
            new_id = (
                await conn.execute(
                    text(
                        "INSERT INTO email_events (user_id, thread_id, event_type, created_at)"
                        " VALUES (1, 't', 'received', CURRENT_TIMESTAMP) RETURNING id"
                    )
                )
            ).scalar()
        assert new_id == 14
        with pytest.raises(UpgradeError, match="already has users"):
            await import_v2(db, source)
    finally:
        await db.dispose()
    assert digest(source) == original  # only read
