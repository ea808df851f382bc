"""Structured logging: one JSON object per line, with job/user/thread context."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from gmail_assistant.observability.context import ContextFilter

__all__ = ["JsonFormatter", "QuietPathsFilter", "configure_logging"]

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
# Never let these reach a log line, whatever a caller passes in `extra`.
_SECRET_KEYS = ("token", "password", "secret", "authorization", "api_key", "body")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key in _STANDARD or key.startswith("_"):
                continue
            if any(word in key.lower() for word in _SECRET_KEYS):
                value = "[redacted]"
            entry[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# Paths hit many times a second (Pub/Sub pushes, probes): their successful requests are
# counted in /metrics instead of each making an access-log line.
QUIET_PATHS = frozenset({"/webhook/gmail", "/api/health"})


class QuietPathsFilter(logging.Filter):
    """Drops uvicorn access records of 2xx answers on `QUIET_PATHS` (errors still show)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn: (client_addr, method, full_path, http_version, status_code)
        if not isinstance(args, tuple) or len(args) != 5:
            return True
        path = str(args[2]).split("?", 1)[0]
        status = args[4]
        return not (path in QUIET_PATHS and isinstance(status, int) and 200 <= status < 300)


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_gma", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    handler._gma = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # Libraries that log request URLs with tokens in them stay quiet below WARNING.
    for noisy in ("googleapiclient.discovery", "httpx", "LiteLLM", "litellm", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # uvicorn's access log (its own handler) follows the server's level too: at WARNING, no
    # line per request. The quiet paths never log their successes.
    access = logging.getLogger("uvicorn.access")
    access.setLevel(max(logging.INFO, root.level))
    if not any(isinstance(f, QuietPathsFilter) for f in access.filters):
        access.addFilter(QuietPathsFilter())
