"""An in-memory Gmail that implements the `GmailApi` port, for unit tests of the flows.

It keeps what a flow can observe: labels, messages (threads are their thread ids), drafts
and history (label changes, new and deleted messages, each with a history id), so tests
assert on the mailbox afterwards instead of on calls. Messages are RFC 822 bytes turned into
Gmail resources by the emulator's MIME code and into `ParsedMessage` by our own parser: the
same path as over HTTP, without a server.

    gmail = MemoryGmail()
    message_id = gmail.deliver(sender="Jan <jan@firma.cz>", subject="Offer", body="Price?")
    ... run the flow with `gmail` ...
    assert gmail.thread_label_names(thread_id) == {"INBOX", "🤖 AI/Needs Response"}

Searches understand what the flows send: `from:`, `to:`, `subject:`, `in:inbox`, `label:`,
bare words, `-in:spam`/`-in:trash` and `OR` of parenthesised terms; `newer_than:` is ignored.
"""

from __future__ import annotations

import base64
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from gmail_assistant.gmail.convert import draft_from
from gmail_assistant.gmail.errors import GmailConflict, GmailHistoryExpired, GmailNotFound
from gmail_assistant.gmail.models import (
    Draft,
    Headers,
    HistoryMessage,
    HistoryPage,
    HistoryRecord,
    Label,
    LabelChange,
    ParsedMessage,
    Profile,
    ThreadData,
)
from gmail_assistant.gmail.parse import parse_message, raw_headers
from gmail_emulator.compose import MailSpec, build_raw
from gmail_emulator.messages import StoredMessage, message_resource, new_stored_message

__all__ = ["MemoryGmail"]

SYSTEM_LABELS = ("INBOX", "SENT", "DRAFT", "UNREAD", "STARRED", "IMPORTANT", "SPAM", "TRASH")
_TERM = re.compile(r'(-?)(?:(\w+):)?("[^"]*"|\S+)')


@dataclass
class _Message:
    id: str
    thread_id: str
    raw: bytes
    labels: set[str]
    internal_ms: int

    def stored(self, history_id: int) -> StoredMessage:
        return new_stored_message(
            message_id=self.id,
            thread_id=self.thread_id,
            raw=self.raw,
            label_ids=tuple(sorted(self.labels)),
            internal_ms=self.internal_ms,
            history_id=history_id,
        )


@dataclass
class MemoryGmail:
    email: str = "owner@example.com"
    labels: dict[str, Label] = field(default_factory=dict)
    messages: dict[str, _Message] = field(default_factory=dict)
    drafts: dict[str, str] = field(default_factory=dict)  # draft id -> message id
    history: list[HistoryRecord] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    history_id: int = 1000

    def __post_init__(self) -> None:
        for name in SYSTEM_LABELS:
            self.labels.setdefault(name, Label(name, name, "system"))
        self._ids = itertools.count(0x18C0_0000_0000_0001)
        self._clock = datetime(2026, 1, 1, tzinfo=UTC)

    # -- test controls (not part of the port) ---------------------------------------------

    def deliver(
        self,
        *,
        sender: str,
        subject: str,
        body: str = "",
        to: str | None = None,
        thread_id: str | None = None,
        headers: dict[str, str] | None = None,
        labels: Iterable[str] = ("INBOX", "UNREAD"),
    ) -> str:
        """A mail arrives (in a new thread unless `thread_id`); returns its message id."""
        spec = MailSpec(
            sender=sender, to=to or self.email, subject=subject, body=body, headers=headers or {}
        )
        return self._add(build_raw(spec), thread_id, set(labels))

    def thread_label_names(self, thread_id: str) -> set[str]:
        return {self.labels[i].name for m in self._thread(thread_id) for i in m.labels}

    def drafts_in(self, thread_id: str) -> list[str]:
        return [d for d, m in self.drafts.items() if self.messages[m].thread_id == thread_id]

    # -- GmailApi -------------------------------------------------------------------------

    async def get_profile(self) -> Profile:
        self.calls["users.getProfile"] += 1
        threads = {m.thread_id for m in self.messages.values()}
        return Profile(self.email, self.history_id, len(self.messages), len(threads))

    async def watch(self, topic: str, label_ids: Sequence[str] = ()) -> tuple[int, datetime]:
        self.calls["users.watch"] += 1
        return self.history_id, self._clock + timedelta(days=7)

    async def stop_watch(self) -> None:
        self.calls["users.stop"] += 1

    async def list_labels(self) -> list[Label]:
        self.calls["labels.list"] += 1
        return list(self.labels.values())

    async def create_label(self, name: str) -> Label:
        self.calls["labels.create"] += 1
        if any(label.name == name for label in self.labels.values()):
            raise GmailConflict(f"labels.create: Label name exists or conflicts: {name}")
        label = Label(f"Label_{len(self.labels) + 1}", name, "user")
        self.labels[label.id] = label
        return label

    async def ensure_labels(self, names: Iterable[str]) -> dict[str, str]:
        by_name = {label.name: label.id for label in self.labels.values()}
        for name in names:
            if name not in by_name:
                by_name[name] = (await self.create_label(name)).id
        return {name: by_name[name] for name in names}

    async def list_message_ids(
        self,
        query: str,
        max_results: int | None = None,
        label_ids: Sequence[str] | None = None,
    ) -> list[tuple[str, str]]:
        self.calls["messages.list"] += 1
        found = [
            (m.id, m.thread_id)
            for m in sorted(self.messages.values(), key=lambda m: -m.internal_ms)
            if "DRAFT" not in m.labels
            and set(label_ids or ()) <= m.labels
            and self._matches(m, query)
        ]
        return found[:max_results] if max_results else found

    async def get_message(self, message_id: str) -> ParsedMessage:
        self.calls["messages.get"] += 1
        return parse_message(message_resource(self._stored(message_id), "full"))

    async def get_raw_headers(self, message_id: str) -> Headers:
        self.calls["messages.get"] += 1
        return raw_headers(base64.urlsafe_b64encode(self._message(message_id).raw).decode())

    async def get_message_metadata(
        self, message_id: str, headers: Sequence[str] = ()
    ) -> ParsedMessage:
        self.calls["messages.get"] += 1
        stored = self._stored(message_id)
        return parse_message(message_resource(stored, "metadata", list(headers)))

    async def get_thread(self, thread_id: str) -> ThreadData:
        self.calls["threads.get"] += 1
        messages = self._thread(thread_id)
        if not messages:
            raise GmailNotFound(f"threads.get: {thread_id}: Requested entity was not found.")
        parsed = tuple(parse_message(message_resource(m.stored(self.history_id))) for m in messages)
        return ThreadData(thread_id, parsed, self.history_id)

    async def modify_message(
        self, message_id: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> tuple[str, ...]:
        self.calls["messages.modify"] += 1
        return self._relabel(self._message(message_id), add, remove)

    async def modify_thread(
        self, thread_id: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        self.calls["threads.modify"] += 1
        messages = self._thread(thread_id)
        if not messages:
            raise GmailNotFound(f"threads.modify: {thread_id}: Requested entity was not found.")
        for message in messages:
            self._relabel(message, add, remove)

    async def batch_modify(
        self, message_ids: Sequence[str], add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        self.calls["messages.batchModify"] += 1
        for message_id in message_ids:
            if message_id in self.messages:
                self._relabel(self.messages[message_id], add, remove)

    async def list_history(
        self,
        start_history_id: int | str,
        history_types: Sequence[str] | None = None,
        label_id: str | None = None,
    ) -> HistoryPage:
        self.calls["history.list"] += 1
        start = int(start_history_id)
        if self.history and start < self.history[0].id - 1:
            raise GmailHistoryExpired(f"history.list: start id {start} is too old")
        records = tuple(r for r in self.history if r.id > start)
        return HistoryPage(records, self.history_id)

    async def create_draft(self, thread_id: str | None, raw: str) -> Draft:
        self.calls["drafts.create"] += 1
        message_id = self._add(_decode(raw), thread_id, {"DRAFT"})
        draft_id = f"r{next(self._ids)}"
        self.drafts[draft_id] = message_id
        return self._draft(draft_id)

    async def get_draft(self, draft_id: str) -> Draft | None:
        self.calls["drafts.get"] += 1
        return self._draft(draft_id, full=True) if draft_id in self.drafts else None

    async def list_drafts(self, thread_id: str | None = None) -> list[Draft]:
        self.calls["drafts.list"] += 1
        ids = self.drafts_in(thread_id) if thread_id else list(self.drafts)
        return [self._draft(draft_id) for draft_id in ids]

    async def update_draft(self, draft_id: str, thread_id: str | None, raw: str) -> Draft:
        self.calls["drafts.update"] += 1
        if draft_id not in self.drafts:
            raise GmailNotFound(f"drafts.update: {draft_id}: Requested entity was not found.")
        self._remove(self.drafts[draft_id])
        self.drafts[draft_id] = self._add(_decode(raw), thread_id, {"DRAFT"})
        return self._draft(draft_id)

    async def delete_draft(self, draft_id: str) -> bool:
        self.calls["drafts.delete"] += 1
        message_id = self.drafts.pop(draft_id, None)
        if message_id is None:
            return False
        self._remove(message_id)
        return True

    # -- state ----------------------------------------------------------------------------

    def _next_history(self) -> int:
        self.history_id += 1
        return self.history_id

    def _add(self, raw: bytes, thread_id: str | None, labels: set[str]) -> str:
        message_id = f"{next(self._ids):016x}"
        self._clock += timedelta(seconds=1)
        message = _Message(
            message_id, thread_id or message_id, raw, labels, int(self._clock.timestamp() * 1000)
        )
        self.messages[message_id] = message
        ref = HistoryMessage(message_id, message.thread_id, tuple(sorted(labels)))
        self.history.append(HistoryRecord(self._next_history(), messages_added=(ref,)))
        return message_id

    def _remove(self, message_id: str) -> None:
        message = self.messages.pop(message_id)
        ref = HistoryMessage(message_id, message.thread_id, tuple(sorted(message.labels)))
        self.history.append(HistoryRecord(self._next_history(), messages_deleted=(ref,)))

    def _relabel(
        self, message: _Message, add: Sequence[str], remove: Sequence[str]
    ) -> tuple[str, ...]:
        unknown = [i for i in (*add, *remove) if i not in self.labels]
        if unknown:
            raise GmailNotFound(f"modify: no such label {unknown[0]}")
        added = [i for i in add if i not in message.labels]
        removed = [i for i in remove if i in message.labels and i not in add]
        message.labels = (message.labels | set(added)) - set(removed)
        after = tuple(sorted(message.labels))
        if added or removed:

            def change(ids: list[str]) -> tuple[LabelChange, ...]:
                return (
                    (LabelChange(message.id, message.thread_id, tuple(ids), after),) if ids else ()
                )

            self.history.append(
                HistoryRecord(
                    self._next_history(), labels_added=change(added), labels_removed=change(removed)
                )
            )
        return after

    def _message(self, message_id: str) -> _Message:
        if message_id not in self.messages:
            raise GmailNotFound(f"messages.get: {message_id}: Requested entity was not found.")
        return self.messages[message_id]

    def _stored(self, message_id: str) -> StoredMessage:
        return self._message(message_id).stored(self.history_id)

    def _thread(self, thread_id: str) -> list[_Message]:
        found = [m for m in self.messages.values() if m.thread_id == thread_id]
        return sorted(found, key=lambda m: m.internal_ms)

    def _draft(self, draft_id: str, *, full: bool = False) -> Draft:
        stored = self._stored(self.drafts[draft_id])
        return draft_from({"id": draft_id, "message": message_resource(stored)}, full=full)

    def _matches(self, message: _Message, query: str) -> bool:
        alternatives = [q.strip().strip("()") for q in re.split(r"\)\s+OR\s+\(", query)]
        return any(self._matches_all(message, q) for q in alternatives)

    def _matches_all(self, message: _Message, query: str) -> bool:
        parsed = message.stored(self.history_id).parsed
        label_names = {self.labels[i].name.lower() for i in message.labels}
        for negate, key, value in _TERM.findall(query.replace("(", " ").replace(")", " ")):
            value = value.strip('"').lower()
            if key == "newer_than" or value == "or":
                continue
            if key == "in":
                hit = value.upper() in message.labels
            elif key == "label":
                hit = value in label_names or value.upper() in message.labels
            elif key in ("from", "to", "subject"):
                hit = value in parsed.header(key.capitalize()).lower()
            else:
                hit = value in f"{parsed.header('Subject')} {parsed.text}".lower()
            if hit == bool(negate):
                return False
        return True


def _decode(raw: str) -> bytes:
    return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
