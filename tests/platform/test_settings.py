"""Settings: each seed variable lands in its field, env beats YAML, bad values name it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gmail_assistant.settings import SettingsError, load_settings

SEED = {
    "GMA_ENVIRONMENT": ("production", lambda s: s.environment),
    "GMA_SERVER_LOG_LEVEL": ("warning", lambda s: s.server.log_level),
    "GMA_SERVER_HOST": ("127.0.0.9", lambda s: s.server.host),
    "GMA_SERVER_PORT": ("8123", lambda s: s.server.port),
    "GMA_SERVER_WORKER_CONCURRENCY": ("5", lambda s: s.server.worker_concurrency),
    "GMA_SERVER_ADMIN_USER": ("admin", lambda s: s.server.admin_user),
    "GMA_SERVER_ADMIN_PASSWORD": ("placeholder-pw", lambda s: s.server.admin_password),
    "GMA_DB_BACKEND": ("postgresql", lambda s: s.db.backend),
    "GMA_DB_POSTGRESQL_URL": ("postgresql://u@h/db", lambda s: s.db.postgresql_url),
    "GMA_AUTH_MODE": ("service_account", lambda s: s.auth.mode),
    "GMA_AUTH_CREDENTIALS_FILE": ("/app/config/c.json", lambda s: str(s.auth.credentials_file)),
    "GMA_AUTH_TOKEN_FILE": ("/app/config/t.json", lambda s: str(s.auth.token_file)),
    "GMA_LLM_CLASSIFY_MODEL": ("gemini/x-flash", lambda s: s.llm.classify_model),
    "GMA_LLM_DRAFT_MODEL": ("anthropic/claude-x", lambda s: s.llm.draft_model),
    "GMA_LLM_CONTEXT_MODEL": ("gemini/x-ctx", lambda s: s.llm.context_model),
    "GMA_LLM_API_BASE": ("http://127.0.0.1:9/v1", lambda s: s.llm.api_base),
    "GMA_SENTRY_DSN": ("https://key@bugsink.invalid/1", lambda s: s.sentry.dsn),
    "GMA_SYNC_PUBSUB_TOPIC": ("projects/p/topics/t", lambda s: s.sync.pubsub_topic),
    "GMA_SYNC_FALLBACK_INTERVAL_MINUTES": ("7", lambda s: s.sync.fallback_interval_minutes),
    "GMA_SYNC_FULL_SYNC_INTERVAL_HOURS": ("2", lambda s: s.sync.full_sync_interval_hours),
    "GMA_SYNC_FULL_SYNC_DAYS": ("3", lambda s: s.sync.full_sync_days),
    "GMA_GMAIL_API_ENDPOINT": ("http://127.0.0.1:8025", lambda s: s.gmail.api_endpoint),
}
EXPECTED = {"GMA_SERVER_LOG_LEVEL": "WARNING", "GMA_SERVER_PORT": 8123}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("GMA_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no config/app.yml unless a test writes one


def test_defaults_match_the_design() -> None:
    s = load_settings()
    assert s.environment == "development"
    assert s.server.worker_concurrency == 3
    assert s.db.backend == "sqlite"
    assert s.auth.mode == "personal_oauth"
    assert (s.sync.fallback_interval_minutes, s.sync.full_sync_interval_hours) == (15, 1)
    assert s.sync.full_sync_days == 10
    assert s.gmail.api_endpoint == "https://gmail.googleapis.com"
    assert not s.server.basic_auth_enabled


@pytest.mark.parametrize("name", sorted(SEED))
def test_each_seed_variable_lands_in_its_setting(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    value, read = SEED[name]
    monkeypatch.setenv(name, value)
    if name == "GMA_DB_BACKEND":
        monkeypatch.setenv("GMA_DB_POSTGRESQL_URL", "postgresql://u@h/db")
    if name == "GMA_SERVER_ADMIN_USER":
        monkeypatch.setenv("GMA_SERVER_ADMIN_PASSWORD", "x")
    got = read(load_settings())
    expected = EXPECTED.get(name, value)
    assert str(got) == str(expected) or got == type(got)(value)


def test_environment_beats_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "app.yml").write_text(
        "server:\n  port: 9000\n  host: 10.0.0.1\nsync:\n  full_sync_days: 4\n"
    )
    monkeypatch.setenv("GMA_SERVER_PORT", "9100")
    s = load_settings()
    assert (s.server.port, s.server.host, s.sync.full_sync_days) == (9100, "10.0.0.1", 4)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"GMA_DB_BACKEND": "mysql"}, "GMA_DB_BACKEND"),
        ({"GMA_SERVER_LOG_LEVEL": "loud"}, "GMA_SERVER_LOG_LEVEL"),
        ({"GMA_SERVER_PORT": "eighty"}, "GMA_SERVER_PORT"),
        ({"GMA_SERVER_WORKER_CONCURRENCY": "0"}, "GMA_SERVER_WORKER_CONCURRENCY"),
        ({"GMA_DB_BACKEND": "postgresql"}, "GMA_DB_POSTGRESQL_URL"),
        ({"GMA_DB_SQLITE_PATH": "/proc/forbidden/inbox.db"}, "GMA_DB_SQLITE_PATH"),
        ({"GMA_ENVIRONMENT": "staging"}, "GMA_ENVIRONMENT"),
    ],
)
def test_bad_values_fail_naming_the_variable(
    env: dict[str, str], variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(variable + ":"), message
    assert "\n" not in message


@pytest.mark.parametrize(
    "env",
    [
        {"GMA_ENVIRONMENT": "production"},
        {"GMA_ENVIRONMENT": "production", "GMA_SERVER_ADMIN_USER": "admin"},
        {"GMA_ENVIRONMENT": "production", "GMA_SERVER_ADMIN_PASSWORD": "placeholder-pw"},
    ],
)
def test_production_starts_without_admin_credentials(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The documented secrets carry no admin password: the app starts and stays closed.
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    assert settings.is_production
    assert not settings.server.basic_auth_enabled
