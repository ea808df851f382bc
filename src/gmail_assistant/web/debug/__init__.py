"""Server-rendered debug pages under `/debug`: the email list, one email's story, health."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from gmail_assistant.web.debug.routes import router

__all__ = ["mount_debug"]

STATIC_DIR = Path(__file__).parent / "static"


def mount_debug(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/debug/static", StaticFiles(directory=STATIC_DIR), name="debug-static")
