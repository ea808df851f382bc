"""Webhook tests drive the real app over httpx's ASGI transport (no emulator needed)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sync_support import OWNER, make_settings

from gmail_assistant.app import create_app
from gmail_assistant.db.models import SyncState

AppFactory = Callable[..., AbstractAsyncContextManager[Any]]


class AppUnderTest:
    def __init__(self, app: Any, client: httpx.AsyncClient, user_id: int) -> None:
        self.app = app
        self.client = client
        self.user_id = user_id
        self.container = app.state.container
        self.components = self.container.sync


@pytest.fixture
def make_app(tmp_path: Path) -> AppFactory:
    @asynccontextmanager
    async def factory(db_url: str | None = None, **sections: Any) -> AsyncIterator[AppUnderTest]:
        url = db_url or f"sqlite+aiosqlite:///{tmp_path / 'hook.db'}"
        settings = make_settings(tmp_path, "http://127.0.0.1:9", url, **sections)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            container = app.state.container
            user = await container.users.ensure(OWNER)
            async with container.database.transaction() as session:
                session.add(SyncState(user_id=user.id, last_history_id="1000"))
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
                yield AppUnderTest(app, client, user.id)

    return factory
