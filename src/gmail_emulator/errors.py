"""Google-shaped API errors.

Every failure the emulator reports to a Gmail API client is a :class:`GmailApiError`; the
route layer turns it into Google's JSON error body::

    {"error": {"code": 404, "message": "...", "errors": [{"message", "domain", "reason"}],
               "status": "NOT_FOUND"}}
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "GmailApiError",
    "bad_request",
    "conflict",
    "error_body",
    "forbidden",
    "invalid_id",
    "not_found",
    "rate_limited",
    "status_error",
]

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

# What Google answers for a bare status (used by fault injection).
_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("Invalid argument", "invalidArgument"),
    401: ("Request had invalid authentication credentials.", "authError"),
    403: ("Insufficient Permission", "insufficientPermissions"),
    404: ("Requested entity was not found.", "notFound"),
    409: ("Conflict", "conflict"),
    429: ("User-rate limit exceeded.", "rateLimitExceeded"),
    500: ("Backend Error", "backendError"),
    503: ("The service is currently unavailable.", "backendError"),
}


class GmailApiError(Exception):
    """An error answered to the client in Google's format."""

    def __init__(
        self,
        code: int,
        message: str,
        reason: str,
        *,
        status: str | None = None,
        headers: dict[str, str] | None = None,
        domain: str = "global",
    ) -> None:
        super().__init__(f"{code} {reason}: {message}")
        self.code = code
        self.message = message
        self.reason = reason
        self.status = status or _STATUS_NAMES.get(code, "UNKNOWN")
        self.headers = dict(headers or {})
        self.domain = domain

    def body(self) -> dict[str, Any]:
        return error_body(
            self.code, self.message, self.reason, status=self.status, domain=self.domain
        )


def error_body(
    code: int, message: str, reason: str, *, status: str | None = None, domain: str = "global"
) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
            "status": status or _STATUS_NAMES.get(code, "UNKNOWN"),
        }
    }


def status_error(code: int, *, headers: dict[str, str] | None = None) -> GmailApiError:
    """Google's canonical error for a bare HTTP status."""
    message, reason = _DEFAULTS.get(code, ("Error", "backendError"))
    return GmailApiError(code, message, reason, headers=headers)


def not_found() -> GmailApiError:
    return status_error(404)


def bad_request(message: str, *, reason: str = "invalidArgument") -> GmailApiError:
    status = "FAILED_PRECONDITION" if reason == "failedPrecondition" else "INVALID_ARGUMENT"
    return GmailApiError(400, message, reason, status=status)


def conflict(message: str) -> GmailApiError:
    return GmailApiError(409, message, "alreadyExists")


def invalid_id() -> GmailApiError:
    """What Gmail answers for an id that cannot be one (not a malformed-but-unknown 404)."""
    return bad_request("Invalid id value")


def rate_limited(retry_after: float | None, *, now: datetime | None = None) -> GmailApiError:
    """Gmail's 429: the wait is only in the message, as an RFC 3339 time; no Retry-After."""
    when = (now or datetime.now(UTC)) + timedelta(seconds=max(0.0, retry_after or 0.0))
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    return GmailApiError(
        429,
        f"User-rate limit exceeded.  Retry after {stamp}",
        "rateLimitExceeded",
        domain="usageLimits",
    )


_FORBIDDEN_MESSAGES = {
    "userRateLimitExceeded": ("User Rate Limit Exceeded", "usageLimits"),
    "rateLimitExceeded": ("Rate Limit Exceeded", "usageLimits"),
    "dailyLimitExceeded": ("Daily Limit Exceeded", "usageLimits"),
    "quotaExceeded": ("Quota exceeded", "usageLimits"),
    "insufficientPermissions": ("Insufficient Permission", "global"),
}


def forbidden(reason: str) -> GmailApiError:
    """A 403 with ``reason`` (rate-limit reasons come with Google's usageLimits domain)."""
    message, domain = _FORBIDDEN_MESSAGES.get(reason, (reason, "global"))
    return GmailApiError(403, message, reason, domain=domain)
