"""A mailbox's history: bounded, ordered records of what changed, as ``history.list`` sees it.

Ids grow with gaps between records, as Gmail's do.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["HISTORY_TYPES", "HistoryLog", "HistoryRecord", "MessageRef"]

HISTORY_TYPES = ("messageAdded", "messageDeleted", "labelAdded", "labelRemoved")
_FIELDS = {
    "messageAdded": "messagesAdded",
    "messageDeleted": "messagesDeleted",
    "labelAdded": "labelsAdded",
    "labelRemoved": "labelsRemoved",
}


@dataclass(frozen=True)
class MessageRef:
    id: str
    thread_id: str
    label_ids: tuple[str, ...]

    def resource(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "threadId": self.thread_id}
        if self.label_ids:
            out["labelIds"] = list(self.label_ids)
        return out


@dataclass(frozen=True)
class HistoryRecord:
    id: int
    kind: str  # one of HISTORY_TYPES
    message: MessageRef
    label_ids: tuple[str, ...] = ()  # the labels added or removed

    def touches_label(self, label_id: str) -> bool:
        return label_id in self.message.label_ids or label_id in self.label_ids

    def resource(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"message": self.message.resource()}
        if self.kind in ("labelAdded", "labelRemoved"):
            entry["labelIds"] = list(self.label_ids)
        return {
            "id": str(self.id),
            "messages": [{"id": self.message.id, "threadId": self.message.thread_id}],
            _FIELDS[self.kind]: [entry],
        }


class HistoryLog:
    """History ids and records of one mailbox. Not thread-safe: the state's lock guards it."""

    def __init__(
        self, *, start_id: int = 1000, max_records: int = 10_000, seed: int | None = 0
    ) -> None:
        self.current_id = start_id
        # Gmail's history ids grow but are not consecutive: records of other mailboxes and
        # internal changes take ids in between. Steps of 2..5 keep a client from assuming +1.
        self._steps = random.Random(seed)
        # Every start id below the floor has lost records: history.list answers 404.
        self.floor = start_id
        self._records: deque[HistoryRecord] = deque()
        self._max_records = max_records

    def bump(self) -> int:
        self.current_id += self._steps.randint(2, 5)
        return self.current_id

    def record(self, kind: str, message: MessageRef, label_ids: Iterable[str] = ()) -> int:
        history_id = self.bump()
        self._records.append(HistoryRecord(history_id, kind, message, tuple(label_ids)))
        while len(self._records) > self._max_records:
            dropped = self._records.popleft()
            self.floor = max(self.floor, dropped.id)
        return history_id

    def expire(self) -> None:
        self._records.clear()
        self.floor = self.current_id

    def is_expired(self, start_id: int) -> bool:
        return start_id < self.floor

    def since(
        self,
        start_id: int,
        *,
        types: Iterable[str] = (),
        label_id: str | None = None,
    ) -> list[HistoryRecord]:
        wanted = set(types) or set(HISTORY_TYPES)
        return [
            record
            for record in self._records
            if record.id > start_id
            and record.kind in wanted
            and (label_id is None or record.touches_label(label_id))
        ]

    def __len__(self) -> int:
        return len(self._records)
