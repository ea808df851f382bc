"""The emulator's ASGI application."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gmail_emulator import api_drafts, api_mailbox, api_messages, api_threads
from gmail_emulator.auth import token_endpoint
from gmail_emulator.batch import batch_endpoint
from gmail_emulator.control import control_routes
from gmail_emulator.endpoint import RAW_SEND_KEY, gmail_route
from gmail_emulator.errors import error_body
from gmail_emulator.state import EmulatorState

__all__ = ["EmulatorApp", "create_app"]


class EmulatorApp(Starlette):
    """Starlette app that keeps the server's own ``send`` so a fault can reset the socket."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[RAW_SEND_KEY] = send
        await super().__call__(scope, receive, send)


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse(error_body(404, "Not Found", "notFound"), status_code=404)


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    return JSONResponse(error_body(405, "Method Not Allowed", "badRequest"), status_code=405)


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def gmail_routes() -> list[Route]:
    routes = []
    for module in (api_messages, api_threads, api_drafts, api_mailbox):
        for method, http_method, path, handler in module.ROUTES:
            routes.append(Route(path, gmail_route(method, handler), methods=[http_method]))
    return routes


def create_app(state: EmulatorState | None = None) -> EmulatorApp:
    """Build the emulator app around ``state`` (a fresh one with owner@example.com if None)."""
    app = EmulatorApp(
        routes=[
            Route("/token", token_endpoint, methods=["POST"]),
            Route("/_emulator/health", _health, methods=["GET"]),
            Route("/batch/gmail/v1", batch_endpoint, methods=["POST"]),
            *control_routes(),
            *gmail_routes(),
        ],
        exception_handlers={404: _not_found, 405: _method_not_allowed},
    )
    app.state.emulator = state if state is not None else EmulatorState()
    return app
