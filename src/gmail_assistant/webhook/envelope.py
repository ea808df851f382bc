"""The Pub/Sub push envelope Gmail notifications arrive in, decoded strictly.

    {"message": {"data": base64(JSON {"emailAddress", "historyId"}), "messageId", ...},
     "subscription": "..."}

Anything else raises `BadEnvelope` with a short reason that never echoes the body.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

__all__ = ["BadEnvelope", "GmailNotification", "decode_envelope"]

_MAX_HISTORY_ID = 2**63 - 1


class BadEnvelope(ValueError):
    pass


@dataclass(frozen=True)
class GmailNotification:
    email: str
    history_id: int
    message_id: str


def _history_id(value: Any) -> int:
    if isinstance(value, bool):
        raise BadEnvelope("historyId must be a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise BadEnvelope("historyId must be a number")
    if not 0 < number <= _MAX_HISTORY_ID:
        raise BadEnvelope("historyId out of range")
    return number


def decode_envelope(body: bytes) -> GmailNotification:
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadEnvelope("body is not JSON") from None
    if not isinstance(envelope, dict):
        raise BadEnvelope("body must be a JSON object")
    message = envelope.get("message")
    if not isinstance(message, dict):
        raise BadEnvelope("message must be an object")
    data = message.get("data")
    if not isinstance(data, str) or not data:
        raise BadEnvelope("message.data must be a non-empty base64 string")
    try:
        raw = base64.b64decode(data.strip() + "=" * (-len(data.strip()) % 4), validate=True)
    except (binascii.Error, ValueError):
        try:
            raw = base64.urlsafe_b64decode(data.strip() + "=" * (-len(data.strip()) % 4))
        except (binascii.Error, ValueError):
            raise BadEnvelope("message.data is not base64") from None
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadEnvelope("message.data is not base64 JSON") from None
    if not isinstance(payload, dict):
        raise BadEnvelope("message.data must hold a JSON object")
    email = payload.get("emailAddress")
    if not isinstance(email, str) or "@" not in email or len(email) > 320:
        raise BadEnvelope("emailAddress missing or invalid")
    message_id = message.get("messageId", message.get("message_id", ""))
    if not isinstance(message_id, str | int):
        raise BadEnvelope("message.messageId must be a string")
    return GmailNotification(
        email=email.strip().lower(),
        history_id=_history_id(payload.get("historyId")),
        message_id=str(message_id),
    )
