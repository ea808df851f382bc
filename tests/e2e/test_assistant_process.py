"""The real server process against the Gmail emulator and a fake OpenAI-compatible LLM.

LiteLLM runs for real over HTTP; pushes go from the emulator to the server's webhook; the
owner acts through the emulator's control surface. Assertions are on what the owner sees in
Gmail (labels, drafts) and what the database records (statuses, events).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from gmail_assistant.devtools import ServerProcess
from gmail_assistant.labels import LABEL_NAMES
from gmail_assistant_testing.fake_llm import run_fake_llm
from gmail_emulator.testing import run_emulator

pytestmark = pytest.mark.e2e
OWNER = "owner@example.com"


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_assistant_end_to_end_in_a_real_server_process(tmp_path: Path) -> None:
    with run_emulator(seed_mailboxes=(OWNER,)) as emulator, run_fake_llm() as fake:
        config = tmp_path / "config"
        config.mkdir()
        (config / "token.json").write_text(
            json.dumps(
                {
                    "type": "authorized_user",
                    "client_id": "id",
                    "client_secret": "placeholder",
                    "refresh_token": f"emu-refresh:{OWNER}",
                    "token_uri": f"{emulator.url}/token",
                }
            )
        )
        (config / "credentials.json").write_text("{}")
        db_path = tmp_path / "inbox.db"
        env = {
            "GMA_DB_SQLITE_PATH": str(db_path),
            "GMA_GMAIL_API_ENDPOINT": emulator.url,
            "GMA_AUTH_TOKEN_FILE": str(config / "token.json"),
            "GMA_AUTH_CREDENTIALS_FILE": str(config / "credentials.json"),
            "GMA_SYNC_PUBSUB_TOPIC": "projects/test/topics/gmail",
            "GMA_LLM_CLASSIFY_MODEL": "openai/fake-classify",
            "GMA_LLM_DRAFT_MODEL": "openai/fake-draft",
            "GMA_LLM_CONTEXT_MODEL": "openai/fake-context",
            "GMA_LLM_AGENT_MODEL": "openai/fake-agent",
            "GMA_LLM_API_BASE": fake.base_url,
            "OPENAI_API_KEY": "placeholder-test-key",
            "GMA_CONFIG_FILE": str(tmp_path / "none.yml"),
        }
        with ServerProcess(env=env, log_path=tmp_path / "server.log") as server:
            first = httpx.post(f"{server.url}/api/auth/init", params={"email": OWNER}, timeout=60)
            second = httpx.post(f"{server.url}/api/auth/init", params={"email": OWNER}, timeout=60)
            assert first.status_code == second.status_code == 200, first.text
            labels = [
                label["name"]
                for label in emulator.state.dump(OWNER)["mailboxes"][OWNER]["labels"]
                if label["name"].startswith("🤖")
            ]
            assert sorted(labels) == sorted(LABEL_NAMES.values())  # created once
            emulator.state.set_push_url(OWNER, f"{server.url}/webhook/gmail")

            question = emulator.state.deliver(
                OWNER,
                sender="Karel Novák <karel@example.cz>",
                subject="Schůzka příští týden",
                body="Dobrý den, můžeme se sejít v úterý v 10 hodin? Děkuji, Karel Novák",
            )
            newsletter = emulator.state.deliver(
                OWNER,
                sender="Newsletter <news@shop.example>",
                subject="Neuer Katalog",
                body="Entdecken Sie unseren neuen Katalog!",
                headers={"List-Unsubscribe": "<mailto:u@shop.example>", "Precedence": "bulk"},
            )

            def box() -> dict[str, Any]:
                return emulator.state.dump(OWNER)["mailboxes"][OWNER]  # type: ignore[no-any-return]

            def thread_labels(thread_id: str) -> set[str]:
                names: set[str] = set()
                for m in box()["messages"]:
                    if m["threadId"] == thread_id:
                        names |= {n for n in m["labels"] if n.startswith("🤖")}
                return names

            def drafts(thread_id: str) -> list[dict[str, Any]]:
                return [d for d in box()["drafts"] if d["threadId"] == thread_id]

            wait_for(lambda: thread_labels(question.thread_id) == {"🤖 AI/Outbox"}, "a draft")
            wait_for(lambda: thread_labels(newsletter.thread_id) == {"🤖 AI/FYI"}, "FYI label")
            (draft,) = drafts(question.thread_id)
            assert "✂️" in draft["body"] and draft["subject"] == "Re: Schůzka příští týden"
            assert drafts(newsletter.thread_id) == []

            def row(thread_id: str) -> sqlite3.Row | None:
                conn = sqlite3.connect(db_path)
                conn.row_factory = sqlite3.Row
                try:
                    return conn.execute(  # type: ignore[no-any-return]
                        "SELECT * FROM emails WHERE gmail_thread_id = ?", (thread_id,)
                    ).fetchone()
                finally:
                    conn.close()

            assert row(question.thread_id)["detected_language"] == "cs"
            assert row(newsletter.thread_id)["status"] == "skipped"

            # Rework with an instruction above the marker.
            emulator.state.owner_edit_draft(OWNER, draft["id"], body="Kratší.\n" + draft["body"])
            emulator.state.owner_modify_thread_labels(
                OWNER, question.thread_id, add=[LABEL_NAMES["rework"]]
            )
            wait_for(lambda: (row(question.thread_id) or {})["rework_count"] == 1, "a rework")
            wait_for(lambda: thread_labels(question.thread_id) == {"🤖 AI/Outbox"}, "Outbox")
            assert any("Kratší." in r.user for r in fake.requests if r.purpose == "rework")

            # The owner sends it; a sync finds the sent reply.
            (draft,) = drafts(question.thread_id)
            emulator.state.owner_send_draft(OWNER, draft["id"])
            user_id = first.json()["user_id"]
            httpx.post(f"{server.url}/api/sync", params={"user_id": user_id}, timeout=30)
            wait_for(lambda: row(question.thread_id)["status"] == "sent", "sent status")
            assert thread_labels(question.thread_id) == set()

            # Done on the newsletter strips AI labels and INBOX.
            emulator.state.owner_modify_thread_labels(
                OWNER, newsletter.thread_id, add=[LABEL_NAMES["done"]]
            )
            wait_for(lambda: row(newsletter.thread_id)["status"] == "archived", "archived")
            assert thread_labels(newsletter.thread_id) == {"🤖 AI/Done"}
            assert emulator.calls()["safety_violations"] == 0
