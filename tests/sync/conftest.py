"""A started container per test, on the shared emulator (tests/conftest.py `emu`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sync_support import OWNER, make_settings, started


@pytest.fixture
async def env(emu: Any, db_url: str, tmp_path: Path) -> AsyncIterator[Any]:
    settings = make_settings(tmp_path, emu.url, db_url)
    async with started(settings) as (container, components):
        result = await components.onboarding.run(OWNER)
        yield Env(emu=emu, container=container, components=components, user_id=result.user_id)


class Env:
    def __init__(self, *, emu: Any, container: Any, components: Any, user_id: int) -> None:
        self.emu = emu
        self.url: str = emu.url
        self.container = container
        self.components = components
        self.user_id = user_id

    async def sync(self, *, full: bool = False) -> Any:
        return await self.components.sync.run(self.user_id, full=full)

    async def labels(self) -> Any:
        return await self.container.users.labels(self.user_id)

    def gmail(self) -> Any:
        return self.container.gmail.for_user(OWNER)
