"""`gmail-assistant auth login --headless` and `auth status`, fully offline."""

from __future__ import annotations

import json
import re
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from gmail_doubles import OWNER
from typer.testing import CliRunner

from gmail_assistant.cli import app
from gmail_assistant.cli import auth as _auth  # noqa: F401  (registers the command group)
from gmail_assistant.gmail.auth import GMAIL_MODIFY

CLIENT_ID = "client-123.apps.googleusercontent.com"


class _TokenHandler(BaseHTTPRequestHandler):
    """A local stand-in for Google's token endpoint: answers any authorization code."""

    seen: ClassVar[list[dict[str, list[str]]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        type(self).seen.append(form)
        body = json.dumps(
            {
                "access_token": "access-abc",
                "refresh_token": "refresh-xyz",
                "expires_in": 3599,
                "token_type": "Bearer",
                "scope": GMAIL_MODIFY,
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def token_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _TokenHandler)
    _TokenHandler.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/token"
    server.shutdown()
    server.server_close()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GMA_CONFIG_FILE", str(tmp_path / "absent.yml"))
    monkeypatch.setenv("GMA_DB_SQLITE_PATH", str(tmp_path / "db" / "inbox.db"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return tmp_path


def client_secrets(path: Path, token_uri: str) -> Path:
    path.write_text(
        json.dumps(
            {
                "installed": {
                    "client_id": CLIENT_ID,
                    "client_secret": "secret",
                    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                    "token_uri": token_uri,
                    "redirect_uris": ["http://localhost"],
                }
            }
        )
    )
    return path


def _printed_url(output: str) -> dict[str, list[str]]:
    match = re.search(r"https://accounts\.google\.com/\S+", output)
    assert match, output
    return parse_qs(urlsplit(match.group(0)).query)


def test_headless_login_prints_consent_url_and_writes_nothing_without_code(env: Path) -> None:
    secrets = client_secrets(env / "credentials.json", "https://oauth2.googleapis.com/token")
    token = env / "token.json"
    result = CliRunner().invoke(
        app,
        [
            "auth",
            "login",
            "--headless",
            "--credentials-file",
            str(secrets),
            "--token-file",
            str(token),
        ],
        input="\n",
    )
    assert result.exit_code == 1
    query = _printed_url(result.output)
    assert query["scope"] == [GMAIL_MODIFY]
    assert query["client_id"] == [CLIENT_ID]
    assert query["access_type"] == ["offline"]
    assert query["redirect_uri"][0].startswith("http://localhost")
    assert not token.exists()


def test_headless_login_exchanges_pasted_redirect_url(
    env: Path, token_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the stand-in speaks plain http
    secrets = client_secrets(env / "credentials.json", token_server)
    token = env / "out" / "token.json"
    monkeypatch.setenv("GMA_AUTH_CREDENTIALS_FILE", str(secrets))
    monkeypatch.setenv("GMA_AUTH_TOKEN_FILE", str(token))
    pasted = "http://localhost:8085/?code=4%2Fcode-from-google&scope=" + GMAIL_MODIFY
    result = CliRunner().invoke(app, ["auth", "login", "--headless"], input=pasted + "\n")
    assert result.exit_code == 0, result.output
    assert _TokenHandler.seen[0]["code"] == ["4/code-from-google"]
    assert _TokenHandler.seen[0]["redirect_uri"] == ["http://localhost:8085/"]
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    written = json.loads(token.read_text())
    assert written["refresh_token"] == "refresh-xyz"
    assert written["client_id"] == CLIENT_ID and written["scopes"] == [GMAIL_MODIFY]
    assert "refresh-xyz" not in result.output and "access-abc" not in result.output


def test_login_with_missing_client_file_names_the_variable(env: Path) -> None:
    result = CliRunner().invoke(
        app, ["auth", "login", "--headless", "--credentials-file", str(env / "nope.json")]
    )
    assert result.exit_code == 1
    assert "GMA_AUTH_CREDENTIALS_FILE" in result.output


def test_status_prints_the_account_not_the_token(
    env: Path, emu: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = env / "token.json"
    token.write_text(
        json.dumps(
            {
                "refresh_token": f"emu-refresh:{OWNER}",
                "client_id": CLIENT_ID,
                "client_secret": "secret",
                "token_uri": f"{emu.url}/token",
            }
        )
    )
    monkeypatch.setenv("GMA_AUTH_TOKEN_FILE", str(token))
    monkeypatch.setenv("GMA_GMAIL_API_ENDPOINT", emu.url)
    result = CliRunner().invoke(app, ["auth", "status"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["email"] == OWNER and shown["mode"] == "personal_oauth"
    assert "emu:" not in result.output and "emu-refresh" not in result.output


def test_status_with_missing_token_explains(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GMA_AUTH_TOKEN_FILE", str(env / "missing.json"))
    result = CliRunner().invoke(app, ["auth", "status"])
    assert result.exit_code == 1
    assert "GMA_AUTH_TOKEN_FILE" in result.output and "auth login" in result.output
