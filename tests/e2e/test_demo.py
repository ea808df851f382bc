"""`gmail-assistant demo --exit`, as a newcomer runs it: every sample mail handled, the report
agreeing with the database it was built from, the routed mail handled by its agent profile."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

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

    # The demo's app.yml routes the helpdesk chat to an agent profile on the offline model;
    # every other mail still takes the pipeline (classified, no agent run).
    routed = [m.key for m in inbound if m.route == "agent"]
    assert len(routed) == 1
    app_yml = yaml.safe_load((tmp_path / "app.yml").read_text())
    assert app_yml["routing"]["rules"][0]["route"] == "agent"
    assert app_yml["agent"]["profiles"]["website_chat"]["model"] == "offline/agent"
    by_key = {m["key"]: m for m in report["mails"]}
    assert [k for k, m in by_key.items() if m["route"] == "agent"] == routed
    assert all(m["route"] == m["expected_route"] for m in report["mails"])
    (run,) = report["agent_runs"]
    assert run["key"] == routed[0] and run["profile"] == "website_chat"
    assert run["status"] == "completed" and run["tools"] == ["create_draft"]
    # What the owner sees in Gmail: the agent's draft, in Outbox.
    assert run["has_draft"] and run["labels"] == ["🤖 AI/Outbox"]
    assert run["final_message"].startswith("[offline demo model]")
    assert by_key[routed[0]]["drafted"] and by_key[routed[0]]["status"] == "drafted"
    assert "agent runs" in result.stdout and "profile website_chat, completed" in result.stdout
    conn = sqlite3.connect(tmp_path / "inbox.db")
    try:
        runs = conn.execute("SELECT thread_id, profile, status FROM agent_runs").fetchall()
        purposes = Counter(p for (p,) in conn.execute("SELECT purpose FROM llm_calls"))
        agent_events = conn.execute(
            "SELECT COUNT(*) FROM email_events WHERE event_type = 'agent_run'"
        ).fetchone()[0]
        classified = {
            t
            for (t,) in conn.execute(
                "SELECT DISTINCT thread_id FROM email_events WHERE event_type = 'classified'"
            )
        }
    finally:
        conn.close()
    assert [(r[1], r[2]) for r in runs] == [("website_chat", "completed")]
    assert purposes["agent"] == 2 and agent_events == 1  # a tool-call turn, then the answer
    assert runs[0][0] not in classified
    assert len(classified) == len(classes) - 1  # every other thread was classified
