"""The demo owner's mailbox in the shared emulator, a started container on the offline model."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync_support import make_settings, started

from gmail_assistant.container import Container
from gmail_assistant.demo.mailbox import DemoMail, deliver_all, load_mailbox
from gmail_assistant.style_learning.quotes import own_text
from gmail_assistant.style_learning.service import StyleLearner
from gmail_assistant.users import UserRecord

__all__ = ["OFFLINE_LLM", "DemoWorld", "demo_world", "dumped", "sent_bodies"]

OFFLINE_LLM = {"classify_model": "offline/classify", "draft_model": "offline/draft"}


@dataclass
class DemoWorld:
    container: Container
    learner: StyleLearner
    user: UserRecord
    mails: list[DemoMail]

    async def stored(self) -> dict[str, Any]:
        return await self.container.users.stored_settings(self.user.id)


def sent_bodies(mails: list[DemoMail]) -> list[str]:
    """The owner's own text of every sent demo mail (what must never be stored whole)."""
    return [own_text(m.body or "") for m in mails if m.sent]


def dumped(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@asynccontextmanager
async def demo_world(
    emu: Any, tmp_path: Path, llm: dict[str, Any] | None = None
) -> AsyncIterator[DemoWorld]:
    """The demo mailbox delivered, the owner onboarded, nothing else run; the offline model
    unless `llm` (settings) says otherwise."""

    owner, mails = load_mailbox()
    deliver_all(emu.state, owner, mails)
    url = f"sqlite+aiosqlite:///{tmp_path / 'learn.db'}"
    settings = make_settings(tmp_path, emu.url, url, llm=llm or OFFLINE_LLM)
    async with started(settings) as (container, components):
        await components.onboarding.run(owner)
        user = await container.users.get_by_email(owner)
        assert user is not None
        yield DemoWorld(container, container.style_learner, user, mails)
