"""One Gmail mailbox: labels, messages, threads and history.

Not thread-safe on its own: :class:`~gmail_emulator.state.EmulatorState` holds the one
lock around every call. Every mutation writes history the way Gmail does and hands the new
history id to ``on_change`` (the watch/push hook).
"""

from __future__ import annotations

import email.policy
import time
from collections.abc import Callable, Iterable
from email import message_from_bytes
from typing import Any

from gmail_emulator.errors import bad_request, conflict, not_found
from gmail_emulator.history import HistoryLog
from gmail_emulator.labels import Label, label_key, system_labels
from gmail_emulator.messages import IdSource, StoredMessage, new_stored_message
from gmail_emulator.mime import parse_message
from gmail_emulator.query import SearchDoc, compile_query
from gmail_emulator.thread_match import joins_thread

__all__ = ["SEND_MODES", "ChangeHook", "Mailbox"]

# How sending a draft shows in history (see ``drafts.send_draft``).
SEND_MODES = ("replace", "relabel")

ChangeHook = Callable[[str, int, frozenset[str]], None]  # (email, history id, label ids)
_REPLY_HEADERS = ("In-Reply-To", "References")


class Mailbox:
    def __init__(
        self,
        email_address: str,
        *,
        ids: IdSource,
        max_history: int = 10_000,
        on_change: ChangeHook | None = None,
    ) -> None:
        self.email = email_address
        self.ids = ids
        self.labels: dict[str, Label] = system_labels()
        self.messages: dict[str, StoredMessage] = {}
        self.drafts: dict[str, str] = {}  # draft id -> message id
        self.history = HistoryLog(max_records=max_history)
        self.watch: dict[str, Any] | None = None
        self.push_url: str | None = None
        self.send_mode = SEND_MODES[0]
        self._next_label = 1
        self._by_rfc_id: dict[str, str] = {}  # Message-ID header -> message id
        self._on_change = on_change

    # -- labels -------------------------------------------------------------------------

    def label(self, label_id: str) -> Label:
        try:
            return self.labels[label_id]
        except KeyError:
            raise not_found() from None

    def find_label(self, name_or_id: str) -> Label | None:
        if name_or_id in self.labels:
            return self.labels[name_or_id]
        key = label_key(name_or_id)
        for label in self.labels.values():
            if label_key(label.name) == key:
                return label
        return None

    def resolve_labels(self, label_ids: Iterable[str], *, by_name: bool = False) -> list[str]:
        """Label ids, checked. The API takes ids only, as Gmail does: a label *name* there
        is ``400 Invalid label``. The owner's own actions (``by_name``) may use names."""
        resolved: list[str] = []
        for item in label_ids:
            label = self.find_label(item) if by_name else self.labels.get(str(item))
            if label is None:
                raise bad_request(f"Invalid label: {item}")
            if label.id not in resolved:
                resolved.append(label.id)
        return resolved

    def create_label(self, body: dict[str, Any]) -> Label:
        name = str(body.get("name") or "").strip()
        if not name:
            raise bad_request("Invalid label name")
        self._check_name_free(name, None)
        label_id = f"Label_{self._next_label}"
        self._next_label += 1
        label = Label(id=label_id, name=name).updated(body, partial=True)
        self.labels[label_id] = label
        return label

    def update_label(self, label_id: str, body: dict[str, Any], *, partial: bool) -> Label:
        label = self.label(label_id)
        if label.type == "system":
            raise bad_request("Invalid update request", reason="invalidArgument")
        if body.get("name"):
            self._check_name_free(str(body["name"]), label_id)
        self.labels[label_id] = label.updated(body, partial=partial)
        return self.labels[label_id]

    def delete_label(self, label_id: str) -> None:
        label = self.label(label_id)
        if label.type == "system":
            raise bad_request("Invalid delete request")
        for message in list(self.messages.values()):
            if label_id in message.label_ids:
                self.modify(message.id, remove=[label_id])
        del self.labels[label_id]

    def _check_name_free(self, name: str, own_id: str | None) -> None:
        for label in self.labels.values():
            if label.id != own_id and label.name.lower() == name.lower():
                raise conflict("Label name exists or conflicts")

    def label_counts(self, label_id: str) -> dict[str, int]:
        tagged = [m for m in self.messages.values() if label_id in m.label_ids]
        unread = [m for m in tagged if "UNREAD" in m.label_ids]
        return {
            "messagesTotal": len(tagged),
            "messagesUnread": len(unread),
            "threadsTotal": len({m.thread_id for m in tagged}),
            "threadsUnread": len({m.thread_id for m in unread}),
        }

    # -- messages -----------------------------------------------------------------------

    def message(self, message_id: str) -> StoredMessage:
        try:
            return self.messages[message_id]
        except KeyError:
            raise not_found() from None

    def thread(self, thread_id: str) -> list[StoredMessage]:
        found = [m for m in self.messages.values() if m.thread_id == thread_id]
        if not found:
            raise not_found()
        return sorted(found, key=lambda m: (m.internal_ms, m.id))

    def thread_for(self, raw: bytes, thread_id: str | None, *, strict: bool = True) -> str | None:
        """The thread a delivered message joins: the given one, or the one its reply headers
        name (mail from outside; the API's own writes go through :meth:`reply_thread`)."""
        if thread_id:
            if any(m.thread_id == thread_id for m in self.messages.values()):
                return thread_id
            if strict:
                raise not_found()
            return thread_id
        parsed = message_from_bytes(raw, policy=email.policy.compat32)
        for header in _REPLY_HEADERS:
            for ref in reversed(str(parsed.get(header) or "").split()):
                known = self._by_rfc_id.get(ref.strip())
                if known and known in self.messages:
                    return self.messages[known].thread_id
        return None

    def reply_thread(
        self, raw: bytes, thread_id: str | None, *, keep: str | None = None
    ) -> str | None:
        """The thread a draft or sent message of the API joins, by Gmail's rule
        (:mod:`gmail_emulator.thread_match`); None: it opens a new thread.

        An unknown ``thread_id`` is 404. ``keep`` is the thread of the draft being replaced:
        a draft alone in its thread may keep naming it.
        """
        if not thread_id:
            return None
        members = [m.parsed for m in self.messages.values() if m.thread_id == thread_id]
        if not members:
            if thread_id == keep:
                return thread_id
            raise not_found()
        new = parse_message(raw, message_id="")
        return thread_id if joins_thread(new, members) else None

    def add_message(
        self,
        raw: bytes,
        label_ids: Iterable[str],
        *,
        thread_id: str | None = None,
        internal_ms: int | None = None,
        by_name: bool = False,
    ) -> StoredMessage:
        """Store a message in ``thread_id`` (already resolved) or a new thread.

        ``internalDate`` is when the mailbox received it (now), as in Gmail; the Date header
        never sets it. ``internal_ms`` sets it explicitly (seeds with a receive time).
        """
        message_id = self.ids.next_id()
        labels = tuple(self.resolve_labels(label_ids, by_name=by_name))
        if internal_ms is None:
            internal_ms = int(time.time() * 1000)
        message = new_stored_message(
            message_id=message_id,
            thread_id=thread_id or message_id,
            raw=raw,
            label_ids=labels,
            internal_ms=internal_ms,
            history_id=self.history.current_id,
        )
        self.messages[message_id] = message
        if message.message_id_header:
            self._by_rfc_id[message.message_id_header] = message_id
        return self._record("messageAdded", message, ())

    def modify(
        self,
        message_id: str,
        *,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
        by_name: bool = False,
    ) -> StoredMessage:
        message = self.message(message_id)
        add_ids = self.resolve_labels(add, by_name=by_name)
        remove_ids = [i for i in self.resolve_labels(remove, by_name=by_name) if i not in add_ids]
        added = [i for i in add_ids if i not in message.label_ids]
        removed = [i for i in remove_ids if i in message.label_ids]
        if added:
            labels = message.label_ids + tuple(added)
            message = self._record("labelAdded", message.with_labels(labels, 0), added)
        if removed:
            labels = tuple(i for i in message.label_ids if i not in removed)
            message = self._record("labelRemoved", message.with_labels(labels, 0), removed)
        return message

    def delete_message(self, message_id: str) -> StoredMessage:
        message = self.message(message_id)
        del self.messages[message_id]
        for draft_id, draft_message in list(self.drafts.items()):
            if draft_message == message_id:
                del self.drafts[draft_id]
        self._record("messageDeleted", message, ())
        return message

    def _record(self, kind: str, message: StoredMessage, label_ids: Iterable[str]) -> StoredMessage:
        """Write the history record; a stored message takes its id. Returns the message."""
        changed = tuple(label_ids)
        history_id = self.history.record(kind, message.ref(), changed)
        if kind != "messageDeleted":
            message = message.with_labels(message.label_ids, history_id)
            self.messages[message.id] = message
        if self._on_change is not None:
            self._on_change(self.email, history_id, frozenset(message.label_ids + changed))
        return message

    # -- search -------------------------------------------------------------------------

    def search_doc(self, message: StoredMessage) -> SearchDoc:
        parsed = message.parsed
        keys = set()
        for label_id in message.label_ids:
            keys.add(label_key(label_id))
            if label_id in self.labels:
                keys.add(label_key(self.labels[label_id].name))
        recipients = " ".join(parsed.header_all("To") + parsed.header_all("Cc"))
        return SearchDoc(
            label_ids=frozenset(message.label_ids),
            label_keys=frozenset(keys),
            sender=parsed.header("From"),
            recipients=recipients + " " + " ".join(parsed.header_all("Bcc")),
            cc=" ".join(parsed.header_all("Cc")),
            subject=parsed.header("Subject"),
            text=parsed.text,
            message_id=parsed.header("Message-ID"),
            internal_ms=message.internal_ms,
            filenames=tuple(a.filename for a in parsed.attachments.values()),
        )

    def search(
        self,
        q: str | None = None,
        label_ids: Iterable[str] = (),
        *,
        include_spam_trash: bool = False,
    ) -> list[StoredMessage]:
        """Matching messages, newest first."""
        query = compile_query(q)
        required = self.resolve_labels(label_ids)
        show_hidden = include_spam_trash or query.wants_spam_trash
        show_hidden = show_hidden or any(i in ("SPAM", "TRASH") for i in required)
        found = []
        for message in self.messages.values():
            if any(i not in message.label_ids for i in required):
                continue
            if not show_hidden and ("SPAM" in message.label_ids or "TRASH" in message.label_ids):
                continue
            if query.matches(self.search_doc(message)):
                found.append(message)
        return sorted(found, key=lambda m: (m.internal_ms, m.id), reverse=True)

    def thread_ids(self, messages: Iterable[StoredMessage]) -> list[str]:
        seen: list[str] = []
        for message in messages:
            if message.thread_id not in seen:
                seen.append(message.thread_id)
        return seen
