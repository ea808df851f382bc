"""The scheduled backup: `GMA_BACKUP_*` settings, the `backup_sqlite` task on a live database,
and `gmail-assistant db backup` reading the same settings."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from gmail_assistant.backup import check_integrity, latest_backup
from gmail_assistant.backup.scheduled import TASK_NAME, backup_task, s3_target
from gmail_assistant.cli import app
from gmail_assistant.cli import db as _db  # noqa: F401  (registers the `db` group)
from gmail_assistant.container import build_container
from gmail_assistant.db.models import User
from gmail_assistant.settings import SettingsError, load_settings

S3_ENV = {
    "GMA_BACKUP_S3_BUCKET": "backups",
    "GMA_BACKUP_S3_ENDPOINT": "http://minio:9000",
    "GMA_BACKUP_S3_ACCESS_KEY_ID": "key-id",
    "GMA_BACKUP_S3_SECRET_ACCESS_KEY": "very-secret-value",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("GMA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GMA_CONFIG_FILE", str(tmp_path / "no-config.yml"))


def test_defaults_schedule_a_daily_backup_next_to_the_database(tmp_path: Path) -> None:
    settings = load_settings(db={"sqlite_path": str(tmp_path / "inbox.db")})
    assert settings.backup.enabled and settings.backup.keep == 7
    assert settings.backup.dir is None and s3_target(settings.backup) is None
    task = backup_task(settings)
    assert task is not None
    assert (task.name, task.interval) == (TASK_NAME, timedelta(hours=24))


def test_environment_maps_onto_the_backup_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "GMA_DB_SQLITE_PATH": str(tmp_path / "inbox.db"),
        "GMA_BACKUP_INTERVAL_HOURS": "6",
        "GMA_BACKUP_KEEP": "3",
        "GMA_BACKUP_DIR": str(tmp_path / "copies"),
        "GMA_BACKUP_S3_REGION": "eu-central-1",
        "GMA_BACKUP_S3_PREFIX": "gma/",
        **S3_ENV,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    backup = load_settings().backup
    assert (backup.interval_hours, backup.keep, backup.dir) == (6, 3, tmp_path / "copies")
    assert "very-secret-value" not in repr(backup)
    target = s3_target(backup)
    assert target is not None
    assert target.object_url("x.db") == "http://minio:9000/backups/gma/x.db"
    assert (target.access_key_id, target.region) == ("key-id", "eu-central-1")

    monkeypatch.setenv("GMA_BACKUP_ENABLED", "false")
    assert backup_task(load_settings()) is None


def test_a_bucket_without_its_credentials_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in S3_ENV.items():
        if name != "GMA_BACKUP_S3_ENDPOINT":
            monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=r"^GMA_BACKUP_S3_ENDPOINT: required"):
        load_settings()
    monkeypatch.setenv("GMA_BACKUP_KEEP", "0")
    with pytest.raises(SettingsError, match=r"^GMA_BACKUP_KEEP:"):
        load_settings()


def test_no_sqlite_backup_task_on_postgresql() -> None:
    settings = load_settings(db={"backend": "postgresql", "postgresql_url": "postgresql://x/y"})
    assert backup_task(settings) is None


@pytest.mark.anyio
async def test_the_periodic_task_backs_up_the_live_database(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "inbox.db"
    settings = load_settings(
        db={"sqlite_path": str(db_path)},
        server={"workers_enabled": False, "scheduler_enabled": False},
        backup={"dir": str(tmp_path / "copies"), "keep": 2},
    )
    container = build_container(settings)
    await container.start()
    try:
        (task,) = [t for t in container.periodic if t.name == TASK_NAME]
        async with container.database.transaction() as session:
            session.add(User(email="owner@example.com"))
        # A reader holds the database open while the copy is taken.
        async with container.database.read() as session:
            await session.execute(text("SELECT count(*) FROM users"))
            await task.run()
    finally:
        await container.stop()

    found = latest_backup(tmp_path / "copies", "inbox")
    assert found is not None
    check_integrity(found.path)
    with contextlib.closing(sqlite3.connect(found.path)) as conn:
        assert conn.execute("SELECT email FROM users").fetchall() == [("owner@example.com",)]


def test_cli_backup_uses_the_backup_settings(tmp_path: Path) -> None:
    db = tmp_path / "inbox.db"
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("CREATE TABLE t (x)")
    copies = tmp_path / "copies"
    copies.mkdir()
    for stamp in ("20200101T000000Z", "20200102T000000Z"):
        (copies / f"inbox-{stamp}.db").write_bytes(db.read_bytes())
    env = {"GMA_DB_SQLITE_PATH": str(db), "GMA_BACKUP_DIR": str(copies), "GMA_BACKUP_KEEP": "2"}
    result = CliRunner().invoke(app, ["db", "backup"], env=env)
    assert result.exit_code == 0, result.output
    kept = sorted(path.name for path in copies.glob("inbox-*.db"))
    assert len(kept) == 2 and kept[0] == "inbox-20200102T000000Z.db"
    assert "removed: " in result.output and "inbox-20200101T000000Z.db" in result.output
