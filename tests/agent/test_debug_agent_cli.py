"""`debug-agent MAIL.eml --profile P`: the profile's loop on real LiteLLM against the fake
OpenAI server, with nothing written: effects are reported as what the run would do."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from agent_support import final, tool_calls
from pydantic import ValidationError
from typer.testing import CliRunner

from gmail_assistant.cli import _register, app
from gmail_assistant.settings import HttpToolSettings
from gmail_assistant_testing.fake_llm import FakeLlm, run_fake_llm

MAIL = b"""From: Jan Novak <jan@patient.example>
To: owner@example.com
Subject: Ibuprofen reservation
Message-ID: <q1@patient.example>
Content-Type: text/plain; charset=utf-8

Please reserve two packs of Ibuprofen for Friday. <b>Thanks</b>
"""

CONFIG = {
    "agent": {
        "profiles": {
            "pharmacy": {
                "model": "openai/fake-agent",
                "tools": [
                    "read_thread",
                    "search_mailbox",
                    "manage_reservation",
                    "send_reply",
                    "apply_label",
                ],
            },
            "broken": {"model": "openai/fake-agent", "tools": ["teleport"]},
        },
        "tools": {
            # Never reachable: a dry run must not call a tool with outside effects.
            "manage_reservation": {"url": "http://127.0.0.1:9/reserve"},
        },
    }
}


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeLlm]:
    with run_fake_llm() as fake:
        yield fake


@pytest.fixture
def fake(fake_server: FakeLlm, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeLlm:
    _register()
    fake_server.reset()
    config = tmp_path / "app.yml"
    config.write_text(yaml.safe_dump(CONFIG), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GMA_CONFIG_FILE", str(config))
    monkeypatch.setenv("GMA_DB_SQLITE_PATH", str(tmp_path / "x.db"))
    monkeypatch.setenv("GMA_LLM_API_BASE", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "placeholder-test-key")
    return fake_server


def _eml(tmp_path: Path) -> str:
    path = tmp_path / "mail.eml"
    path.write_bytes(MAIL)
    return str(path)


def test_dry_run_shows_turns_calls_results_and_what_it_would_do(
    fake: FakeLlm, tmp_path: Path
) -> None:
    fake.queue(
        tool_calls(("read_thread", {}), ("search_mailbox", {"query": "from:jan@patient.example"})),
        tool_calls(("manage_reservation", {"drug": "Ibuprofen", "packs": 2})),
        tool_calls(
            ("send_reply", {"body": "Two packs are reserved for Friday."}),
            ("apply_label", {"label": "needs_response"}),
        ),
        final("Reserved and drafted a reply."),
    )
    result = CliRunner().invoke(app, ["debug-agent", _eml(tmp_path), "--profile", "pharmacy"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "subject:  Ibuprofen reservation" in out
    assert "profile:  pharmacy (model openai/fake-agent; tools: read_thread," in out
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("turn ")] == [
        "turn 1", "turn 2", "turn 3", "turn 4"
    ]  # fmt: skip
    assert "turn 4:   Reserved and drafted a reply." in out
    assert '  call:   search_mailbox {"query": "from:jan@patient.example"}' in out
    # read_thread reads the mail itself, as data; search has no mailbox to look in.
    assert "<email_data>" in out and "two packs of Ibuprofen" in out
    assert "No messages match 'from:jan@patient.example'." in out
    assert "Dry run: manage_reservation was not called." in out
    assert "never sends mail" in out  # send_reply's own result: a draft, not a mail
    assert "outcome:  completed after 3 round(s)" in out
    effects = [line for line in out.splitlines() if line.startswith("effect:")]
    assert effects == [
        "effect:   would call manage_reservation with {'drug': 'Ibuprofen', 'packs': 2}",
        "effect:   would write a draft:",
        "effect:   would apply label needs_response",
    ]
    assert "Two packs are reserved for Friday." in out
    # The model got the profile's tools and the mail as data, every turn through LiteLLM.
    assert len(fake.requests) == 4
    first = fake.requests[0].body
    offered = {t["function"]["name"] for t in first["tools"]}
    assert offered == {
        "read_thread", "search_mailbox", "manage_reservation", "send_reply", "apply_label"
    }  # fmt: skip
    assert "<email_data>" in json.dumps(first["messages"][1])


def test_a_broken_or_unknown_profile_does_not_ask_the_model(fake: FakeLlm, tmp_path: Path) -> None:
    runner = CliRunner()
    broken = runner.invoke(app, ["debug-agent", _eml(tmp_path), "--profile", "broken"])
    assert broken.exit_code == 0, broken.output
    assert "unknown tool 'teleport'" in broken.output
    assert "effect:   would escalate to the owner" in broken.output
    unknown = runner.invoke(app, ["debug-agent", _eml(tmp_path), "--profile", "nope"])
    assert unknown.exit_code != 0
    assert "unknown profile 'nope'" in unknown.output and "pharmacy" in unknown.output
    assert fake.requests == []


def test_on_the_offline_model_the_dry_run_would_write_a_labelled_draft(
    fake: FakeLlm, tmp_path: Path
) -> None:
    args = ["debug-agent", _eml(tmp_path), "--profile", "pharmacy", "--model", "offline/agent"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "turn 1:   (no text)" in out and "  call:   send_reply {" in out
    assert "turn 2:   [offline demo model] Drafted a reply for the owner to review." in out
    assert "outcome:  completed after 1 round(s); tools: send_reply" in out
    assert "effect:   would write a draft:\n          [offline demo model]" in out
    assert fake.requests == []  # the offline model needs no server


@pytest.fixture
def drug_service() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """A local service: every request is recorded as (method, path with query)."""
    seen: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            seen.append((self.command, self.path))
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            answer = json.dumps({"drug": "Ibuprofen", "in_stock": 7}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_the_dry_run_calls_declared_read_only_get_tools_and_only_notes_the_others(
    fake: FakeLlm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drug_service: Any
) -> None:
    base, seen = drug_service
    drug = {"type": "object", "properties": {"drug": {"type": "string"}}, "required": ["drug"]}
    config = {
        "agent": {
            "profiles": {
                "pharmacy": {
                    "model": "openai/fake-agent",
                    "tools": ["drug_info", "stock_level", "manage_reservation", "send_reply"],
                }
            },
            "tools": {
                # Declared read-only: a dry run calls it for real.
                "drug_info": {
                    "url": f"{base}/drug",
                    "method": "GET",
                    "read_only": True,
                    "parameters": drug,
                },
                # A GET, but not declared read-only: only noted.
                "stock_level": {"url": f"{base}/stock", "method": "GET", "parameters": drug},
                # Changes something: only noted.
                "manage_reservation": {"url": f"{base}/reserve", "parameters": drug},
            },
        }
    }
    path = tmp_path / "app-http.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.setenv("GMA_CONFIG_FILE", str(path))
    fake.queue(
        tool_calls(
            ("drug_info", {"drug": "Ibuprofen"}),
            ("stock_level", {"drug": "Ibuprofen"}),
            ("manage_reservation", {"drug": "Ibuprofen"}),
        ),
        tool_calls(("send_reply", {"body": "Ibuprofen is in stock; reserved two packs."})),
        final("Looked it up and replied."),
    )
    result = CliRunner().invoke(app, ["debug-agent", _eml(tmp_path), "--profile", "pharmacy"])
    assert result.exit_code == 0, result.output
    out = result.output
    # Only the read-only GET tool reached the service, with its arguments as the query.
    assert seen == [("GET", "/drug?drug=Ibuprofen")]
    assert '"in_stock": 7' in out  # its real answer went back to the model
    assert "Dry run: stock_level was not called." in out
    assert "Dry run: manage_reservation was not called." in out
    effects = [line for line in out.splitlines() if line.startswith("effect:")]
    assert effects == [
        "effect:   would call stock_level with {'drug': 'Ibuprofen'}",
        "effect:   would call manage_reservation with {'drug': 'Ibuprofen'}",
        "effect:   would write a draft:",
    ]
    assert "dry run:  nothing was changed (read-only tools called for real: drug_info)" in out
    second = fake.requests[1].body["messages"]
    assert any(m.get("role") == "tool" and "in_stock" in str(m.get("content")) for m in second)


def test_read_only_is_for_get_tools_only() -> None:
    with pytest.raises(ValidationError, match="GET tools only"):
        HttpToolSettings.model_validate({"url": "http://x.example", "read_only": True})
    tool = HttpToolSettings.model_validate(
        {"url": "http://x.example", "method": "GET", "read_only": True}
    )
    assert tool.read_only
