"""A whole assistant in one test process: the Gmail emulator and the fake LLM over HTTP, a real
database, the real container with its worker pool, and the owner acting through the emulator.
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

import pytest
from sqlalchemy import select
from sync_support import OWNER, make_settings  # type: ignore[import-not-found]

from gmail_assistant.container import Container
from gmail_assistant.db.models import Email, EmailEvent, Job, LlmCall
from gmail_assistant.labels import LABEL_NAMES
from gmail_assistant.llm.fake_server import FakeLlm, run_fake_llm
from gmail_assistant.sync.install import components_of
from gmail_emulator.testing import RunningEmulator, run_emulator

__all__ = ["OWNER", "World", "world_for"]


@contextmanager
def servers() -> Iterator[tuple[RunningEmulator, FakeLlm]]:
    with run_emulator() as emulator, run_fake_llm() as fake:
        yield emulator, fake


@dataclass
class World:
    container: Container
    emulator: RunningEmulator
    fake: FakeLlm
    user_id: int

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

    def send_draft(self, thread_id: str) -> None:
        (draft,) = self.drafts(thread_id)
        self.emulator.state.owner_send_draft(OWNER, draft["id"])

    def safety_violations(self) -> int:
        return int(self.emulator.calls()["safety_violations"])

    # --- the assistant -------------------------------------------------------------------
    async def sync(self, *, full: bool = False) -> None:
        await self.container.queue.enqueue(
            "sync", user_id=self.user_id, payload={"full": full}, replace_pending=full
        )
        await self.idle()

    async def idle(self, timeout: float = 60.0) -> None:
        """Wait until no job is pending (and due) or running."""
        deadline = asyncio.get_running_loop().time() + timeout
        quiet = 0
        while asyncio.get_running_loop().time() < deadline:
            counts = await self.container.queue.counts()
            due = await self.container.queue.next_run_after()
            busy = counts.running or (counts.pending and due is not None)
            quiet = 0 if busy else quiet + 1
            if quiet >= 3:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(
            f"queue not idle after {timeout}s: {await self.container.queue.counts()}"
        )

    async def email(self, thread_id: str) -> Email:
        async with self.container.database.read() as session:
            return (
                await session.execute(select(Email).where(Email.gmail_thread_id == thread_id))
            ).scalar_one()

    async def events(self, thread_id: str) -> list[str]:
        async with self.container.database.read() as session:
            rows = await session.execute(
                select(EmailEvent.event_type)
                .where(EmailEvent.thread_id == thread_id)
                .order_by(EmailEvent.id)
            )
            return list(rows.scalars())

    async def llm_calls(self, thread_id: str | None = None) -> list[LlmCall]:
        async with self.container.database.read() as session:
            query = select(LlmCall).order_by(LlmCall.id)
            if thread_id is not None:
                query = query.where(LlmCall.thread_id == thread_id)
            return list((await session.execute(query)).scalars())

    async def jobs(self, status: str | None = None) -> list[Job]:
        async with self.container.database.read() as session:
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
    **settings: dict[str, Any],
) -> AsyncIterator[World]:
    monkeypatch.setenv("OPENAI_API_KEY", "placeholder-test-key")
    llm = {
        "classify_model": "openai/fake-classify",
        "draft_model": "openai/fake-draft",
        "context_model": "openai/fake-context",
        "api_base": fake.base_url,
        "max_retries": 2,
        "timeout_seconds": 5,
        **settings.pop("llm", {}),
    }
    jobs = {"poll_interval_seconds": 0.2, **settings.pop("jobs", {})}
    server = {"workers_enabled": True, **settings.pop("server", {})}
    config = make_settings(tmp_path, emulator.url, db_url, llm=llm, jobs=jobs, server=server)
    container = Container.build(config)
    await container.start()
    try:
        result = await components_of(container).onboarding.run(OWNER)
        user = await container.users.get_by_email(OWNER)
        assert user is not None, result
        yield World(container=container, emulator=emulator, fake=fake, user_id=user.id)
    finally:
        await container.stop()
        container.gmail.close()
