"""Operator commands: reset-db's guards, and label/draft cleanup against the Gmail emulator."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from gmail_assistant.cli import _register, app
from gmail_assistant.cli.ops import clean_drafts, clean_labels
from gmail_assistant.container import Container, build_container
from gmail_assistant.db.migrate import upgrade
from gmail_assistant.db.models import Email, EmailEvent, User
from gmail_assistant.labels import LABEL_NAMES
from gmail_assistant.settings import load_settings

OWNER = "owner@example.com"
_register()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db_path = tmp_path / "data" / "inbox.db"
    monkeypatch.setenv("GMA_DB_SQLITE_PATH", str(db_path))
    monkeypatch.setenv("GMA_CONFIG_FILE", str(tmp_path / "none.yml"))
    return db_path


def _seed(db_path: Path) -> None:
    import asyncio

    async def seed() -> None:
        container = build_container(load_settings(db={"sqlite_path": str(db_path)}))
        await upgrade(container.database)
        async with container.database.transaction() as session:
            user = User(email=OWNER)
            session.add(user)
            await session.flush()
            session.add(Email(user_id=user.id, gmail_thread_id="t", gmail_message_id="m"))
        await container.database.dispose()

    asyncio.run(seed())


def _counts(db_path: Path) -> tuple[int, int]:
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        users = conn.execute("SELECT count(*) FROM users").fetchone()[0]
        emails = conn.execute("SELECT count(*) FROM emails").fetchone()[0]
    return users, emails


def test_reset_db_in_development_asks_once(env: Path) -> None:
    _seed(env)
    runner = CliRunner()
    declined = runner.invoke(app, ["reset-db"], input="n\n")
    assert declined.exit_code == 1
    assert _counts(env) == (1, 1)
    accepted = runner.invoke(app, ["reset-db"], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "emails: 1 rows deleted" in accepted.output
    assert _counts(env) == (1, 0)
    assert runner.invoke(app, ["reset-db", "--yes", "--everything"]).exit_code == 0
    assert _counts(env) == (0, 0)


def test_reset_db_in_production_needs_the_flag_and_the_name(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(env)
    monkeypatch.setenv("GMA_ENVIRONMENT", "production")
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")  # production refuses to start without
    runner = CliRunner()
    no_flag = runner.invoke(app, ["reset-db", "--yes"])
    assert no_flag.exit_code == 2
    assert "--yes-i-am-sure" in no_flag.output
    wrong = runner.invoke(app, ["reset-db", "--yes-i-am-sure"], input="prod.db\n")
    assert wrong.exit_code == 1
    assert "does not match" in wrong.output
    assert _counts(env) == (1, 1)
    right = runner.invoke(app, ["reset-db", "--yes-i-am-sure"], input="inbox.db\n")
    assert right.exit_code == 0, right.output
    assert _counts(env) == (1, 0)


# -- against the emulator ----------------------------------------------------------------------


@pytest.fixture
def emulator(emu: Any) -> Any:
    return emu


def _container(tmp_path: Path, url: str) -> Container:
    token = tmp_path / "config" / "token.json"
    token.parent.mkdir(parents=True, exist_ok=True)
    token.write_text(
        json.dumps(
            {
                "type": "authorized_user", "client_id": "id", "client_secret": "x",
                "refresh_token": f"emu-refresh:{OWNER}", "token_uri": f"{url}/token",
            }
        )
    )  # fmt: skip
    settings = load_settings(
        db={"sqlite_path": str(tmp_path / "data" / "inbox.db")},
        gmail={"api_endpoint": url, "quota_units_per_second": 100_000},
        auth={"token_file": str(token), "credentials_file": str(token)},
    )
    return build_container(settings)


def _control(url: str, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, f"{url}/_emulator{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


@pytest.mark.anyio
async def test_cleanup_labels_removes_only_ai_labels(emulator: Any, tmp_path: Path) -> None:
    container = _container(tmp_path, emulator.url)
    await upgrade(container.database)
    client = container.gmail.for_user(OWNER)
    ids = await client.ensure_labels([*LABEL_NAMES.values(), "Personal"])
    first = emulator.deliver(OWNER, subject="one", body="x")
    second = emulator.deliver(OWNER, subject="two", body="y")
    m1, m2 = first.id, second.id
    await client.modify_message(m1, add=[ids["🤖 AI"], ids["🤖 AI/FYI"], ids["Personal"]])
    await client.modify_message(m2, add=[ids["🤖 AI/Outbox"]])
    lines: list[str] = []
    try:
        dry = await clean_labels(container, [OWNER], apply=False, echo=lines.append)
        assert dry[0].total == 3 and dry[0].removed == 0
        assert (await client.get_message_metadata(m1)).label_ids.count(ids["🤖 AI/FYI"]) == 1
        done = await clean_labels(container, [OWNER], apply=True, echo=lines.append)
        assert done[0].removed == 3
        left1 = set((await client.get_message_metadata(m1)).label_ids)
        left2 = set((await client.get_message_metadata(m2)).label_ids)
        assert ids["Personal"] in left1 and "INBOX" in left1
        assert not (left1 | left2) & {ids[name] for name in LABEL_NAMES.values()}
        assert any("🤖 AI/FYI: 1 message" in line for line in lines)
    finally:
        container.gmail.close()
        await container.database.dispose()


def _raw(subject: str) -> str:
    message = f"To: {OWNER}\r\nSubject: {subject}\r\n\r\nbody\r\n".encode()
    return base64.urlsafe_b64encode(message).decode()


@pytest.mark.anyio
async def test_cleanup_drafts_deletes_only_the_assistants(emulator: Any, tmp_path: Path) -> None:
    container = _container(tmp_path, emulator.url)
    await upgrade(container.database)
    client = container.gmail.for_user(OWNER)
    mail = emulator.deliver(OWNER, subject="please reply", body="x")
    ours = await client.create_draft(mail.thread_id, _raw("Re: please reply"))
    owners = await client.create_draft(None, _raw("my own draft"))
    async with container.database.transaction() as session:
        user = User(email=OWNER)
        session.add(user)
        await session.flush()
        row = Email(
            user_id=user.id, gmail_thread_id=mail.thread_id, gmail_message_id=mail.id,
            status="drafted", draft_id=ours.id,
        )  # fmt: skip
        session.add(row)
    lines: list[str] = []
    try:
        dry = await clean_drafts(container, [OWNER], apply=False, echo=lines.append)
        assert [d[1] for d in dry[0].drafts] == [ours.id]
        assert {d.id for d in await client.list_drafts()} == {ours.id, owners.id}
        done = await clean_drafts(container, [OWNER], apply=True, echo=lines.append)
        assert (done[0].deleted, done[0].gone) == (1, 0)
        assert {d.id for d in await client.list_drafts()} == {owners.id}
        async with container.database.read() as session:
            email = (await session.execute(select(Email))).scalar_one()
            events = list((await session.execute(select(EmailEvent))).scalars())
        assert email.draft_id is None
        assert [(e.event_type, e.draft_id) for e in events] == [("draft_trashed", ours.id)]
        again = await clean_drafts(container, [OWNER], apply=True, echo=lines.append)
        assert again[0].drafts == []
    finally:
        container.gmail.close()
        await container.database.dispose()
