"""The FastAPI application and its lifespan, which owns the container."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from gmail_assistant import __version__, api
from gmail_assistant.api import compat_v2, onboarding, sync, watch
from gmail_assistant.api.errors import install_error_handlers
from gmail_assistant.container import Container, build_container
from gmail_assistant.jobs import JobOutcome
from gmail_assistant.observability.logs import configure_logging
from gmail_assistant.observability.metrics import Metrics
from gmail_assistant.observability.sentry import init_sentry
from gmail_assistant.settings import Settings, load_settings
from gmail_assistant.web import health, webhook
from gmail_assistant.web import metrics as metrics_route
from gmail_assistant.web.admin import mount_admin
from gmail_assistant.web.auth import BasicAuthMiddleware, ClosedMiddleware, closed_reason
from gmail_assistant.web.debug import mount_debug

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, container: Container | None = None) -> FastAPI:
    settings = settings or (container.settings if container else load_settings())
    configure_logging(settings.server.log_level)
    init_sentry(settings)
    # Built here and started in the lifespan: the admin needs the engine while routes mount.
    # Building opens nothing (no connection, no task); `start()` does that.
    container = container or build_container(settings)
    metrics = Metrics()
    container.workers.on_outcome = _chain(
        container.workers.on_outcome,
        lambda done: metrics.observe_job(done.job.job_type, done.outcome, done.seconds),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.container = container
        metrics.install()
        await container.start()
        # Health answers from here on; LiteLLM loads in the background warm-up.
        freeze = asyncio.create_task(_freeze_after_warm_up(container), name="gc-freeze")
        for warning in app.state.health_warnings:
            log.warning(warning)
        log.info(
            "gmail assistant started",
            extra={"environment": settings.environment, "db_backend": settings.db.backend},
        )
        try:
            yield
        finally:
            log.info("gmail assistant stopping")
            freeze.cancel()
            await container.stop()
            metrics.uninstall()

    app = FastAPI(title="Gmail Assistant", version=__version__, lifespan=lifespan)
    app.state.container = container
    app.state.metrics = metrics
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(webhook.router)
    app.include_router(sync.router)
    app.include_router(watch.router)
    app.include_router(onboarding.router)
    app.include_router(api.router)
    app.include_router(metrics_route.router)
    mount_debug(app)
    app.include_router(compat_v2.debug_router)  # v2.3.0's /debug/email/{id}
    mount_admin(app, container.database.engine)

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/debug/emails")

    _install_auth(app, settings)
    return app


def _install_auth(app: FastAPI, settings: Settings) -> None:
    server = settings.server
    reason = closed_reason(
        production=settings.is_production,
        username=server.admin_user,
        password=server.admin_password,
    )
    # Shown by /api/health and /debug/health, and logged at start.
    startup = app.state.container.startup_warnings
    app.state.health_warnings = ((reason,) if reason else ()) + tuple(startup)
    if reason:
        app.add_middleware(ClosedMiddleware, reason=reason)
    elif server.basic_auth_enabled:
        app.add_middleware(
            BasicAuthMiddleware, username=server.admin_user, password=server.admin_password
        )


async def _freeze_after_warm_up(container: Container) -> None:
    await container.warmed_up()
    # Everything loaded by now (LiteLLM alone is ~200 MB of objects) lives as long as the
    # process: keep it out of the cyclic GC, whose full passes over it stalled requests for
    # hundreds of milliseconds.
    gc.collect()
    gc.freeze()


def _chain(
    first: Callable[[JobOutcome], None] | None, second: Callable[[JobOutcome], None]
) -> Callable[[JobOutcome], None]:
    if first is None:
        return second

    def both(outcome: JobOutcome) -> None:
        first(outcome)
        second(outcome)

    return both
