"""The owner revokes the app's Gmail access: an alert the operator sees, not a retry loop."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from flow_support import OWNER, world_for

pytestmark = pytest.mark.anyio


async def test_a_revoked_grant_fails_jobs_at_once_and_raises_an_alert(
    tmp_path: Path, sqlite_url: str, stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world_for(tmp_path, sqlite_url, *stack, monkeypatch, process=stack.process) as world:
        world.emulator.state.set_token_revoked(OWNER)
        thread = world.deliver(subject="Are you there?", body="Please answer.")["thread_id"]
        await world.sync()

        (failed,) = await world.jobs("failed")
        assert (failed.job_type, failed.attempts) == ("sync", 1)  # not retried
        assert "invalid_grant" in (failed.last_error or "")
        assert await world.jobs("pending") == []
        if world.server is not None:
            async with httpx.AsyncClient(base_url=world.server.url, timeout=30) as client:
                page = (await client.get("/debug/health")).text
                metrics = (await client.get("/metrics")).text
                health = (await client.get("/api/health")).json()
            assert "Gmail access revoked for <strong>owner@example.com</strong>" in page
            assert "gma_gmail_token_revoked_total 1.0" in metrics
            assert health == {"status": "ok"}  # the probes' contract does not change
        else:
            assert world.container is not None
            (alert,) = world.container.gmail.token_alerts.current()
            assert alert.email == OWNER

        # The owner authorises again: the next sync works and the alert is gone.
        world.emulator.state.set_token_revoked(OWNER, revoked=False)
        await world.sync()
        assert (await world.email(thread)).status == "drafted"
        if world.server is not None:
            async with httpx.AsyncClient(base_url=world.server.url, timeout=30) as client:
                assert "Gmail access revoked" not in (await client.get("/debug/health")).text
        else:
            assert world.container is not None
            assert world.container.gmail.token_alerts.current() == []
