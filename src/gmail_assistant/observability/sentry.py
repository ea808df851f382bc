"""Error reporting to a Sentry-compatible server (e.g. BugSink), outside development only."""

from __future__ import annotations

import logging
import re
from typing import Any

from gmail_assistant.settings import Settings

__all__ = ["init_sentry", "scrub_event"]

log = logging.getLogger(__name__)
_SENSITIVE = re.compile(r"(token|password|secret|authorization|api[_-]?key|cookie)", re.I)
_BEARER = re.compile(r"(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.I)


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: "[Filtered]" if _SENSITIVE.search(str(k)) else _scrub(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, str):
        value = _BEARER.sub(r"\1 [Filtered]", value)
        return re.sub(r"([?&](?:token|key|access_token)=)[^&\s]+", r"\1[Filtered]", value)
    return value


def scrub_event(event: dict[str, Any], _hint: Any = None) -> dict[str, Any]:
    """Drop request bodies and anything that looks like a credential before it leaves."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
    return _scrub(event)  # type: ignore[no-any-return]


def init_sentry(settings: Settings) -> bool:
    if not settings.sentry.dsn or not settings.is_production:
        return False
    import sentry_sdk

    sentry_sdk.init(
        dsn=settings.sentry.dsn,
        environment=settings.environment,
        send_default_pii=False,
        max_request_body_size="never",
        before_send=scrub_event,  # type: ignore[arg-type]
        traces_sample_rate=0.0,
    )
    log.info("error reporting enabled")
    return True
