"""Pub/Sub-style push notifications for ``watch``, sent from one background thread.

Mutations only enqueue (never block the API call); the sender coalesces a burst into one
notification per mailbox carrying the newest history id, and ignores delivery errors.
"""

from __future__ import annotations

import base64
import json
import queue
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

__all__ = ["PushDispatcher", "PushNotice", "push_envelope"]

SUBSCRIPTION = "projects/emulator/subscriptions/gmail-push"


@dataclass(frozen=True)
class PushNotice:
    url: str
    email: str
    history_id: int


def push_envelope(email: str, history_id: int) -> dict[str, object]:
    data = json.dumps({"emailAddress": email, "historyId": history_id}).encode()
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "message": {
            "data": base64.b64encode(data).decode("ascii"),
            "messageId": uuid.uuid4().hex[:16],
            "message_id": uuid.uuid4().hex[:16],
            "publishTime": now,
            "publish_time": now,
        },
        "subscription": SUBSCRIPTION,
    }


class PushDispatcher:
    def __init__(self, *, timeout: float = 5.0) -> None:
        self._queue: queue.Queue[PushNotice | None] = queue.Queue()
        self._timeout = timeout
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.sent = 0
        self.failed = 0

    def enqueue(self, notice: PushNotice) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="gmail-emulator-push", daemon=True
                )
                self._thread.start()
        self._queue.put(notice)

    def close(self) -> None:
        with self._lock:
            thread = self._thread
            self._thread = None
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(timeout=self._timeout)

    def _drain(self, first: PushNotice) -> tuple[dict[tuple[str, str], int], bool]:
        latest = {(first.url, first.email): first.history_id}
        stop = False
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return latest, stop
            if item is None:
                stop = True
                continue
            key = (item.url, item.email)
            latest[key] = max(latest.get(key, 0), item.history_id)

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout) as client:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                batch, stop = self._drain(item)
                for (url, email), history_id in batch.items():
                    try:
                        client.post(url, json=push_envelope(email, history_id))
                        self.sent += 1
                    except httpx.HTTPError:
                        self.failed += 1
                if stop:
                    return
