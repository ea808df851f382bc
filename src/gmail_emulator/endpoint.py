"""The plumbing every Gmail API route shares: auth, call counting, faults, Google errors.

A route is a plain function ``(call: ApiCall) -> dict | None`` run under the state lock;
:func:`gmail_route` turns it into a Starlette endpoint. ``None`` answers 204 No Content.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from gmail_emulator.errors import (
    GmailApiError,
    bad_request,
    error_body,
    forbidden,
    invalid_id,
    rate_limited,
    status_error,
)
from gmail_emulator.faults import FaultDecision
from gmail_emulator.mailbox import Mailbox
from gmail_emulator.state import EmulatorState

__all__ = [
    "RAW_SEND_KEY",
    "ApiCall",
    "Handler",
    "check_id",
    "gmail_route",
    "json_error",
    "token_email",
]

RAW_SEND_KEY = "gmail_emulator.raw_send"
TOKEN_PREFIX = "emu:"


@dataclass(frozen=True)
class ApiCall:
    """One Gmail API request, resolved to its mailbox."""

    state: EmulatorState
    box: Mailbox
    request: Request
    body: dict[str, Any]

    def param(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def params(self, name: str) -> list[str]:
        return self.request.query_params.getlist(name)

    def int_param(self, name: str, default: int, *, maximum: int | None = None) -> int:
        value = self.param(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise bad_request(f"Invalid value for {name}: {value}") from None
        return min(number, maximum) if maximum is not None else number

    def bool_param(self, name: str) -> bool:
        return (self.param(name) or "").lower() == "true"

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def message_id(self, name: str = "id") -> str:
        """A message or thread id from the path, checked like Gmail checks it."""
        return check_id(self.path(name))

    def draft_id(self, name: str = "id") -> str:
        return check_id(self.path(name), draft=True)

    def violation(self, method: str, detail: str) -> None:
        self.state.record_violation(self.box.email, method, detail)


Handler = Callable[[ApiCall], "dict[str, Any] | None"]

# Gmail's ids: messages and threads are hex; drafts are "r" and digits (sometimes negative).
# Anything else is "400 Invalid id value", where a well-formed unknown id is 404.
_MESSAGE_ID = re.compile(r"[0-9a-fA-F]{1,32}")
_DRAFT_ID = re.compile(r"r-?[0-9]{1,32}")


def check_id(value: Any, *, draft: bool = False) -> str:
    text = str(value) if isinstance(value, str | int) else ""
    if not (_DRAFT_ID if draft else _MESSAGE_ID).fullmatch(text):
        raise invalid_id()
    return text


def json_error(exc: GmailApiError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.code, headers=exc.headers)


def token_email(request: Request) -> str | None:
    """The mailbox the bearer token names; ``""`` for any other token (401); None without
    one."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    token = token.strip()
    return token[len(TOKEN_PREFIX) :] if token.startswith(TOKEN_PREFIX) else ""


def _unauthenticated() -> GmailApiError:
    return GmailApiError(
        401,
        "Request is missing required authentication credential. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential.",
        "required",
    )


def _invalid_credentials() -> GmailApiError:
    return GmailApiError(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
        "cookie or other valid authentication credential.",
        "authError",
    )


class _NoResponse(Response):
    """Sends nothing: the connection was already torn down on purpose."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        return None


def _abort_connection(request: Request) -> bool:
    """Reset the TCP connection under this request (uvicorn exposes the transport)."""
    raw_send = request.scope.get(RAW_SEND_KEY)
    cycle = getattr(raw_send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        return False
    if cycle is not None and hasattr(cycle, "disconnected"):
        # Tell uvicorn the peer is gone, so it does not log a missing response as an error.
        cycle.disconnected = True
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # linger 0: close() sends RST, so the client sees a reset, not a clean EOF
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return True


async def _read_body(request: Request) -> dict[str, Any]:
    data = await request.body()
    if not data.strip():
        return {}
    try:
        body = json.loads(data)
    except ValueError:
        raise bad_request("Invalid JSON payload received.") from None
    if not isinstance(body, dict):
        raise bad_request("Invalid JSON payload received.")
    return body


def _injected_error(decision: FaultDecision) -> GmailApiError:
    status = decision.status or 500
    if status == 429:  # the wait only in the message, like Gmail: no Retry-After header
        return rate_limited(decision.retry_after)
    if status == 403 and decision.reason:
        return forbidden(decision.reason)
    headers = {}
    if decision.retry_after is not None and status == 503:
        headers["Retry-After"] = str(decision.retry_after)
    return status_error(status, headers=headers)


def gmail_route(method: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        state: EmulatorState = request.app.state.emulator
        state.count_call(method)
        decision = state.faults.decide(method)
        if decision.latency_ms:
            await asyncio.sleep(decision.latency_ms / 1000)
        if decision.reset and _abort_connection(request):
            return _NoResponse()
        if decision.status is not None:
            return json_error(_injected_error(decision))
        try:
            token_owner = token_email(request)
            if token_owner is None:
                raise _unauthenticated()
            if not token_owner or state.token_revoked(token_owner):
                raise _invalid_credentials()
            body = await _read_body(request) if request.method in ("POST", "PUT", "PATCH") else {}
            user_id = str(request.path_params.get("userId", "me"))
            with state.lock:
                box = state.mailbox(token_owner if user_id == "me" else user_id)
                result = handler(ApiCall(state, box, request, body))
        except GmailApiError as exc:
            return json_error(exc)
        if result is None:
            return Response(status_code=204)
        return JSONResponse(result)

    endpoint.__name__ = method.replace(".", "_")
    return endpoint


def unknown_route_error() -> JSONResponse:
    return JSONResponse(error_body(404, "Not Found", "notFound"), status_code=404)
