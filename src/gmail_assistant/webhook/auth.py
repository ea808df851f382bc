"""Who may push: a shared `?token=` secret and/or a Pub/Sub OIDC bearer token.

With `GMA_WEBHOOK_TOKEN` set the push URL must carry `?token=<secret>` (compared in constant
time). With `GMA_WEBHOOK_AUDIENCE` set the request must carry `Authorization: Bearer <JWT>`
signed by Google (keys from `certs_url`, fetched by an injectable `CertsFetcher` and cached),
for that audience, issued by accounts.google.com, whose verified `email` is
`GMA_WEBHOOK_SERVICE_ACCOUNT` when that is set. Both set: both are required.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
from google.auth import exceptions as auth_exceptions
from google.auth import jwt

from gmail_assistant.settings import WebhookSettings

__all__ = [
    "GOOGLE_ISSUERS",
    "CertsCache",
    "CertsFetcher",
    "PushAuthError",
    "PushAuthenticator",
    "fetch_certs",
]

GOOGLE_ISSUERS = frozenset({"https://accounts.google.com", "accounts.google.com"})
CertsFetcher = Callable[[str], Awaitable[Mapping[str, str]]]
_CERTS_TTL_SECONDS = 3600.0


class PushAuthError(Exception):
    """The push is not authenticated; ``status`` is 401 (missing) or 403 (wrong)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


async def fetch_certs(url: str) -> Mapping[str, str]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(url)
        response.raise_for_status()
        data = response.json()
    if not isinstance(data, dict):
        raise ValueError("certs document is not an object")
    return {str(k): str(v) for k, v in data.items()}


class CertsCache:
    """Google's signing certificates, fetched at most once an hour (and on an unknown kid)."""

    def __init__(self, fetcher: CertsFetcher, clock: Callable[[], float] = time.monotonic) -> None:
        self.fetcher = fetcher
        self.clock = clock
        self._certs: Mapping[str, str] = {}
        self._fetched_at = -_CERTS_TTL_SECONDS
        self._lock = asyncio.Lock()

    async def get(self, url: str, kid: str | None) -> Mapping[str, str]:
        async with self._lock:
            stale = self.clock() - self._fetched_at >= _CERTS_TTL_SECONDS
            if stale or (kid is not None and kid not in self._certs):
                self._certs = await self.fetcher(url)
                self._fetched_at = self.clock()
            return self._certs


class PushAuthenticator:
    def __init__(
        self, *, settings: WebhookSettings, certs_fetcher: CertsFetcher = fetch_certs
    ) -> None:
        self.settings = settings
        self.certs = CertsCache(certs_fetcher)

    @property
    def configured(self) -> bool:
        return self.settings.auth_configured

    async def check(self, *, token: str | None, authorization: str | None) -> None:
        """Raise `PushAuthError` unless the request passes every configured check."""
        if self.settings.token:
            if not token:
                raise PushAuthError("missing token", 401)
            if not hmac.compare_digest(token.encode(), self.settings.token.encode()):
                raise PushAuthError("wrong token", 403)
        if self.settings.audience:
            await self._check_oidc(authorization)

    async def _check_oidc(self, authorization: str | None) -> None:
        scheme, _, bearer = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not bearer.strip():
            raise PushAuthError("missing bearer token", 401)
        bearer = bearer.strip()
        try:
            header = jwt.decode_header(bearer)
        except (ValueError, TypeError, auth_exceptions.GoogleAuthError):
            raise PushAuthError("malformed bearer token", 401) from None
        kid = header.get("kid") if isinstance(header, dict) else None
        try:
            certs = await self.certs.get(
                self.settings.certs_url, kid if isinstance(kid, str) else None
            )
        except Exception as exc:  # network, JSON: cannot verify now; Pub/Sub retries
            raise PushAuthError(
                f"cannot fetch signing certificates: {type(exc).__name__}", 401
            ) from None
        try:
            claims: Any = jwt.decode(bearer, certs=dict(certs), audience=self.settings.audience)
        except (ValueError, TypeError, auth_exceptions.GoogleAuthError) as exc:
            raise PushAuthError(f"invalid bearer token: {_short(exc)}", 403) from None
        if not isinstance(claims, dict) or claims.get("iss") not in GOOGLE_ISSUERS:
            raise PushAuthError("bearer token has the wrong issuer", 403)
        wanted = self.settings.service_account
        if wanted:
            if claims.get("email") != wanted:
                raise PushAuthError("bearer token is for another account", 403)
            if claims.get("email_verified") not in (True, "true"):
                raise PushAuthError("bearer token email is not verified", 403)


def _short(exc: BaseException) -> str:
    # google-auth messages may quote claims, never the token; keep them short anyway.
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
