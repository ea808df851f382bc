"""A routed mail through the real stack: the emulator over HTTP, real LiteLLM against the
fake OpenAI server answering with tool calls, and an `http` tool against a local service."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from agent_support import final, tool_calls
from flow_support import OWNER, servers, world_for
from sqlalchemy import select

from gmail_assistant.db.models import AgentRun

pytestmark = pytest.mark.anyio


@pytest.fixture
def stock_service() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append({"body": body, "auth": self.headers.get("X-Api-Key")})
            answer = json.dumps({"drug": body.get("drug_name"), "in_stock": 12}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/stock", seen
    finally:
        server.shutdown()


async def test_routed_mail_is_handled_by_the_agent_profile(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, stock_service: Any
) -> None:
    url, seen = stock_service
    monkeypatch.setenv("STOCK_API_KEY", "placeholder-stock-key")
    routing = {
        "rules": [
            {
                "name": "pharmacy_support",
                "match": {"forwarded_from": "info@pharmacy.example"},
                "route": "agent",
                "profile": "pharmacy",
            },
            {"name": "default", "match": {"all": True}, "route": "pipeline"},
        ]
    }
    agent = {
        "profiles": {
            "pharmacy": {
                "model": "openai/fake-agent",
                "tools": ["read_thread", "search_drugs", "send_reply", "escalate"],
                "preprocessor": "crisp",
            },
            "broken": {"model": "openai/fake-agent", "tools": ["teleport"]},
        },
        "tools": {
            "search_drugs": {
                "url": url,
                "parameters": {
                    "type": "object",
                    "properties": {"drug_name": {"type": "string"}},
                    "required": ["drug_name"],
                },
                "auth_header": "X-Api-Key",
                "auth_env": "STOCK_API_KEY",
            }
        },
    }
    with servers() as (emulator, fake):
        async with world_for(
            tmp_path, db_url, emulator, fake, monkeypatch, routing=routing, agent=agent
        ) as world:
            assert world.container is not None
            warnings = world.container.startup_warnings
            assert any("'teleport'" in w for w in warnings)
            fake.queue(
                tool_calls(("read_thread", {})),
                tool_calls(("search_drugs", {"drug_name": "Ibuprofen"})),
                tool_calls(("send_reply", {"body": "Ibuprofen is in stock, 12 packs."})),
                tool_calls(("send_reply", {"body": "A second reply."})),
                final("Replied with the stock level."),
            )
            mail = world.deliver(
                sender="Helpdesk <info@pharmacy.example>",
                subject="Dotaz na lék",
                body="Od: Jan Novak\nEmail: jan@patient.example\n---\nMáte Ibuprofen?",
                headers={"Reply-To": "jan@patient.example"},
            )
            await world.sync()
            thread_id = mail["thread_id"]

            (draft,) = world.drafts(thread_id)
            assert "✂️" in draft["body"] and "12 packs" in draft["body"]
            raw = world.draft_raw(thread_id)
            assert raw["To"] == "jan@patient.example"
            assert raw["In-Reply-To"] == mail["message_id"]
            assert world.ai_labels(thread_id) == {"🤖 AI/Outbox"}
            row = await world.email(thread_id)
            assert (row.status, row.draft_id, row.classification) == (
                "drafted", draft["id"], "needs_response"
            )  # fmt: skip
            assert row.detected_language == "cs"  # the debug page and briefing show it
            async with world.database.read() as session:
                (run,) = (await session.execute(select(AgentRun))).scalars()
            assert (run.profile, run.status, run.iterations) == ("pharmacy", "completed", 4)
            assert run.final_message == "Replied with the stock level."
            assert [c["tool"] for c in run.tool_calls] == [
                "read_thread", "search_drugs", "send_reply", "send_reply"
            ]  # fmt: skip
            assert "in_stock" in run.tool_calls[1]["result"]
            assert "never sends" in run.tool_calls[2]["result"]
            assert "no second draft" in run.tool_calls[3]["result"]
            assert seen == [{"body": {"drug_name": "Ibuprofen"}, "auth": "placeholder-stock-key"}]
            calls = await world.llm_calls(thread_id)
            assert [c.purpose for c in calls] == ["agent"] * 5
            events = await world.events(thread_id)
            assert "classified" not in events
            assert events[-1] == "agent_run" and "draft_created" in events
            # The mail went to the model as data; the crisp preprocessor found the customer.
            first = fake.requests[0].body["messages"][1]["content"]
            assert "Customer email: jan@patient.example" in first and "<email_data>" in first

            # A retried job neither runs again nor writes a second draft.
            await world.run_again(await world.jobs("completed"))
            assert len(world.drafts(thread_id)) == 1
            assert len(await world.llm_calls(thread_id)) == 5
            assert world.safety_violations() == 0
            assert OWNER
