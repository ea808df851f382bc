"""Shared by the sync, webhook and onboarding tests: emulator, settings, container, job rows."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from gmail_assistant.container import Container, SyncComponents, build_container
from gmail_assistant.db.models import Email, Job, SyncState
from gmail_assistant.settings import Settings, load_settings

OWNER = "owner@example.com"


def write_token_file(folder: Path, emulator_url: str, email: str = OWNER) -> Path:
    """An authorized-user token whose refresh goes to the emulator's /token."""
    folder.mkdir(parents=True, exist_ok=True)
    token = folder / "token.json"
    token.write_text(
        json.dumps(
            {
                "type": "authorized_user",
                "client_id": "id",
                "client_secret": "placeholder",
                "refresh_token": f"emu-refresh:{email}",
                "token_uri": f"{emulator_url}/token",
            }
        )
    )
    credentials = folder / "credentials.json"
    credentials.write_text(json.dumps({"installed": {"client_id": "id"}}))
    return token


def db_section(db_url: str, tmp_path: Path) -> dict[str, Any]:
    if db_url.startswith("sqlite"):
        return {"backend": "sqlite", "sqlite_path": db_url.split(":///", 1)[1]}
    return {"backend": "postgresql", "postgresql_url": db_url}


def make_settings(
    tmp_path: Path, emulator_url: str, db_url: str, **sections: dict[str, Any]
) -> Settings:
    token = write_token_file(tmp_path / "config", emulator_url)
    server = {"workers_enabled": False, "scheduler_enabled": False, **sections.pop("server", {})}
    return load_settings(
        db=db_section(db_url, tmp_path),
        gmail={"api_endpoint": emulator_url, "quota_units_per_second": 100_000},
        auth={"token_file": str(token), "credentials_file": str(token.parent / "credentials.json")},
        server=server,
        **sections,
    )


@asynccontextmanager
async def started(settings: Settings) -> AsyncIterator[tuple[Container, SyncComponents]]:
    container = build_container(settings)
    await container.start()
    try:
        yield container, container.sync
    finally:
        await container.stop()
        container.gmail.close()


async def job_rows(container: Container, *, job_type: str | None = None) -> list[Job]:
    async with container.database.read() as session:
        query = select(Job).order_by(Job.id)
        if job_type is not None:
            query = query.where(Job.job_type == job_type)
        return list((await session.execute(query)).scalars())


async def sync_state(container: Container, user_id: int) -> SyncState | None:
    async with container.database.read() as session:
        return await session.get(SyncState, user_id)


async def add_email(
    container: Container,
    user_id: int,
    thread_id: str,
    *,
    status: str = "pending",
    classification: str = "needs_response",
    draft_id: str | None = None,
) -> None:
    async with container.database.transaction() as session:
        session.add(
            Email(
                user_id=user_id,
                gmail_thread_id=thread_id,
                gmail_message_id=thread_id,
                status=status,
                classification=classification,
                draft_id=draft_id,
            )
        )


def control(emulator_url: str, method: str, path: str, body: Any = None) -> Any:
    """The emulator's control API over HTTP (the owner acting in their Gmail client)."""
    response = httpx.request(method, f"{emulator_url}/_emulator{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def owner_labels(
    emulator_url: str,
    *,
    thread_id: str | None = None,
    message_id: str | None = None,
    add: tuple[str, ...] = (),
    remove: tuple[str, ...] = (),
) -> None:
    target = f"threads/{thread_id}" if thread_id else f"messages/{message_id}"
    control(
        emulator_url,
        "POST",
        f"/users/{OWNER}/{target}/labels",
        {"add": list(add), "remove": list(remove)},
    )


def deliver(emulator_url: str, **fields: Any) -> dict[str, Any]:
    fields.setdefault("from", "Alice <alice@example.org>")
    fields.setdefault("subject", "Hello")
    fields.setdefault("body", "Can we meet on Tuesday?")
    result: dict[str, Any] = control(emulator_url, "POST", f"/users/{OWNER}/deliver", fields)
    return result
