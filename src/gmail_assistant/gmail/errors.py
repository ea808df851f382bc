"""The Gmail adapter's exceptions, and their translation from third-party errors.

    GmailError                     every failure of a Gmail call (``status``: HTTP code or a word)
    ├── GmailNotFound              404
    │   └── GmailHistoryExpired    404 from history.list: the start id is too old, do a full sync
    ├── GmailRateLimited           429, or 403 with a quota reason; ``retry_after`` seconds
    ├── GmailUnavailable           5xx, connection resets, timeouts, an unreachable token endpoint
    ├── GmailAuthError             401, 403 (not quota), a refused refresh, bad credential files
    │   └── GmailTokenRevoked      the token endpoint answered invalid_grant: re-authorise
    └── GmailBadRequest            any other 4xx
        └── GmailConflict          409 (e.g. a label name that already exists)

Only the adapter imports googleapiclient/httplib2/google-auth errors; the rest of the
application (and the retry policy) matches on these types. An auth error is ``permanent``:
the job queue fails the job at once instead of retrying what only the owner can fix.

Gmail's 429 carries its wait only in the message ("User-rate limit exceeded.  Retry after
2026-12-03T15:30:00.123Z"), with no Retry-After header; both forms are read.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httplib2
from google.auth import exceptions as auth_exceptions
from googleapiclient.errors import HttpError

__all__ = [
    "GmailAuthError",
    "GmailBadRequest",
    "GmailConflict",
    "GmailError",
    "GmailHistoryExpired",
    "GmailNotFound",
    "GmailRateLimited",
    "GmailTokenRevoked",
    "GmailUnavailable",
    "parse_retry_after",
    "retry_after_in_message",
    "translate_error",
]

# 403 reasons that mean "slow down", not "you may not".
_RETRY_AFTER_TEXT = re.compile(r"Retry after (\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)?)")
_QUOTA_REASONS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded"}
)


class GmailError(Exception):
    """A Gmail call failed. ``status`` is the HTTP status, or a word such as ``"reset"``."""

    status: int | str = "error"

    def __init__(
        self,
        message: str,
        *,
        status: int | str | None = None,
        reason: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status
        self.reason = reason
        # Seconds the server asked us to wait (Retry-After), when it said so.
        self.retry_after = retry_after


class GmailNotFound(GmailError):
    status = 404


class GmailHistoryExpired(GmailNotFound):
    """history.list answered 404: the start history id is no longer available."""


class GmailRateLimited(GmailError):
    status = 429


class GmailUnavailable(GmailError):
    status = 503


class GmailAuthError(GmailError):
    status: int | str = 401
    # Read by the job queue's retry policy: retrying cannot fix credentials.
    permanent = True


class GmailTokenRevoked(GmailAuthError):
    """Google refused the refresh token (``invalid_grant``): the owner revoked the app's
    access, or the grant expired. Only a new `gmail-assistant auth login` helps."""

    status = "revoked"


class GmailBadRequest(GmailError):
    status = 400


class GmailConflict(GmailBadRequest):
    status = 409


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def retry_after_in_message(message: str, *, now: datetime | None = None) -> float | None:
    """Seconds until the RFC 3339 time in "… Retry after <time>" (Gmail's 429 text)."""
    match = _RETRY_AFTER_TEXT.search(message or "")
    if match is None:
        return None
    try:
        when = datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _error_details(exc: HttpError) -> tuple[str, str]:
    """(reason, message) from Google's JSON error body, tolerant of any body."""
    content: Any = exc.content
    try:
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
        body = json.loads(text)
        error = body.get("error", {}) if isinstance(body, dict) else {}
        message = str(error.get("message", "")) if isinstance(error, dict) else str(error)
        errors = error.get("errors") if isinstance(error, dict) else None
        reason = ""
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            reason = str(errors[0].get("reason", ""))
        return reason, message
    except (ValueError, AttributeError, TypeError):
        return "", ""


def _from_http_error(exc: HttpError, method: str) -> GmailError:
    status = int(exc.status_code or 0)
    reason, message = _error_details(exc)
    retry_after = parse_retry_after(exc.resp.get("retry-after") if exc.resp else None)
    if retry_after is None and status in (403, 429):
        retry_after = retry_after_in_message(message)
    text = f"{method}: HTTP {status} {reason or ''} {message}".rstrip()
    kwargs: dict[str, Any] = {"status": status, "reason": reason, "retry_after": retry_after}
    if status == 429 or (status == 403 and reason in _QUOTA_REASONS):
        return GmailRateLimited(text, **kwargs)
    if status >= 500:
        return GmailUnavailable(text, **kwargs)
    if status in (401, 403):
        return GmailAuthError(text, **kwargs)
    if status == 404:
        return GmailNotFound(text, **kwargs)
    if status == 409:
        return GmailConflict(text, **kwargs)
    return GmailBadRequest(text, **kwargs)


def translate_error(exc: BaseException, method: str) -> GmailError | None:
    """Our error for a third-party one raised by a Gmail call; None if it is not one of them."""
    if isinstance(exc, GmailError):
        return exc
    if isinstance(exc, HttpError):
        return _from_http_error(exc, method)
    if isinstance(exc, auth_exceptions.RefreshError):
        # google-auth marks token-endpoint 5xx/429 answers as retryable.
        if getattr(exc, "retryable", False):
            return GmailUnavailable(f"{method}: token refresh failed: {exc}", status="refresh")
        if _is_invalid_grant(exc):
            return GmailTokenRevoked(
                f"{method}: Google refused the refresh token (invalid_grant): access was "
                "revoked or expired; run `gmail-assistant auth login` again",
                reason="invalid_grant",
            )
        return GmailAuthError(f"{method}: token refresh refused: {exc}", status="refresh")
    if isinstance(exc, auth_exceptions.TransportError):
        return GmailUnavailable(f"{method}: token endpoint unreachable: {exc}", status="refresh")
    if isinstance(exc, TimeoutError | socket.timeout):
        return GmailUnavailable(f"{method}: timed out", status="timeout")
    # OSError covers ConnectionError (resets, refused) and ssl.SSLError.
    if isinstance(exc, OSError | http.client.HTTPException | httplib2.HttpLib2Error):
        return GmailUnavailable(f"{method}: connection failed: {exc!r}", status="connection")
    return None


def _is_invalid_grant(exc: auth_exceptions.RefreshError) -> bool:
    # google-auth: RefreshError("invalid_grant: Token has been expired or revoked.", body)
    for arg in exc.args:
        if isinstance(arg, dict) and arg.get("error") == "invalid_grant":
            return True
        if isinstance(arg, str) and arg.startswith("invalid_grant"):
            return True
    return False
