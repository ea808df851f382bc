"""Gmail credentials from `AuthSettings`: the owner's OAuth token, or a service account.

personal_oauth reads ``GMA_AUTH_TOKEN_FILE`` (authorized-user JSON). That file lives on a
read-only Secret mount in production, so it is never written: google-auth refreshes the
access token in memory, and each refreshed token is kept in ``token_cache_file`` when one is
configured (so a restart does not need a refresh). Nothing here opens a browser; `gmail-
assistant auth login` creates the token file.

google-auth (2.63) replaces the file's ``token_uri`` with Google's; we honour the file's
value, which lets tests and the demo refresh against the emulator's ``/token``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import google.auth.credentials
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from gmail_assistant.gmail.errors import GmailAuthError
from gmail_assistant.gmail.transport import CallObserver
from gmail_assistant.settings import AuthSettings

__all__ = [
    "GMAIL_MODIFY",
    "SCOPES",
    "CachingUserCredentials",
    "TokenAlert",
    "TokenAlerts",
    "load_credentials",
]

logger = logging.getLogger(__name__)

GMAIL_MODIFY = "https://www.googleapis.com/auth/gmail.modify"
SCOPES = (GMAIL_MODIFY,)
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class CachingUserCredentials(user_credentials.Credentials):
    """User credentials that write each refreshed access token to a cache file."""

    cache_file: Path | None = None
    _cache_lock = threading.Lock()

    def refresh(self, request: Any) -> None:
        super().refresh(request)
        if self.cache_file is not None:
            with self._cache_lock:
                _write_cache(self.cache_file, self)


def _fingerprint(refresh_token: str) -> str:
    # The cache names which refresh token it belongs to without holding it.
    return hashlib.sha256(refresh_token.encode()).hexdigest()


def _write_cache(path: Path, creds: user_credentials.Credentials) -> None:
    record = {
        "token": creds.token,
        "expiry": creds.expiry.isoformat() if creds.expiry else None,
        "refresh_token_sha256": _fingerprint(creds.refresh_token or ""),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".token-cache-")
        try:
            with os.fdopen(fd, "w") as handle:  # mkstemp creates it 0600
                json.dump(record, handle)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        # A failed cache write costs one refresh after restart; never a failed Gmail call.
        logger.warning("cannot write token cache %s: %s", path, exc.strerror or exc)


def _read_cache(path: Path, refresh_token: str) -> tuple[str, datetime] | None:
    try:
        record = json.loads(path.read_text())
        if record.get("refresh_token_sha256") != _fingerprint(refresh_token):
            return None  # the owner re-authorised since: the cached token is someone else's
        token, expiry = record["token"], datetime.fromisoformat(record["expiry"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        logger.warning("ignoring unreadable token cache %s: %s", path, exc)
        return None
    if not isinstance(token, str) or not token:
        return None
    return token, expiry.replace(tzinfo=None)  # google-auth keeps naive UTC


def _token_uri(info: dict[str, Any], path: Path) -> str:
    uri = str(info.get("token_uri") or GOOGLE_TOKEN_URI)
    parts = urlsplit(uri)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        return uri
    raise GmailAuthError(
        f"GMA_AUTH_TOKEN_FILE: {path}: token_uri {uri!r} must be https (http only on loopback)",
        status="config",
    )


def _read_json(path: Path, variable: str, hint: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GmailAuthError(
            f"{variable}: {path} does not exist; {hint}", status="config"
        ) from None
    except (OSError, ValueError) as exc:
        raise GmailAuthError(f"{variable}: cannot read {path}: {exc}", status="config") from exc
    if not isinstance(data, dict):
        raise GmailAuthError(f"{variable}: {path} does not hold a JSON object", status="config")
    return data


def _user_credentials(settings: AuthSettings) -> CachingUserCredentials:
    path = settings.token_file
    info = _read_json(path, "GMA_AUTH_TOKEN_FILE", "run `gmail-assistant auth login` to create it")
    try:
        parsed = user_credentials.Credentials.from_authorized_user_info(info, scopes=list(SCOPES))
    except (ValueError, TypeError) as exc:
        raise GmailAuthError(
            f"GMA_AUTH_TOKEN_FILE: {path} is not an authorized-user token: {exc}", status="config"
        ) from exc
    token, expiry = parsed.token, parsed.expiry
    if settings.token_cache_file is not None:
        cached = _read_cache(settings.token_cache_file, parsed.refresh_token or "")
        if cached is not None and (expiry is None or cached[1] > expiry):
            token, expiry = cached
    creds = CachingUserCredentials(
        token=token,
        refresh_token=parsed.refresh_token,
        token_uri=_token_uri(info, path),
        client_id=parsed.client_id,
        client_secret=parsed.client_secret,
        scopes=list(SCOPES),
        expiry=expiry,
        quota_project_id=parsed.quota_project_id,
        rapt_token=parsed.rapt_token,
    )
    creds.cache_file = settings.token_cache_file
    return creds


def _service_account(settings: AuthSettings, subject: str | None) -> service_account.Credentials:
    path = settings.credentials_file
    info = _read_json(path, "GMA_AUTH_CREDENTIALS_FILE", "download the service account key")
    user = subject or settings.subject
    if not user:
        raise GmailAuthError(
            "GMA_AUTH_SUBJECT: service_account mode needs the Workspace user to impersonate",
            status="config",
        )
    try:
        return service_account.Credentials.from_service_account_info(
            info, scopes=list(SCOPES), subject=user
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise GmailAuthError(
            f"GMA_AUTH_CREDENTIALS_FILE: {path} is not a service account key: {exc}",
            status="config",
        ) from exc


def load_credentials(
    settings: AuthSettings, *, subject: str | None = None
) -> google.auth.credentials.Credentials:
    """Credentials for the Gmail API (scope gmail.modify only); never opens a browser.

    ``subject`` (service_account mode) is the user to impersonate; defaults to
    ``settings.subject``. Raises :class:`GmailAuthError` naming the variable to fix.
    """
    if settings.mode == "service_account":
        return _service_account(settings, subject)
    return _user_credentials(settings)


@dataclass(frozen=True)
class TokenAlert:
    email: str
    since: datetime  # UTC, when this process first saw Google refuse the token
    method: str  # the Gmail call that ran into it


class TokenAlerts:
    """Mailboxes whose refresh token Google refuses (``invalid_grant``), as this process saw.

    Fed by the Gmail calls of each user (:meth:`observer` wraps the factory's call observer):
    a call that ends in ``"revoked"`` raises the alert — logged once, at error level — and
    the next successful call of that user clears it. The debug health page shows the alerts.
    """

    def __init__(self) -> None:
        self._alerts: dict[str, TokenAlert] = {}
        self._lock = threading.Lock()

    def observer(self, email: str, inner: CallObserver | None = None) -> CallObserver:
        def observe(method: str, status: int | str, units: int, seconds: float) -> None:
            if status == "revoked":
                self.raise_alert(email, method)
            elif isinstance(status, int) and status < 400:
                self.clear(email)
            if inner is not None:
                inner(method, status, units, seconds)

        return observe

    def raise_alert(self, email: str, method: str) -> bool:
        """Record the alert; True when it is new (then it is logged)."""
        with self._lock:
            if email in self._alerts:
                return False
            self._alerts[email] = TokenAlert(email, datetime.now(UTC), method)
        logger.error(
            "Gmail access revoked: Google refuses the refresh token (invalid_grant); "
            "jobs of this mailbox fail until the owner runs `gmail-assistant auth login`",
            extra={"mailbox": email, "method": method},
        )
        return True

    def clear(self, email: str) -> None:
        with self._lock:
            alert = self._alerts.pop(email, None)
        if alert is not None:
            logger.info("Gmail access restored", extra={"mailbox": email})

    def current(self) -> list[TokenAlert]:
        with self._lock:
            return sorted(self._alerts.values(), key=lambda a: a.email)
