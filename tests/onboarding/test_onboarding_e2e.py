"""The real server process against the emulator: onboard, a mail arrives, a push → classify job."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
from sync_support import OWNER, control, deliver, write_token_file
from typer.testing import CliRunner

from gmail_assistant.devtools import ServerProcess


def server_env(emu: Any, tmp_path: Path) -> dict[str, str]:
    token = write_token_file(tmp_path / "config", emu.url)
    return {
        "GMA_GMAIL_API_ENDPOINT": emu.url,
        "GMA_AUTH_TOKEN_FILE": str(token),
        "GMA_AUTH_CREDENTIALS_FILE": str(token.parent / "credentials.json"),
        "GMA_DB_SQLITE_PATH": str(tmp_path / "data" / "inbox.db"),
        "GMA_SERVER_WORKER_CONCURRENCY": "1",
        # Whatever the classify handler does with the job, it must not wait on a real LLM.
        "GMA_LLM_API_BASE": "http://127.0.0.1:9/v1",
        "GMA_LLM_MAX_RETRIES": "0",
        "GMA_SERVER_SHUTDOWN_GRACE_SECONDS": "2",
    }


def classify_rows(db_path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(
            "SELECT thread_id, payload, status FROM jobs WHERE job_type = 'classify'"
        ).fetchall()


def test_push_after_onboarding_leads_to_a_classify_job(emu: Any, tmp_path: Path) -> None:
    env = {**server_env(emu, tmp_path), "GMA_SYNC_PUBSUB_TOPIC": "projects/p/topics/gmail"}
    db_path = Path(env["GMA_DB_SQLITE_PATH"])
    with ServerProcess(env=env, log_path=tmp_path / "server.log") as server:
        init = httpx.post(f"{server.url}/api/auth/init", json={"email": OWNER}, timeout=30)
        assert init.status_code == 200, server.logs()[-3000:]
        assert init.json()["history_seeded"] is True
        assert init.json()["watch_expiration"] is not None

        # Onboarding registered the watch; the emulator now pushes to our webhook.
        control(emu.url, "PUT", f"/users/{OWNER}/push", {"url": f"{server.url}/webhook/gmail"})
        mail = deliver(emu.url, subject="Invoice question")

        deadline = time.monotonic() + 30
        rows: list[tuple[str, str, str]] = []
        while time.monotonic() < deadline and not rows:
            rows = classify_rows(db_path)
            time.sleep(0.1)
        logs = server.logs()
        metrics = httpx.get(f"{server.url}/metrics", timeout=30).text
    assert [row[0] for row in rows] == [mail["threadId"]], logs[-3000:]
    assert mail["id"] in rows[0][1]
    # Whether a classify handler is installed or not, the row is there (pending, running,
    # done, or failed with "no handler").
    assert rows[0][2] in ("pending", "running", "completed", "failed")
    # The emulator's push reached the webhook (successful pushes are counted, not logged).
    assert 'gma_webhook_pushes_total{outcome="accepted"}' in metrics


def test_cli_onboard_and_full_sync(emu: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from gmail_assistant.cli import _register, app

    _register()
    for key, value in server_env(emu, tmp_path).items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    onboarded = runner.invoke(app, ["onboard", OWNER])
    assert onboarded.exit_code == 0, onboarded.output
    assert '"history_seeded": true' in onboarded.output

    mail = deliver(emu.url, subject="Waiting in the inbox")
    synced = runner.invoke(app, ["full-sync", "--email", OWNER])
    assert synced.exit_code == 0, synced.output
    assert f"{OWNER}: 1 classify jobs queued" in synced.output
    rows = classify_rows(tmp_path / "data" / "inbox.db")
    assert [row[0] for row in rows] == [mail["threadId"]]

    unknown = runner.invoke(app, ["full-sync", "--email", "nobody@example.com"])
    assert unknown.exit_code == 1 and "onboard" in unknown.output
