"""Stored message values and their Gmail API resources (formats full/metadata/minimal/raw)."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from gmail_emulator.errors import bad_request
from gmail_emulator.history import MessageRef
from gmail_emulator.mime import ParsedMessage, b64url_encode, parse_message

__all__ = ["FORMATS", "IdSource", "StoredMessage", "message_resource", "new_stored_message"]

FORMATS = ("full", "metadata", "minimal", "raw")


class IdSource:
    """16-hex-digit ids that grow with time, like Gmail's (thread-safe)."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()
        self._drafts = itertools.count(1)

    def next_id(self) -> str:
        with self._lock:
            candidate = (int(time.time() * 1000) << 20) & 0xFFFF_FFFF_FFFF_FFFF
            self._last = max(self._last + 1, candidate)
            return f"{self._last:016x}"

    def next_draft_id(self) -> str:
        with self._lock:
            return f"r{5_000_000_000_000_000_000 + next(self._drafts)}"


@dataclass(frozen=True)
class StoredMessage:
    id: str
    thread_id: str
    raw: bytes
    label_ids: tuple[str, ...]
    internal_ms: int
    history_id: int
    parsed: ParsedMessage

    @property
    def message_id_header(self) -> str:
        return self.parsed.header("Message-ID")

    def ref(self) -> MessageRef:
        return MessageRef(self.id, self.thread_id, self.label_ids)

    def with_labels(self, label_ids: tuple[str, ...], history_id: int) -> StoredMessage:
        return replace(self, label_ids=label_ids, history_id=history_id)


def new_stored_message(
    *,
    message_id: str,
    thread_id: str,
    raw: bytes,
    label_ids: tuple[str, ...],
    internal_ms: int,
    history_id: int,
) -> StoredMessage:
    return StoredMessage(
        id=message_id,
        thread_id=thread_id,
        raw=raw,
        label_ids=label_ids,
        internal_ms=internal_ms,
        history_id=history_id,
        parsed=parse_message(raw, message_id=message_id),
    )


def _metadata_payload(payload: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
    headers = payload["headers"]
    if wanted:
        names = {name.lower() for name in wanted}
        headers = [h for h in headers if h["name"].lower() in names]
    return {
        "partId": payload["partId"],
        "mimeType": payload["mimeType"],
        "filename": payload["filename"],
        "headers": headers,
        "body": {"size": 0},
    }


def message_resource(
    message: StoredMessage, fmt: str = "full", metadata_headers: list[str] | None = None
) -> dict[str, Any]:
    if fmt not in FORMATS:
        raise bad_request(f"Invalid value at 'format' ({fmt})")
    out: dict[str, Any] = {"id": message.id, "threadId": message.thread_id}
    if message.label_ids:  # Gmail leaves the key out when a message has no labels
        out["labelIds"] = list(message.label_ids)
    out["snippet"] = message.parsed.snippet
    out["sizeEstimate"] = len(message.raw)
    out["historyId"] = str(message.history_id)
    out["internalDate"] = str(message.internal_ms)
    if fmt == "full":
        out["payload"] = message.parsed.payload
    elif fmt == "metadata":
        out["payload"] = _metadata_payload(message.parsed.payload, metadata_headers or [])
    elif fmt == "raw":
        out["raw"] = b64url_encode(message.raw)
    return out
