"""HTTP Basic Auth over the whole app, as a pure ASGI middleware.

Open without credentials: the health probe (`/api/health`), Pub/Sub pushes (`/webhook/…`,
which carry their own token) and the admin's static files. Everything else needs the admin
user and password. The check happens before the app runs, and the app's own errors pass
through untouched: a handler that raises stays a 500, never a 401.

In production without admin credentials (v2.3.0's secrets carry none, and the pod must start
with them) `ClosedMiddleware` keeps the same surfaces shut: every request gets a 401 whose body
names the variable to set. Development without credentials stays open.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["REALM", "BasicAuthMiddleware", "ClosedMiddleware", "closed_reason", "is_exempt"]

REALM = "Gmail Assistant"
EXEMPT_PATHS = frozenset({"/api/health"})
EXEMPT_PREFIXES = ("/webhook/", "/admin/statics/")


def is_exempt(path: str) -> bool:
    return path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES)


def closed_reason(*, production: bool, username: str, password: str) -> str | None:
    """Why the data surfaces stay closed, naming the variables to set; None when they need not."""
    if not production or (username and password):
        return None
    missing = [
        name
        for name, value in (
            ("GMA_SERVER_ADMIN_USER", username),
            ("GMA_SERVER_ADMIN_PASSWORD", password),
        )
        if not value
    ]
    return (
        f"admin access is closed: set {' and '.join(missing)} "
        "(Basic Auth for the admin, API, debug pages and metrics in production)"
    )


def _credentials(header: bytes) -> tuple[bytes, bytes] | None:
    """(user, password) from an `Authorization: Basic …` header; None when malformed."""
    scheme, _, encoded = header.strip().partition(b" ")
    if scheme.lower() != b"basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
        decoded.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    user, colon, password = decoded.partition(b":")
    if not colon:
        return None
    return user, password


class BasicAuthMiddleware:
    def __init__(self, app: ASGIApp, *, username: str, password: str) -> None:
        self.app = app
        self._user = username.encode("utf-8")
        self._password = password.encode("utf-8")

    def _allowed(self, scope: Scope) -> bool:
        header = next(
            (value for name, value in scope.get("headers", ()) if name == b"authorization"),
            None,
        )
        if header is None:
            return False
        found = _credentials(header)
        if found is None:
            return False
        user, password = found
        # Compare both parts, always: no early exit that would time which part was wrong.
        user_ok = secrets.compare_digest(user, self._user)
        password_ok = secrets.compare_digest(password, self._password)
        return user_ok and password_ok

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or is_exempt(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        if self._allowed(scope):
            await self.app(scope, receive, send)
            return
        await _deny(scope, send, "authentication required")


class ClosedMiddleware:
    """Production without admin credentials: everything but the exempt paths answers 401."""

    def __init__(self, app: ASGIApp, *, reason: str) -> None:
        self.app = app
        self._reason = reason

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or is_exempt(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        await _deny(scope, send, self._reason)


async def _deny(scope: Scope, send: Send, detail: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps({"detail": detail}, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"www-authenticate", f'Basic realm="{REALM}"'.encode()),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
