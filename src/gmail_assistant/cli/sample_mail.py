"""Mail for the classification commands, turned into what the classify job sees.

An .eml file or a labelled set's fields go through the emulator's MIME builder and message
resource, then our Gmail parser: the same path a delivered mail takes. Only these CLI
commands use it, so the emulator stays out of the server's import graph.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gmail_assistant.gmail.models import ParsedMessage
from gmail_assistant.gmail.parse import parse_message
from gmail_emulator.compose import MailSpec, build_raw
from gmail_emulator.messages import message_resource, new_stored_message

__all__ = ["parse_fields", "parse_raw"]


def parse_raw(raw: bytes) -> ParsedMessage:
    stored = new_stored_message(
        message_id="0" * 16,
        thread_id="0" * 16,
        raw=raw,
        label_ids=("INBOX",),
        internal_ms=0,
        history_id=1,
    )
    return parse_message(message_resource(stored, "full"))


def parse_fields(mail: Mapping[str, Any]) -> ParsedMessage:
    spec = MailSpec(
        sender=str(mail.get("from", "")),
        to=str(mail.get("to", "owner@example.com")),
        subject=str(mail.get("subject", "")),
        body=mail.get("body"),
        html=mail.get("html"),
        headers={str(k): str(v) for k, v in (mail.get("headers") or {}).items()},
    )
    return parse_raw(build_raw(spec))
