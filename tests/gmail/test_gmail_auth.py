"""Credential loading: clear errors, token refresh against the emulator's /token, token cache."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from gmail_doubles import OWNER

from gmail_assistant.gmail.auth import (
    GMAIL_MODIFY,
    CachingUserCredentials,
    _write_cache,
    load_credentials,
)
from gmail_assistant.gmail.errors import GmailAuthError
from gmail_assistant.gmail.factory import GmailClientFactory, build_gmail_client
from gmail_assistant.settings import AuthSettings, GmailSettings, Settings


def token_info(token_uri: str, **extra: Any) -> dict[str, Any]:
    return {
        "refresh_token": f"emu-refresh:{OWNER}",
        "client_id": "client-123.apps.googleusercontent.com",
        "client_secret": "not-a-secret",
        "token_uri": token_uri,
        "scopes": [GMAIL_MODIFY],
        **extra,
    }


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


@pytest.fixture
def read_only_config(tmp_path: Path) -> Iterator[Path]:
    """A config folder like the production Secret mount: files 0400, folder 0555."""
    folder = tmp_path / "config"
    folder.mkdir()
    yield folder
    folder.chmod(0o755)  # let pytest clean up


def seal(folder: Path) -> None:
    for path in folder.iterdir():
        path.chmod(0o400)
    folder.chmod(0o555)


def settings_for(emu: Any, auth: AuthSettings) -> Settings:
    return Settings(auth=auth, gmail=GmailSettings(api_endpoint=emu.url))


def test_personal_oauth_refreshes_against_emulator_and_writes_only_the_cache(
    emu: Any, tmp_path: Path, read_only_config: Path
) -> None:
    token_file = read_only_config / "token.json"
    token_file.write_text(json.dumps(token_info(f"{emu.url}/token")))
    seal(read_only_config)
    before = snapshot(read_only_config)
    cache = tmp_path / "state" / "token-cache.json"
    auth = AuthSettings(token_file=token_file, token_cache_file=cache)

    with closing(build_gmail_client(settings_for(emu, auth), OWNER)) as client:
        assert asyncio.run(client.get_profile()).email == OWNER
    assert emu.calls()["token_refreshes"] == 1

    assert snapshot(read_only_config) == before  # not a byte written to the config mount
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    cached = json.loads(cache.read_text())
    assert cached["token"] == f"emu:{OWNER}"
    assert "refresh_token" not in cached and "client_secret" not in cached
    assert datetime.fromisoformat(cached["expiry"]) > datetime.now(UTC).replace(tzinfo=None)

    # A restart picks the cached token up: no second refresh.
    with closing(build_gmail_client(settings_for(emu, auth), OWNER)) as again:
        assert asyncio.run(again.get_profile()).email == OWNER
    assert emu.calls()["token_refreshes"] == 1


def test_refresh_without_cache_keeps_token_in_memory(
    emu: Any, tmp_path: Path, read_only_config: Path
) -> None:
    token_file = read_only_config / "token.json"
    token_file.write_text(json.dumps(token_info(f"{emu.url}/token")))
    seal(read_only_config)
    before = snapshot(read_only_config)
    factory = GmailClientFactory(settings=settings_for(emu, AuthSettings(token_file=token_file)))
    client = factory.for_user(OWNER)
    assert factory.for_user(OWNER.upper()) is client
    asyncio.run(client.get_profile())
    asyncio.run(client.list_labels())
    factory.close()
    assert emu.calls()["token_refreshes"] == 1
    assert snapshot(read_only_config) == before


def test_refused_refresh_is_an_auth_error_without_retries(emu: Any, tmp_path: Path) -> None:
    token_file = tmp_path / "token.json"
    token_file.write_text(json.dumps(token_info(f"{emu.url}/no-such-token-endpoint")))
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    settings = settings_for(emu, AuthSettings(token_file=token_file))
    with (
        closing(build_gmail_client(settings, OWNER, sleep=sleep)) as client,
        pytest.raises(GmailAuthError),
    ):
        asyncio.run(client.get_profile())
    assert sleeps == []
    assert emu.calls()["total_calls"] == 0


def test_stale_or_foreign_cache_is_ignored(tmp_path: Path) -> None:
    token_file = tmp_path / "token.json"
    soon = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=5)
    later = soon + timedelta(minutes=30)
    info = token_info(
        "https://oauth2.googleapis.com/token", token="from-file", expiry=f"{soon.isoformat()}Z"
    )
    token_file.write_text(json.dumps(info))
    cache = tmp_path / "cache.json"
    auth = AuthSettings(token_file=token_file, token_cache_file=cache)

    creds = load_credentials(auth)
    assert isinstance(creds, CachingUserCredentials) and creds.token == "from-file"

    creds.token, creds.expiry = "from-cache", later
    _write_cache(cache, creds)
    assert load_credentials(auth).token == "from-cache"  # newer than the file's

    info = token_info("https://oauth2.googleapis.com/token", refresh_token="re-authorised")
    token_file.write_text(json.dumps(info))
    assert load_credentials(auth).token is None  # cache belongs to the old refresh token

    cache.write_text("{not json")
    assert load_credentials(auth).refresh_token == "re-authorised"


def test_token_uri_from_file_is_honoured_but_must_be_safe(tmp_path: Path) -> None:
    token_file = tmp_path / "token.json"
    token_file.write_text(json.dumps(token_info("http://127.0.0.1:9/token")))
    creds = load_credentials(AuthSettings(token_file=token_file))
    assert creds.token_uri == "http://127.0.0.1:9/token"  # type: ignore[attr-defined]
    assert creds.scopes == [GMAIL_MODIFY]  # type: ignore[attr-defined]

    token_file.write_text(json.dumps(token_info("http://evil.example/token")))
    with pytest.raises(GmailAuthError, match="GMA_AUTH_TOKEN_FILE"):
        load_credentials(AuthSettings(token_file=token_file))


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (None, "does not exist"),
        ("{broken", "cannot read"),
        ("[1, 2]", "JSON object"),
        ('{"client_id": "x"}', "not an authorized-user token"),
    ],
)
def test_bad_token_file_names_the_variable(tmp_path: Path, content: str | None, match: str) -> None:
    token_file = tmp_path / "token.json"
    if content is not None:
        token_file.write_text(content)
    with pytest.raises(GmailAuthError, match="GMA_AUTH_TOKEN_FILE") as caught:
        load_credentials(AuthSettings(token_file=token_file))
    assert match in str(caught.value)


def _service_account_key(token_uri: str) -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "type": "service_account",
        "project_id": "demo",
        "private_key_id": "key-1",
        "private_key": pem,
        "client_email": "assistant@demo.iam.gserviceaccount.com",
        "client_id": "1234",
        "token_uri": token_uri,
    }


def test_service_account_impersonates_the_user(emu: Any, tmp_path: Path) -> None:
    key_file = tmp_path / "sa.json"
    key_file.write_text(json.dumps(_service_account_key(f"{emu.url}/token")))
    auth = AuthSettings(mode="service_account", credentials_file=key_file)
    with closing(build_gmail_client(settings_for(emu, auth), OWNER)) as client:
        assert asyncio.run(client.get_profile()).email == OWNER
    assert emu.calls()["token_refreshes"] == 1


def test_bad_service_account_config_names_the_variable(tmp_path: Path) -> None:
    missing = AuthSettings(mode="service_account", credentials_file=tmp_path / "nope.json")
    with pytest.raises(GmailAuthError, match="GMA_AUTH_CREDENTIALS_FILE"):
        load_credentials(missing, subject=OWNER)
    key_file = tmp_path / "sa.json"
    key_file.write_text('{"type": "service_account"}')
    broken = AuthSettings(mode="service_account", credentials_file=key_file)
    with pytest.raises(GmailAuthError, match="GMA_AUTH_CREDENTIALS_FILE"):
        load_credentials(broken, subject=OWNER)
    with pytest.raises(GmailAuthError, match="GMA_AUTH_SUBJECT"):
        load_credentials(broken)
