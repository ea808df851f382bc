"""`gmail-assistant demo --exit`, as a newcomer runs it: every sample mail handled, the report
agreeing with the database it was built from."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from gmail_assistant.demo.mailbox import load_mailbox

pytestmark = pytest.mark.e2e


def test_demo_runs_offline_and_reports_what_the_database_holds(tmp_path: Path) -> None:
    cli = Path(sys.executable).with_name("gmail-assistant")
    result = subprocess.run(
        [str(cli), "demo", "--exit", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "offline demo model" in result.stdout
    assert "/debug/emails" in result.stdout and "/admin/" in result.stdout

    report = json.loads((tmp_path / "report.json").read_text())
    _owner, mails = load_mailbox()
    inbound = [m for m in mails if not m.sent]
    assert len(report["mails"]) == len(inbound) >= 30
    assert report["handled"] == len(inbound)  # every sample mail was triaged

    conn = sqlite3.connect(tmp_path / "inbox.db")
    try:
        classes = dict(conn.execute("SELECT gmail_thread_id, classification FROM emails"))
        statuses = Counter(s for (s,) in conn.execute("SELECT status FROM emails"))
        llm_calls = conn.execute("SELECT COUNT(*) FROM llm_calls").fetchone()[0]
        failed = conn.execute("SELECT COUNT(*) FROM jobs WHERE status = 'failed'").fetchone()[0]
        running = conn.execute("SELECT COUNT(*) FROM jobs WHERE status = 'running'").fetchone()[0]
    finally:
        conn.close()
    # One email row per thread; a thread's mails share its category in the report.
    assert sum(report["totals"].values()) == len(inbound)
    assert set(report["totals"]) <= set(classes.values())
    assert len(classes) == len({m.thread or m.key for m in inbound})
    assert report["llm"]["calls"] == llm_calls
    assert report["jobs"].get("failed", 0) == failed == 0
    assert running == 0
    assert report["gmail"]["safety_violations"] == 0
    # The owner's actions played out.
    by_action = {m["action"]: m for m in report["mails"] if m["action"]}
    assert by_action["send"]["status"] == "sent"
    assert by_action["done"]["status"] == "archived"
    assert by_action["manual"]["category"] == "needs_response" and by_action["manual"]["drafted"]
    assert by_action["rework"]["status"] == "drafted"
    assert statuses["sent"] >= 1 and statuses["archived"] >= 1
