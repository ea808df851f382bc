"""DeferredApp: listens before the app exists; health meanwhile; requests wait; failures exit."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gmail_assistant.boot import DeferredApp

pytestmark = pytest.mark.anyio


class Lifespan:
    """Plays uvicorn's side of the ASGI lifespan protocol."""

    def __init__(self, app: DeferredApp) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sent: list[str] = []
        self.started = asyncio.Event()
        self.task = asyncio.create_task(app({"type": "lifespan"}, self.inbox.get, self._send))

    async def _send(self, message: dict[str, Any]) -> None:
        self.sent.append(message["type"])
        if message["type"] == "lifespan.startup.complete":
            self.started.set()

    async def startup(self) -> None:
        await self.inbox.put({"type": "lifespan.startup"})
        await asyncio.wait_for(self.started.wait(), 10)

    async def shutdown(self) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(self.task, 30)


def real_app(events: list[str]) -> FastAPI:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        events.append("started")
        yield
        events.append("stopped")

    app = FastAPI(lifespan=lifespan)

    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/users")
    async def users() -> list[str]:
        return ["owner@example.com"]

    return app


def client(app: DeferredApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_health_answers_while_building_and_requests_wait_for_the_app() -> None:
    events: list[str] = []
    release = asyncio.Event()

    async def build() -> FastAPI:
        await release.wait()  # the slow imports
        return real_app(events)

    deferred = DeferredApp(build)
    lifespan = Lifespan(deferred)
    await lifespan.startup()  # complete at once: uvicorn listens from here
    async with client(deferred) as http:
        starting = await http.get("/api/health")
        assert starting.status_code == 200
        assert starting.json() == {"status": "ok", "starting": True}
        waiting = asyncio.create_task(http.get("/api/users"))
        await asyncio.sleep(0.05)
        assert not waiting.done()  # held, not refused
        release.set()
        answer = await asyncio.wait_for(waiting, 10)
        assert answer.json() == ["owner@example.com"]
        assert (await http.get("/api/health")).json() == {"status": "ok"}
    assert events == ["started"]
    await lifespan.shutdown()
    assert events == ["started", "stopped"]
    assert lifespan.sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


async def test_a_shutdown_during_the_build_lets_the_start_finish_then_stops() -> None:
    events: list[str] = []
    release = asyncio.Event()

    async def build() -> FastAPI:
        await release.wait()
        return real_app(events)

    deferred = DeferredApp(build)
    lifespan = Lifespan(deferred)
    await lifespan.startup()
    await lifespan.inbox.put({"type": "lifespan.shutdown"})
    await asyncio.sleep(0.05)
    assert "lifespan.shutdown.complete" not in lifespan.sent
    release.set()
    await asyncio.wait_for(lifespan.task, 10)
    assert events == ["started", "stopped"]


async def test_a_failed_build_exits_with_status_3() -> None:
    codes: list[int] = []

    async def build() -> FastAPI:
        raise RuntimeError("database upgrade failed")

    deferred = DeferredApp(build, on_failure=codes.append)
    lifespan = Lifespan(deferred)
    await lifespan.startup()
    for _ in range(100):
        if codes:
            break
        await asyncio.sleep(0.01)
    assert codes == [3]
    assert deferred.app is None
    await lifespan.shutdown()
