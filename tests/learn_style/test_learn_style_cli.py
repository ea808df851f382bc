"""`gmail-assistant learn-style` as the owner runs it: diff first, settings only with --apply."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sync_support import write_token_file
from typer.testing import CliRunner

from dbfixtures import migrated_database
from gmail_assistant.cli import _register, app
from gmail_assistant.demo.mailbox import deliver_all, load_mailbox
from gmail_assistant.users import UserService


@pytest.fixture
def cli_env(emu: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    _register()
    owner, mails = load_mailbox()
    deliver_all(emu.state, owner, mails)
    token = write_token_file(tmp_path / "config", emu.url)
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "GMA_DB_SQLITE_PATH": str(tmp_path / "cli.db"),
        "GMA_GMAIL_API_ENDPOINT": emu.url,
        "GMA_GMAIL_QUOTA_UNITS_PER_SECOND": "100000",
        "GMA_AUTH_TOKEN_FILE": str(token),
        "GMA_AUTH_CREDENTIALS_FILE": str(token.parent / "credentials.json"),
        "GMA_LLM_CLASSIFY_MODEL": "offline/classify",
        "GMA_LLM_DRAFT_MODEL": "offline/draft",
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path / "cli.db"


def _stored(path: Path) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        async with migrated_database(f"sqlite+aiosqlite:///{path}") as db:
            users = UserService(database=db)
            user = await users.get_by_email("owner@example.com")
            assert user is not None
            return await users.stored_settings(user.id)

    return asyncio.run(read())


def test_diff_then_apply(cli_env: Path) -> None:
    runner = CliRunner()
    onboard = runner.invoke(app, ["onboard", "owner@example.com"])
    assert onboard.exit_code == 0, onboard.output

    shown = runner.invoke(app, ["learn-style", "--user", "owner@example.com"])
    assert shown.exit_code == 0, shown.output
    assert "owner@example.com: 10 sent replies (in:sent newer_than:1y); cs 4, de 3, en 3" in (
        shown.output
    )
    assert "--- communication_styles (now)" in shown.output
    assert "+  lena.maier@example.de: informal" in shown.output
    assert "nothing was changed; run again with --apply" in shown.output
    assert _stored(cli_env) == {}

    applied = runner.invoke(app, ["learn-style", "--apply", "--since", "2020-01-01"])
    assert applied.exit_code == 0, applied.output
    assert "(in:sent after:2020/01/01)" in applied.output
    assert "applied: communication_styles, contacts written" in applied.output
    stored = _stored(cli_env)
    assert stored["contacts"]["style_overrides"]["lena.maier@example.de"] == "informal"
    assert set(stored["communication_styles"]["styles"]) == {"formal", "business", "informal"}

    again = runner.invoke(app, ["learn-style", "--user", "owner@example.com"])
    assert "no changes: the settings already hold what was learned" in again.output


def test_bad_input_is_named(cli_env: Path) -> None:
    runner = CliRunner()
    bad_date = runner.invoke(app, ["learn-style", "--since", "last week"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
    nobody = runner.invoke(app, ["learn-style", "--user", "nobody@example.com"])
    assert nobody.exit_code == 1
    assert "run `gmail-assistant onboard nobody@example.com` first" in nobody.output
