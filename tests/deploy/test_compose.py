"""docker-compose.yml and .env.example: single-host setup, placeholders only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((REPO / "docker-compose.yml").read_text()))


def test_app_service(compose: dict[str, Any]) -> None:
    app = compose["services"]["app"]
    assert "profiles" not in app, "the app starts without any profile"
    assert app["env_file"] == ".env"
    assert "8000:8000" in app["ports"]
    assert "./data:/app/data" in app["volumes"]
    assert "./config:/app/config:ro" in app["volumes"]
    assert app["restart"] in ("unless-stopped", "always")
    assert "/api/health" in " ".join(app["healthcheck"]["test"])
    # `docker compose up` builds this checkout; it never pulls a released image.
    assert app["build"] == "."
    assert app["pull_policy"] == "build"
    assert "ghcr.io/" not in app.get("image", "")


def test_postgres_is_an_optional_profile(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"] == "postgres:16"
    assert postgres["profiles"] == ["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    dependency = compose["services"]["app"]["depends_on"]["postgres"]
    assert dependency == {"condition": "service_healthy", "required": False}
    example = (REPO / ".env.example").read_text()
    assert "GMA_DB_BACKEND=postgresql" in example
    assert re.search(r"GMA_DB_POSTGRESQL_URL=postgresql://\S+@postgres:5432/", example)


PLACEHOLDER = re.compile(r"replace-me|your-project|example\.com|^$")
SAFE_DEFAULTS = {"GMA_ENVIRONMENT", "GMA_SERVER_LOG_LEVEL", "GMA_SERVER_ADMIN_USER"}


def test_env_example_has_only_placeholders() -> None:
    entries = {}
    for line in (REPO / ".env.example").read_text().splitlines():
        line = line.lstrip("# ").strip()
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            name, _, value = line.partition("=")
            entries[name] = value
    assert entries["GEMINI_API_KEY"] == "replace-me"
    for name, value in entries.items():
        secretish = re.search(r"KEY|PASSWORD|TOKEN|DSN|SECRET", name)
        if secretish:
            assert PLACEHOLDER.search(value), f"{name} must be a placeholder, got {value!r}"
        elif name not in SAFE_DEFAULTS and not name.startswith(("GMA_LLM_", "GMA_DB_BACKEND")):
            assert PLACEHOLDER.search(value) or value.startswith(("https://s3.", "eu-", "gma")), (
                name
            )


def test_env_file_stays_out_of_git() -> None:
    ignored = (REPO / ".gitignore").read_text().splitlines()
    assert ".env" in ignored


def test_app_example_yml_is_valid_for_the_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import os

    from gmail_assistant.settings import load_settings

    for name in list(os.environ):
        if name.startswith("GMA_"):
            monkeypatch.delenv(name)
    example = REPO / "config" / "app.example.yml"
    monkeypatch.setenv("GMA_CONFIG_FILE", str(example))
    monkeypatch.setenv("GMA_DB_SQLITE_PATH", str(tmp_path / "inbox.db"))
    settings = load_settings()  # sections forbid unknown keys: a stale example fails here
    raw = yaml.safe_load(example.read_text())
    assert settings.server.worker_concurrency == raw["server"]["worker_concurrency"]
    # Secrets belong in the environment, never in the example file.
    assert settings.server.admin_password == "" and settings.webhook.token == ""
