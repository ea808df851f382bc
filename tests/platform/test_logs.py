"""Structured logs: JSON lines without secrets, and quiet access logs for the hot paths."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from gmail_assistant.observability.logs import JsonFormatter, QuietPathsFilter, configure_logging


def _access(path: str, status: int) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", path, "1.1", status),
        None,
    )


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root, access = logging.getLogger(), logging.getLogger("uvicorn.access")
    saved = (root.level, list(root.handlers), access.level, list(access.filters))
    yield
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    access.setLevel(saved[2])
    access.filters[:] = saved[3]


@pytest.mark.parametrize(
    ("path", "status", "kept"),
    [
        ("/webhook/gmail", 200, False),
        ("/webhook/gmail?token=placeholder", 200, False),
        ("/api/health", 200, False),
        ("/webhook/gmail", 400, True),  # a bad push is worth a line
        ("/webhook/gmail", 503, True),
        ("/api/emails", 200, True),
    ],
)
def test_hot_paths_log_only_their_failures(path: str, status: int, kept: bool) -> None:
    assert QuietPathsFilter().filter(_access(path, status)) is kept


def test_access_log_follows_the_server_level(restore_logging: None) -> None:
    access = logging.getLogger("uvicorn.access")
    configure_logging("WARNING")
    assert not access.isEnabledFor(logging.INFO)
    configure_logging("DEBUG")
    assert access.isEnabledFor(logging.INFO)
    assert sum(isinstance(f, QuietPathsFilter) for f in access.filters) == 1


def test_json_lines_redact_secret_fields() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "push for %s", ("u1",), None)
    record.push_token = "placeholder-token"
    record.user_id = 7
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "push for u1"
    assert line["push_token"] == "[redacted]"
    assert line["user_id"] == 7
