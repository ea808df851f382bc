"""The FastAPI application and its lifespan, which owns the container."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gmail_assistant import __version__
from gmail_assistant.container import Container
from gmail_assistant.observability.logs import configure_logging
from gmail_assistant.observability.sentry import init_sentry
from gmail_assistant.onboarding import routes as onboarding_routes
from gmail_assistant.settings import Settings, load_settings
from gmail_assistant.sync import routes as sync_routes
from gmail_assistant.watch import routes as watch_routes
from gmail_assistant.web import health
from gmail_assistant.webhook import routes as webhook_routes

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.server.log_level)
    init_sentry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = Container.build(settings)
        app.state.container = container
        await container.start()
        log.info(
            "gmail assistant started",
            extra={"environment": settings.environment, "db_backend": settings.db.backend},
        )
        try:
            yield
        finally:
            log.info("gmail assistant stopping")
            await container.stop()

    app = FastAPI(title="Gmail Assistant", version=__version__, lifespan=lifespan)
    app.include_router(health.router)
    app.include_router(webhook_routes.router)
    app.include_router(sync_routes.router)
    app.include_router(watch_routes.router)
    app.include_router(onboarding_routes.router)
    return app
