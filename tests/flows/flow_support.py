"""A whole assistant: the Gmail emulator and the fake LLM over HTTP, a real database, and the
owner acting through the emulator. The assistant runs either in the test process (the real
container with its worker pool) or as the real server process (`uvicorn src.main:app`,
reached over HTTP, its SQLite file read by the test): every flow test runs both ways.
"""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sync_support import OWNER, make_settings  # type: ignore[import-not-found]

from gmail_assistant.container import Container, build_container
from gmail_assistant.db import Database
from gmail_assistant.db.models import Email, EmailEvent, Job, LlmCall
from gmail_assistant.db.types import utcnow
from gmail_assistant.devtools import ServerProcess
from gmail_assistant.jobs import Job as QueuedJob
from gmail_assistant.labels import LABEL_NAMES
from gmail_assistant.settings import Settings
from gmail_assistant_testing.fake_llm import FakeLlm, run_fake_llm
from gmail_emulator.testing import RunningEmulator, run_emulator

__all__ = ["OWNER", "Stack", "World", "world_for"]


@contextmanager
def servers() -> Iterator[tuple[RunningEmulator, FakeLlm]]:
    with run_emulator() as emulator, run_fake_llm() as fake:
        yield emulator, fake


@dataclass
class Stack:
    """The outside world of a flow test, and how the assistant runs against it."""

    emulator: RunningEmulator
    fake: FakeLlm
    process: bool  # True: the real server process; False: the container in this process

    def __iter__(self) -> Iterator[Any]:
        return iter((self.emulator, self.fake))


@dataclass
class World:
    emulator: RunningEmulator
    fake: FakeLlm
    user_id: int
    database: Database  # the assistant's database (the server's file, for a process)
    container: Container | None = None  # in-process only
    server: ServerProcess | None = None  # server process only

    # --- the owner and the outside world, through the emulator -------------------------
    def deliver(self, **fields: Any) -> dict[str, Any]:
        fields.setdefault("sender", "Alice Novak <alice@example.org>")
        fields.setdefault("to", OWNER)
        delivery = self.emulator.state.deliver(OWNER, **fields)
        return {
            "id": delivery.id,
            "thread_id": delivery.thread_id,
            "message_id": delivery.message_id,
        }

    def box(self) -> dict[str, Any]:
        return self.emulator.state.dump(OWNER)["mailboxes"][OWNER]  # type: ignore[no-any-return]

    def label_id(self, key: str) -> str:
        for label in self.box()["labels"]:
            if label["name"] == LABEL_NAMES[key]:
                return str(label["id"])
        raise KeyError(key)

    def owner_label(self, thread_id: str, add: str = "", remove: str = "") -> None:
        message_id = self.thread_messages(thread_id)[-1]["id"]
        self.emulator.state.owner_modify_labels(
            OWNER,
            message_id,
            add=[LABEL_NAMES[add]] if add else [],
            remove=[LABEL_NAMES[remove]] if remove else [],
        )

    def thread_messages(self, thread_id: str) -> list[dict[str, Any]]:
        return [m for m in self.box()["messages"] if m["threadId"] == thread_id]

    def thread_label_names(self, thread_id: str) -> set[str]:
        found: set[str] = set()
        for message in self.thread_messages(thread_id):
            found |= set(message["labels"])
        return found

    def ai_labels(self, thread_id: str) -> set[str]:
        return {n for n in self.thread_label_names(thread_id) if n.startswith("🤖")}

    def drafts(self, thread_id: str) -> list[dict[str, Any]]:
        return [d for d in self.box()["drafts"] if d.get("threadId") == thread_id]

    def draft_raw(self, thread_id: str) -> email.message.EmailMessage:
        svc = self.emulator.service(OWNER)
        (draft,) = self.drafts(thread_id)
        full = svc.users().drafts().get(userId="me", id=draft["id"], format="raw").execute()
        raw = base64.urlsafe_b64decode(full["message"]["raw"] + "==")
        return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]

    def edit_draft(self, thread_id: str, body: str) -> None:
        (draft,) = self.drafts(thread_id)
        self.emulator.state.owner_edit_draft(OWNER, draft["id"], body=body)

    def send_draft(self, thread_id: str, *, mode: str | None = None) -> None:
        """The owner sends the draft; ``mode`` is how Gmail shows it (emulator send modes)."""
        (draft,) = self.drafts(thread_id)
        self.emulator.state.owner_send_draft(OWNER, draft["id"], mode=mode)

    def safety_violations(self) -> int:
        return int(self.emulator.calls()["safety_violations"])

    # --- the assistant -------------------------------------------------------------------
    async def sync(self, *, full: bool = False) -> None:
        if self.server is not None:
            async with httpx.AsyncClient(base_url=self.server.url, timeout=30) as client:
                response = await client.post(
                    "/api/sync", params={"user_id": self.user_id, "full": full}
                )
                assert response.status_code == 202, response.text
        else:
            assert self.container is not None
            await self.container.queue.enqueue(
                "sync", user_id=self.user_id, payload={"full": full}, replace_pending=full
            )
        await self.idle()

    async def idle(self, timeout: float = 60.0) -> None:
        """Wait until no job is pending or running (three quiet looks in a row)."""
        deadline = asyncio.get_running_loop().time() + timeout
        quiet = 0
        while asyncio.get_running_loop().time() < deadline:
            busy = await self._busy_jobs()
            quiet = 0 if busy else quiet + 1
            if quiet >= 3:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"queue not idle after {timeout}s: {await self._busy_jobs()} busy")

    async def run_again(self, rows: list[Job]) -> None:
        """Run finished jobs once more, as a retry after a crash would (attempts + 1)."""
        if self.container is not None:
            for row in rows:
                job = QueuedJob(
                    id=row.id,
                    job_type=row.job_type,
                    user_id=row.user_id,
                    thread_id=row.thread_id,
                    payload=row.payload,
                    attempts=row.attempts + 1,
                )
                await self.container.registry.require(row.job_type).handler(job)
            return
        # The server's workers take them again: back to pending, one per (type, thread) at a
        # time (the pending de-duplication index allows no more).
        latest = {(row.job_type, row.thread_id): row for row in rows}
        for row in latest.values():
            async with self.database.transaction() as session:
                await session.execute(
                    update(Job)
                    .where(Job.id == row.id)
                    .values(status="pending", run_after=utcnow(), locked_by=None)
                )
            await self.idle()

    async def _busy_jobs(self) -> int:
        async with self.database.read() as session:
            busy = await session.execute(
                select(func.count()).where(Job.status.in_(("pending", "running")))
            )
            return int(busy.scalar_one())

    async def email(self, thread_id: str) -> Email:
        async with self.database.read() as session:
            return (
                await session.execute(select(Email).where(Email.gmail_thread_id == thread_id))
            ).scalar_one()

    async def events(self, thread_id: str) -> list[str]:
        async with self.database.read() as session:
            rows = await session.execute(
                select(EmailEvent.event_type)
                .where(EmailEvent.thread_id == thread_id)
                .order_by(EmailEvent.id)
            )
            return list(rows.scalars())

    async def llm_calls(self, thread_id: str | None = None) -> list[LlmCall]:
        async with self.database.read() as session:
            query = select(LlmCall).order_by(LlmCall.id)
            if thread_id is not None:
                query = query.where(LlmCall.thread_id == thread_id)
            return list((await session.execute(query)).scalars())

    async def jobs(self, status: str | None = None) -> list[Job]:
        async with self.database.read() as session:
            query = select(Job).order_by(Job.id)
            if status:
                query = query.where(Job.status == status)
            return list((await session.execute(query)).scalars())


@asynccontextmanager
async def world_for(
    tmp_path: Path,
    db_url: str,
    emulator: RunningEmulator,
    fake: FakeLlm,
    monkeypatch: pytest.MonkeyPatch,
    *,
    process: bool = False,
    **settings: dict[str, Any],
) -> AsyncIterator[World]:
    monkeypatch.setenv("OPENAI_API_KEY", "placeholder-test-key")
    sections: dict[str, dict[str, Any]] = {
        "llm": {
            "classify_model": "openai/fake-classify",
            "draft_model": "openai/fake-draft",
            "context_model": "openai/fake-context",
            "api_base": fake.base_url,
            "max_retries": 2,
            "timeout_seconds": 5,
            **settings.pop("llm", {}),
        },
        "jobs": {"poll_interval_seconds": 0.2, **settings.pop("jobs", {})},
        "server": {"workers_enabled": True, **settings.pop("server", {})},
        **settings,
    }
    config = make_settings(tmp_path, emulator.url, db_url, **sections)
    if process:
        async with _server_world(tmp_path, config, emulator, fake, sections) as world:
            yield world
        return
    container = build_container(config)
    await container.start()
    try:
        result = await container.sync.onboarding.run(OWNER)
        user = await container.users.get_by_email(OWNER)
        assert user is not None, result
        yield World(
            emulator=emulator,
            fake=fake,
            user_id=user.id,
            database=container.database,
            container=container,
        )
    finally:
        await container.stop()
        container.gmail.close()


@asynccontextmanager
async def _server_world(
    tmp_path: Path,
    config: Settings,
    emulator: RunningEmulator,
    fake: FakeLlm,
    sections: dict[str, dict[str, Any]],
) -> AsyncIterator[World]:
    """The same settings as environment variables for `uvicorn src.main:app`."""
    env = {
        f"GMA_{section.upper()}_{name.upper()}": str(value).lower()
        if isinstance(value, bool)
        else str(value)
        for section, values in sections.items()
        for name, value in values.items()
    }
    env.update(
        {
            "GMA_DB_BACKEND": config.db.backend,
            "GMA_DB_SQLITE_PATH": str(config.db.sqlite_path),
            "GMA_DB_POSTGRESQL_URL": config.db.postgresql_url,
            "GMA_GMAIL_API_ENDPOINT": emulator.url,
            "GMA_GMAIL_QUOTA_UNITS_PER_SECOND": "100000",
            "GMA_AUTH_TOKEN_FILE": str(config.auth.token_file),
            "GMA_AUTH_CREDENTIALS_FILE": str(config.auth.credentials_file),
            "GMA_SERVER_SCHEDULER_ENABLED": "false",
            "GMA_CONFIG_FILE": str(tmp_path / "none.yml"),
            "OPENAI_API_KEY": "placeholder-test-key",
        }
    )
    server = ServerProcess(env=env, log_path=tmp_path / "server.log")
    await asyncio.to_thread(server.start, 120)
    database = Database(url=config.db.sqlalchemy_url())
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            response = await client.post("/api/auth/init", params={"email": OWNER})
            assert response.status_code == 200, response.text
        yield World(
            emulator=emulator,
            fake=fake,
            user_id=int(response.json()["user_id"]),
            database=database,
            server=server,
        )
    finally:
        await database.dispose()
        await asyncio.to_thread(server.terminate)
