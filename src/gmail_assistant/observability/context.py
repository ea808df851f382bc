"""Context carried into every log line: which job, user and thread the code is working on."""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from typing import Any

__all__ = ["ContextFilter", "job_context"]

_FIELDS = ("job_id", "user_id", "thread_id")
_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("gma_log_context")


@contextlib.contextmanager
def job_context(**fields: Any) -> Iterator[None]:
    current = dict(_context.get({}))
    current.update({k: v for k, v in fields.items() if v is not None})
    token = _context.set(current)
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get({}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True
