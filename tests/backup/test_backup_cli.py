"""`gmail-assistant db backup` / `db restore` through Typer's CliRunner."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gmail_assistant.cli import app
from gmail_assistant.cli import db as _db  # noqa: F401  (registers the `db` group)

runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("GMA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GMA_CONFIG_FILE", str(tmp_path / "no-config.yml"))


def make_db(path: Path) -> Path:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE emails (id INTEGER PRIMARY KEY, subject TEXT)")
        conn.executemany("INSERT INTO emails (subject) VALUES (?)", [("hi",), ("hello",)])
    return path


def count(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT count(*) FROM emails").fetchone()[0])


def test_backup_then_restore(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    db = make_db(tmp_path / "data" / "inbox.db")
    env = {"GMA_DB_SQLITE_PATH": str(db)}

    result = runner.invoke(app, ["db", "backup", "--keep", "2"], env=env)
    assert result.exit_code == 0, result.output
    backups = sorted((tmp_path / "data" / "backups").glob("inbox-*.db"))
    assert len(backups) == 1
    assert str(backups[0]) in result.output and "integrity ok" in result.output

    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("DELETE FROM emails")

    refused = runner.invoke(app, ["db", "restore", str(backups[0])], env=env)
    assert refused.exit_code == 1
    assert "--force" in refused.output
    assert count(db) == 0

    restored = runner.invoke(app, ["db", "restore", str(backups[0]), "--force"], env=env)
    assert restored.exit_code == 0, restored.output
    assert count(db) == 2


def test_backup_to_custom_dest(tmp_path: Path) -> None:
    db = make_db(tmp_path / "inbox.db")
    dest = tmp_path / "elsewhere"
    result = runner.invoke(
        app, ["db", "backup", "--dest", str(dest)], env={"GMA_DB_SQLITE_PATH": str(db)}
    )
    assert result.exit_code == 0, result.output
    assert len(list(dest.glob("inbox-*.db"))) == 1


def test_corrupted_backup_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "inbox-20240101T000000Z.db"
    bad.write_bytes(b"garbage" * 1000)
    env = {"GMA_DB_SQLITE_PATH": str(tmp_path / "inbox.db")}
    result = runner.invoke(app, ["db", "restore", str(bad)], env=env)
    assert result.exit_code == 1
    assert "not a sound SQLite database" in result.output
    assert not (tmp_path / "inbox.db").exists()


def test_postgresql_backend_points_to_pg_dump(tmp_path: Path) -> None:
    env = {
        "GMA_DB_BACKEND": "postgresql",
        "GMA_DB_POSTGRESQL_URL": "postgresql://u:p@localhost/db",
    }
    for args in (["db", "backup"], ["db", "restore", str(tmp_path / "x.db")]):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 2
        assert "pg_dump" in result.output
