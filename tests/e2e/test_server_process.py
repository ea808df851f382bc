"""The real server process, started as the deployment starts it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from gmail_assistant.devtools import ServerProcess, repo_root


def test_server_starts_on_sqlite_answers_health_and_stops_on_sigterm(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "inbox.db"
    server = ServerProcess(
        env={"GMA_DB_SQLITE_PATH": str(db_path)}, log_path=tmp_path / "server.log"
    )
    server.start()
    try:
        response = httpx.get(f"{server.url}/api/health", timeout=5)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
    finally:
        code = server.terminate()
    logs = server.logs()
    # uvicorn re-raises the SIGTERM it handled once shutdown is complete.
    assert code in (0, -15), logs
    assert "worker pool stopped" in logs
    assert "Application shutdown complete" in logs
    assert db_path.exists()


def test_bad_configuration_stops_the_start_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "GMA_DB_BACKEND": "mysql", "GMA_DB_SQLITE_PATH": str(tmp_path / "x.db")}
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "src.main:app", "--port", "1"],
        cwd=repo_root(),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "configuration error: GMA_DB_BACKEND:" in result.stderr
    assert "Traceback" not in result.stderr
