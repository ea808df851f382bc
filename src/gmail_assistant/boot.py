"""Listen first, build second: the ASGI entry point that answers health while the app starts.

uvicorn listens only once the app's lifespan startup is complete, and importing and building
the app (FastAPI routes, SQLAlchemy models, the Gmail client) and upgrading the database take
seconds — more under the Deployment's 500m CPU limit. `DeferredApp` completes the startup at
once and does that work in the background:

- settings are validated before it listens (`src/main.py`): a bad setting still exits at once
  with a message naming the variable;
- meanwhile `/api/health` answers 200 `{"status": "ok", "starting": true}`: the process is
  alive and about to serve, so no probe restarts a slow start;
- every other request waits for the app, then goes to it;
- if building or starting fails, the error is logged and the process exits with status 3
  (what uvicorn does for a failed startup), so Kubernetes restarts it and shows why;
- on shutdown a start still in progress completes first, then the app stops gracefully.

Only the standard library is imported here: this module is on the path to listening.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import Receive, Scope, Send

    from gmail_assistant.settings import Settings

__all__ = ["HEALTH_PATH", "DeferredApp", "build_in_background"]

log = logging.getLogger(__name__)

HEALTH_PATH = "/api/health"
STARTING_BODY = b'{"status":"ok","starting":true}'
FAILED_EXIT_CODE = 3


class DeferredApp:
    """An ASGI app that starts listening at once and builds the real one in the background."""

    def __init__(
        self,
        build: Callable[[], Awaitable[FastAPI]],
        *,
        on_failure: Callable[[int], None] = os._exit,
    ) -> None:
        self._build = build
        self._on_failure = on_failure
        self._app: FastAPI | None = None
        self._ready = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def app(self) -> FastAPI | None:
        """The real app once it has started; None before."""
        return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if self._app is None:
            if scope["type"] == "http" and scope.get("path") == HEALTH_PATH:
                await _answer_starting(send)
                return
            await self._ready.wait()
        assert self._app is not None
        await self._app(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._task = asyncio.create_task(self._run(), name="app-start")
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._stopping.set()
                if self._task is not None:
                    await self._task
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _run(self) -> None:
        try:
            app = await self._build()
            async with app.router.lifespan_context(app):
                self._app = app
                self._ready.set()
                await self._stopping.wait()
        except Exception:
            # Nothing can serve: say why and leave, as a failed startup would.
            log.critical("gmail assistant failed to start", exc_info=True)
            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()
            self._on_failure(FAILED_EXIT_CODE)


async def _answer_starting(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(STARTING_BODY)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": STARTING_BODY})


def build_in_background(settings: Settings) -> DeferredApp:
    """The server's app: the heavy imports run in a thread, `create_app` in the event loop."""

    async def build() -> FastAPI:
        module = await asyncio.to_thread(importlib.import_module, "gmail_assistant.app")
        app: FastAPI = module.create_app(settings)
        return app

    return DeferredApp(build)
