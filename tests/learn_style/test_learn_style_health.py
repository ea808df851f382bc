"""The monthly run's proposal on the health page: shown with its diff, never applied."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from api_support import build_app, running
from learn_style_support import OFFLINE_LLM
from sync_support import make_settings

from gmail_assistant.demo.mailbox import deliver_all, load_mailbox

pytestmark = pytest.mark.anyio


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_health_page_shows_the_waiting_proposal(emu: Any, tmp_path: Path) -> None:
    owner, mails = load_mailbox()
    deliver_all(emu.state, owner, mails)
    url = f"sqlite+aiosqlite:///{tmp_path / 'health.db'}"
    app = build_app(make_settings(tmp_path, emu.url, url, llm=OFFLINE_LLM))
    async with running(app) as client:
        container = app.state.container
        before = _text((await client.get("/debug/health")).text)
        await container.sync.onboarding.run(owner)
        assert await container.style_learner.propose_for_all() == 1
        page = _text((await client.get("/debug/health")).text)
        settings = (await client.get("/api/users/1/settings")).json()

    assert "Style proposals" not in before
    section = page.split("Style proposals", 1)[1]
    assert "owner@example.com (10 replies," in section
    assert "sender ondra.kral@example.cz → informal (1 replies)" in section
    assert "+ ondra.kral@example.cz: informal" in section
    assert "gmail-assistant learn-style --user owner@example.com --apply" in section
    assert set(settings) == {"style_proposal"}  # nothing applied
