"""The agent flow through the real server process (`uvicorn src.main:app`).

The shared Gmail emulator pushes to the server's webhook; LiteLLM talks to the fake OpenAI
server, which answers with tool calls; routing rules and agent profiles come from an
`app.yml` (v2.3.0's `routing:` and `agent:` sections) named by GMA_CONFIG_FILE. Assertions
are on what the owner sees in Gmail and what the database records.
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from agent_support import final, tool_calls
from sync_support import OWNER, write_token_file

from gmail_assistant.devtools import ServerProcess
from gmail_assistant.labels import LABEL_NAMES
from gmail_assistant_testing.fake_llm import FakeLlm, run_fake_llm

pytestmark = pytest.mark.e2e

APP_YML = {
    "routing": {
        "rules": [
            {
                "name": "helpdesk",
                "match": {"sender_domain": "helpdesk.example"},
                "route": "agent",
                "profile": "support",
            },
            {
                "name": "ghost_tools",
                "match": {"subject_contains": "teleport"},
                "route": "agent",
                "profile": "broken",
            },
            {"name": "default", "match": {"all": True}, "route": "pipeline"},
        ]
    },
    "agent": {
        "profiles": {
            "support": {
                "model": "openai/fake-agent",
                "max_iterations": 4,
                "tools": ["read_thread", "create_draft", "send_reply", "escalate"],
            },
            # `teleport` is neither built in nor declared: a startup warning, runs escalate.
            "broken": {"model": "openai/fake-agent", "tools": ["read_thread", "teleport"]},
        }
    },
}


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeLlm]:
    with run_fake_llm() as fake:
        yield fake


@pytest.fixture
def fake(fake_server: FakeLlm) -> FakeLlm:
    fake_server.reset()
    return fake_server


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Assistant:
    """The running server, the emulator it reads, and its SQLite file."""

    server: ServerProcess
    emu: Any
    db_path: Path

    def deliver(self, **fields: Any) -> Any:
        return self.emu.state.deliver(OWNER, **fields)

    def box(self) -> dict[str, Any]:
        return self.emu.state.dump(OWNER)["mailboxes"][OWNER]  # type: ignore[no-any-return]

    def ai_labels(self, thread_id: str) -> set[str]:
        names: set[str] = set()
        for message in self.box()["messages"]:
            if message["threadId"] == thread_id:
                names |= {n for n in message["labels"] if n.startswith("🤖")}
        return names

    def drafts(self, thread_id: str) -> list[dict[str, Any]]:
        return [d for d in self.box()["drafts"] if d.get("threadId") == thread_id]

    def sent(self) -> list[str]:
        return [m["id"] for m in self.box()["messages"] if "SENT" in m["labels"]]

    def draft_raw(self, draft_id: str) -> email.message.EmailMessage:
        svc = self.emu.service(OWNER)
        full = svc.users().drafts().get(userId="me", id=draft_id, format="raw").execute()
        raw = base64.urlsafe_b64decode(full["message"]["raw"] + "==")
        return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]

    def rows(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.db_path)
        conn.row_factory = sqlite3.Row
        try:
            return list(conn.execute(sql, args))
        finally:
            conn.close()

    def idle(self) -> bool:
        (row,) = self.rows(
            "SELECT COUNT(*) AS n FROM jobs WHERE status IN ('pending', 'running')"
            " AND job_type != 'sync'"
        )
        return bool(row["n"] == 0)

    def agent_runs(self, thread_id: str) -> list[sqlite3.Row]:
        return self.rows("SELECT * FROM agent_runs WHERE thread_id = ? ORDER BY id", thread_id)

    def finished_run(self, thread_id: str) -> sqlite3.Row | None:
        runs = [r for r in self.agent_runs(thread_id) if r["status"] != "running"]
        return runs[-1] if runs and self.idle() else None

    def events(self, thread_id: str) -> list[tuple[str, str]]:
        return [
            (r["event_type"], r["detail"] or "")
            for r in self.rows(
                "SELECT event_type, detail FROM email_events WHERE thread_id = ? ORDER BY id",
                thread_id,
            )
        ]

    def llm_purposes(self, thread_id: str) -> list[str]:
        return [
            r["purpose"]
            for r in self.rows(
                "SELECT purpose FROM llm_calls WHERE thread_id = ? ORDER BY id", thread_id
            )
        ]

    def email(self, thread_id: str) -> sqlite3.Row:
        (row,) = self.rows("SELECT * FROM emails WHERE gmail_thread_id = ?", thread_id)
        return row


@contextmanager
def assistant(emu: Any, fake: FakeLlm, tmp_path: Path) -> Iterator[Assistant]:
    config = tmp_path / "app.yml"
    config.write_text(yaml.safe_dump(APP_YML, allow_unicode=True), encoding="utf-8")
    token = write_token_file(tmp_path / "config", emu.url)
    db_path = tmp_path / "data" / "inbox.db"
    env = {
        "GMA_CONFIG_FILE": str(config),
        "GMA_GMAIL_API_ENDPOINT": emu.url,
        "GMA_GMAIL_QUOTA_UNITS_PER_SECOND": "100000",
        "GMA_AUTH_TOKEN_FILE": str(token),
        "GMA_AUTH_CREDENTIALS_FILE": str(token.parent / "credentials.json"),
        "GMA_DB_SQLITE_PATH": str(db_path),
        "GMA_SYNC_PUBSUB_TOPIC": "projects/test/topics/gmail",
        "GMA_SERVER_SCHEDULER_ENABLED": "false",
        "GMA_SERVER_SHUTDOWN_GRACE_SECONDS": "2",
        "GMA_LLM_API_BASE": fake.base_url,
        "GMA_LLM_MAX_RETRIES": "0",
        "GMA_LLM_CLASSIFY_MODEL": "openai/fake-classify",
        "GMA_LLM_DRAFT_MODEL": "openai/fake-draft",
        "GMA_LLM_CONTEXT_MODEL": "openai/fake-context",
        "GMA_LLM_AGENT_MODEL": "openai/fake-agent",
        "OPENAI_API_KEY": "placeholder-test-key",
    }
    with ServerProcess(env=env, log_path=tmp_path / "server.log") as server:
        init = httpx.post(f"{server.url}/api/auth/init", json={"email": OWNER}, timeout=60)
        assert init.status_code == 200, server.logs()[-3000:]
        emu.state.set_push_url(OWNER, f"{server.url}/webhook/gmail")
        try:
            yield Assistant(server=server, emu=emu, db_path=db_path)
        except BaseException:
            print(server.logs()[-5000:])
            raise


def test_routed_mail_gets_the_agents_draft_and_other_mail_is_classified(
    emu: Any, fake: FakeLlm, tmp_path: Path
) -> None:
    fake.queue(
        tool_calls(("read_thread", {})),
        tool_calls(("create_draft", {"body": "Your order ships on Monday."})),
        final("Drafted a reply about the shipping date."),
    )
    with assistant(emu, fake, tmp_path) as a:
        mail = a.deliver(
            sender="Eva Malá <eva@helpdesk.example>",
            subject="Where is my order?",
            body="Hello, order 1042 has not arrived yet. When will it ship? Eva",
        )
        thread = mail.thread_id
        run = wait_for(lambda: a.finished_run(thread), "the agent run")

        # The owner sees a threaded reply draft to the sender, in Outbox.
        (draft,) = a.drafts(thread)
        assert "✂️" in draft["body"] and "ships on Monday" in draft["body"]
        assert draft["subject"] == "Re: Where is my order?"
        raw = a.draft_raw(draft["id"])
        assert raw["To"].addresses[0].addr_spec == "eva@helpdesk.example"
        assert raw["In-Reply-To"] == mail.message_id
        assert a.ai_labels(thread) == {LABEL_NAMES["outbox"]}

        # One agent_runs row with the tool-call log; every turn an llm_calls row of type agent.
        assert (run["profile"], run["status"], run["iterations"]) == ("support", "completed", 2)
        assert run["final_message"] == "Drafted a reply about the shipping date."
        log = json.loads(run["tool_calls"])
        assert [(c["tool"], c["iteration"]) for c in log] == [
            ("read_thread", 1), ("create_draft", 2)
        ]  # fmt: skip
        assert "<email_data>" in log[0]["result"] and "order 1042" in log[0]["result"]
        assert "saved in the thread" in log[1]["result"]
        assert a.llm_purposes(thread) == ["agent"] * 3
        row = a.email(thread)
        assert (row["status"], row["draft_id"]) == ("drafted", draft["id"])
        events = a.events(thread)
        kinds = [kind for kind, _ in events]
        assert "classified" not in kinds and "draft_created" in kinds
        assert kinds[-1] == "agent_run"
        assert "support" in events[-1][1] and "completed" in events[-1][1]
        # The model got the mail as data, and only the profile's tools.
        first = fake.requests[0].body
        assert "<email_data>" in first["messages"][1]["content"]
        assert {t["function"]["name"] for t in first["tools"]} == {
            "read_thread", "create_draft", "send_reply", "escalate"
        }  # fmt: skip

        # Mail matching no agent rule goes the classic way: classify (then a draft).
        other = a.deliver(
            sender="Karel Novák <karel@example.cz>",
            subject="Schůzka příští týden",
            body="Dobrý den, můžeme se sejít v úterý v 10 hodin? Děkuji, Karel Novák",
        )
        wait_for(lambda: a.ai_labels(other.thread_id) == {LABEL_NAMES["outbox"]}, "a draft")
        wait_for(a.idle, "the pipeline's jobs")
        purposes = a.llm_purposes(other.thread_id)
        assert purposes[0] == "classify" and "agent" not in purposes
        assert a.agent_runs(other.thread_id) == []
        assert "classified" in [kind for kind, _ in a.events(other.thread_id)]

        metrics = httpx.get(f"{a.server.url}/metrics", timeout=30).text
        assert 'gma_agent_runs_total{profile="support",status="completed"} 1.0' in metrics
        page = httpx.get(f"{a.server.url}/debug/emails/{row['id']}", timeout=30).text
        assert "support" in page and "create_draft" in page and "ships on Monday" in page
        admin = httpx.get(f"{a.server.url}/admin/agent-run/list", timeout=30)
        assert admin.status_code == 200 and "support" in admin.text and "completed" in admin.text
    assert emu.calls()["safety_violations"] == 0


def test_send_reply_only_drafts_and_a_profile_with_an_unknown_tool_escalates(
    emu: Any, fake: FakeLlm, tmp_path: Path
) -> None:
    fake.queue(
        tool_calls(("send_reply", {"body": "Refund approved, you will see it in 3 days."})),
        final("Replied to the customer."),
    )
    with assistant(emu, fake, tmp_path) as a:
        # The profile naming an unknown tool is a startup warning on the health pages.
        health = httpx.get(f"{a.server.url}/api/health", timeout=30).json()
        assert any("'broken'" in w and "'teleport'" in w for w in health.get("warnings", []))
        debug_health = httpx.get(f"{a.server.url}/debug/health", timeout=30).text
        assert "teleport" in debug_health

        sent_before = a.sent()
        calls_before = emu.calls()["calls"]
        mail = a.deliver(
            sender="Tomáš <tomas@helpdesk.example>",
            subject="Refund please",
            body="I returned the lamp two weeks ago. Can you refund me?",
        )
        run = wait_for(lambda: a.finished_run(mail.thread_id), "the send_reply run")
        assert run["status"] == "completed"
        (call,) = json.loads(run["tool_calls"])
        assert call["tool"] == "send_reply" and "never sends mail" in call["result"]
        # A draft, addressed to the sender, in Outbox; nothing was sent.
        (draft,) = a.drafts(mail.thread_id)
        assert "Refund approved" in draft["body"]
        (to,) = a.draft_raw(draft["id"])["To"].addresses
        assert to.addr_spec == "tomas@helpdesk.example"
        assert a.ai_labels(mail.thread_id) == {LABEL_NAMES["outbox"]}
        assert a.sent() == sent_before
        calls = emu.calls()["calls"]
        for method in ("messages.send", "drafts.send", "messages.trash", "messages.delete"):
            assert calls.get(method, 0) == calls_before.get(method, 0), method

        # Mail routed to the broken profile: no model call, Action Required with the reason.
        asked = len(fake.requests)
        broken = a.deliver(
            sender="Someone <someone@example.org>",
            subject="Please teleport the parcel",
            body="Can you teleport it to Brno?",
        )
        run = wait_for(lambda: a.finished_run(broken.thread_id), "the broken profile's run")
        assert (run["profile"], run["status"]) == ("broken", "error")
        assert "unknown tool 'teleport'" in run["error"]
        assert json.loads(run["tool_calls"]) == []
        assert a.ai_labels(broken.thread_id) == {LABEL_NAMES["action_required"]}
        assert a.drafts(broken.thread_id) == []
        events = a.events(broken.thread_id)
        assert any(kind == "agent_escalated" and "teleport" in detail for kind, detail in events), (
            events
        )
        assert len(fake.requests) == asked  # the model was never asked
        assert a.llm_purposes(broken.thread_id) == []
    assert emu.calls()["safety_violations"] == 0
