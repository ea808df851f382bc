"""Building the real app on a real database for HTTP tests, and seeding rows through the models."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from gmail_assistant.app import create_app
from gmail_assistant.container import build_container
from gmail_assistant.db import Database, utcnow
from gmail_assistant.db.models import (
    AgentRun,
    Email,
    EmailEvent,
    Job,
    LlmCall,
    SyncState,
    User,
)
from gmail_assistant.jobs import Job as QueuedJob
from gmail_assistant.jobs.names import CLASSIFY, SYNC
from gmail_assistant.settings import Settings, load_settings

__all__ = [
    "ADMIN",
    "PASSWORD",
    "build_app",
    "make_settings",
    "running",
    "seed_email",
    "seed_user",
]

ADMIN = "admin"
PASSWORD = "s3cret-pässword"
_ids = itertools.count(1)


def make_settings(
    tmp_path: Path,
    *,
    db_url: str | None = None,
    auth: bool = False,
    environment: str = "development",
) -> Settings:
    server: dict[str, Any] = {"workers_enabled": False, "scheduler_enabled": False}
    if auth:
        server.update(admin_user=ADMIN, admin_password=PASSWORD)
    if db_url and db_url.startswith("postgresql"):
        db: dict[str, Any] = {"backend": "postgresql", "postgresql_url": db_url}
    else:
        path = db_url.split("///", 1)[1] if db_url else str(tmp_path / "data" / "inbox.db")
        db = {"backend": "sqlite", "sqlite_path": path}
    return load_settings(environment=environment, server=server, db=db)


async def _noop(job: QueuedJob) -> None:
    del job


def build_app(settings: Settings) -> FastAPI:
    """The production app; the flows it enqueues for have stand-in handlers where none exist
    yet, and workers are off, so enqueued jobs stay pending for the test to read."""
    container = build_container(settings)
    if container.registry.get(CLASSIFY) is None:
        container.registry.register(CLASSIFY, _noop, scope="thread")
    if container.registry.get(SYNC) is None:
        container.registry.register(SYNC, _noop, scope="user")
    return create_app(settings, container=container)


@asynccontextmanager
async def running(app: FastAPI, **client_options: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan running, and a client talking to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", **client_options
        ) as client:
            yield client


def database(app: FastAPI) -> Database:
    return app.state.container.database  # type: ignore[no-any-return]


async def seed_user(db: Database, email: str = "owner@example.com", **fields: Any) -> int:
    async with db.transaction() as session:
        row = User(email=email, **fields)
        session.add(row)
        await session.flush()
        return row.id


async def seed_email(db: Database, user_id: int, **fields: Any) -> int:
    n = next(_ids)
    values: dict[str, Any] = {
        "gmail_thread_id": f"thread-{n}",
        "gmail_message_id": f"msg-{n}",
        "sender_email": f"sender{n}@example.org",
        "subject": f"Subject {n}",
        "snippet": f"snippet {n}",
        "status": "pending",
        "received_at": utcnow() - timedelta(hours=2),
    }
    values.update(fields)
    async with db.transaction() as session:
        row = Email(user_id=user_id, **values)
        session.add(row)
        await session.flush()
        return row.id


async def seed_rows(db: Database, *rows: Any) -> list[int]:
    async with db.transaction() as session:
        session.add_all(rows)
        await session.flush()
        return [getattr(r, "id", 0) for r in rows]


async def seed_thread_story(db: Database, user_id: int, email_id: int, thread_id: str) -> None:
    """Events, two LLM calls (one failed), a job and an agent run on one thread."""
    t0 = utcnow() - timedelta(minutes=30)
    await seed_rows(
        db,
        Job(job_type="classify", user_id=user_id, thread_id=thread_id, status="completed",
            attempts=1, payload={"message_id": "m"}, created_at=t0),
        EmailEvent(user_id=user_id, email_id=email_id, thread_id=thread_id,
                   event_type="received", created_at=t0 + timedelta(seconds=1)),
        LlmCall(user_id=user_id, email_id=email_id, thread_id=thread_id, purpose="classify",
                model="gemini/gemini-2.0-flash", system_prompt="SYSTEM-PROMPT-TEXT",
                user_prompt="USER-PROMPT-TEXT", response_text='{"category": "needs_response"}',
                prompt_tokens=100, completion_tokens=20, total_tokens=120, latency_ms=250.0,
                cost_usd=0.0012, created_at=t0 + timedelta(seconds=2)),
        LlmCall(user_id=user_id, email_id=email_id, thread_id=thread_id, purpose="draft",
                model="gemini/gemini-2.5-pro", user_prompt="draft it", error="LlmTimeout: slow",
                prompt_tokens=50, completion_tokens=0, latency_ms=1000.0,
                created_at=t0 + timedelta(seconds=3)),
        EmailEvent(user_id=user_id, email_id=email_id, thread_id=thread_id,
                   event_type="classified", detail="needs_response 0.91",
                   created_at=t0 + timedelta(seconds=4)),
        AgentRun(user_id=user_id, email_id=email_id, thread_id=thread_id, profile="pharmacy",
                 status="failed", error="tool exploded", created_at=t0 + timedelta(seconds=5)),
    )  # fmt: skip


async def seed_sync_state(db: Database, user_id: int, **fields: Any) -> None:
    await seed_rows(db, SyncState(user_id=user_id, **fields))


def at(hours_ago: float) -> datetime:
    return utcnow() - timedelta(hours=hours_ago)
