"""v2.3.0's config/app.yml works unchanged: sections mapped, routing/agent kept, unknown keys
named in one warning each."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from gmail_assistant import settings as settings_module
from gmail_assistant.settings import SettingsError, load_settings

V2_APP_YML = """\
auth:
  mode: service_account
  credentials_file: config/credentials.json
  token_file: config/token.json
  service_account_file: config/service-account-key.json
  subject: owner@example.com
  scopes:
    - https://www.googleapis.com/auth/gmail.modify
database:
  backend: sqlite
  sqlite_path: data/v2.db
llm:
  classify_model: gemini/gemini-2.0-flash
  max_draft_tokens: 2048
sync:
  fallback_interval_minutes: 7
  history_max_results: 100
server:
  port: 3000
  log_level: info
  webhook_secret: ""
  colour: blue
routing:
  rules:
    - name: pharmacy_support
      match: {forwarded_from: info@pharmacy.example}
      route: agent
      profile: pharmacy
    - name: default
      match: {all: true}
      route: pipeline
agent:
  profiles:
    pharmacy:
      model: gemini/gemini-2.5-pro
      temperature: 0.3
      tools: [search_drugs, escalate]
environment: development
sentry_dsn: https://key@bugsink.invalid/1
mystery_section: {a: 1}
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("GMA_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(settings_module, "_warned", set())
    (tmp_path / "config").mkdir()


def write(tmp_path: Path, text: str) -> None:
    (tmp_path / "config" / "app.yml").write_text(text)


def test_v2_sections_land_in_our_settings(tmp_path: Path) -> None:
    write(tmp_path, V2_APP_YML)
    s = load_settings()
    assert s.db.sqlite_path == Path("data/v2.db")  # database: → db
    assert s.sentry.dsn == "https://key@bugsink.invalid/1"  # top-level sentry_dsn
    assert s.auth.credentials_file == Path("config/credentials.json")  # explicit one wins
    assert (s.server.port, s.server.log_level) == (3000, "INFO")
    assert s.sync.fallback_interval_minutes == 7
    rule = s.routing.rules[0]
    assert (rule.name, rule.route, rule.profile) == ("pharmacy_support", "agent", "pharmacy")
    assert rule.match == {"forwarded_from": "info@pharmacy.example"}
    assert s.agent.profiles["pharmacy"].tools == ("search_drugs", "escalate")


def test_service_account_file_is_the_key_file(tmp_path: Path) -> None:
    write(tmp_path, "auth:\n  mode: service_account\n  service_account_file: k.json\n")
    assert load_settings().auth.credentials_file == Path("k.json")


def test_every_unknown_key_is_named_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path, V2_APP_YML)
    with caplog.at_level(logging.WARNING, logger="gmail_assistant.settings"):
        load_settings()
        load_settings()  # the CLI and the app factory both load: still one warning each
    messages = [r.getMessage() for r in caplog.records]
    for key in (
        "'mystery_section'",
        "server.colour",
        "server.webhook_secret",
        "llm.max_draft_tokens",
        "sync.history_max_results",
    ):
        named = [m for m in messages if key in m]
        assert len(named) == 1, (key, messages)
        assert named[0].startswith("config/app.yml: ")
    assert len(messages) == 5, messages  # mapped keys (database, sentry_dsn …) warn nothing


def test_environment_still_beats_the_v2_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, V2_APP_YML)
    monkeypatch.setenv("GMA_DB_SQLITE_PATH", "data/env.db")
    assert load_settings().db.sqlite_path == Path("data/env.db")


def test_a_route_to_a_missing_profile_is_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, "routing:\n  rules:\n    - {name: x, route: agent, profile: nope}\n")
    with caplog.at_level(logging.WARNING, logger="gmail_assistant.settings"):
        load_settings()
    assert any("'nope'" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("text", "variable"),
    [
        ("- a list\n", "GMA_CONFIG_FILE"),
        ("server: [unclosed\n", "GMA_CONFIG_FILE"),
        ("database:\n  backend: mysql\n", "GMA_DB_BACKEND"),
        ("routing:\n  rules:\n    - {route: somewhere}\n", "GMA_ROUTING_RULES_ROUTE"),
    ],
)
def test_bad_files_fail_naming_the_variable(tmp_path: Path, text: str, variable: str) -> None:
    write(tmp_path, text)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert str(info.value).startswith(variable + ":"), info.value


def test_the_shipped_example_reads_without_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    example = Path(__file__).resolve().parents[2] / "config" / "app.example.yml"
    monkeypatch.setenv("GMA_CONFIG_FILE", str(example))
    monkeypatch.setenv("GMA_DB_SQLITE_PATH", str(tmp_path / "inbox.db"))
    with caplog.at_level(logging.WARNING, logger="gmail_assistant.settings"):
        s = load_settings()
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    assert s.routing.rules and s.agent.profiles  # the example shows both v2.3.0 sections


def test_the_shipped_example_profiles_resolve_without_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its prompt file ships beside it and every tool it names is declared or built in."""
    from gmail_assistant.agent.profiles import resolve_profiles

    repo = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("GMA_CONFIG_FILE", str(repo / "config" / "app.example.yml"))
    monkeypatch.setenv("GMA_DB_SQLITE_PATH", str(tmp_path / "inbox.db"))
    s = load_settings()
    profiles = resolve_profiles(s.agent, agent_model=s.llm.agent_model, base=repo)
    assert {name: p.problems for name, p in profiles.items()} == {"pharmacy": ()}
    assert "pharmacy" in profiles["pharmacy"].system_prompt
