"""Values the Gmail adapter returns: frozen dataclasses, never raw API dicts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "AUTOMATION_HEADERS",
    "Draft",
    "Headers",
    "HistoryMessage",
    "HistoryPage",
    "HistoryRecord",
    "Label",
    "LabelChange",
    "MailAddress",
    "ParsedMessage",
    "Profile",
    "ThreadData",
]

# Headers the classifier's automation rules read; `Headers` always answers for them.
AUTOMATION_HEADERS = (
    "Auto-Submitted",
    "Precedence",
    "List-Id",
    "List-Unsubscribe",
    "Feedback-ID",
    "X-Autoreply",
    "X-Auto-Response-Suppress",
    "Return-Path",
)


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only view of a message's headers, in their original order.

    ``headers["list-id"]`` gives the first value; ``get_all`` gives every value of a name.
    """

    __slots__ = ("_index", "_pairs")

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self._pairs: tuple[tuple[str, str], ...] = tuple((str(k), str(v)) for k, v in pairs)
        index: dict[str, str] = {}
        for key, value in self._pairs:
            index.setdefault(key.lower(), value)
        self._index = index

    def __getitem__(self, name: str) -> str:
        return self._index[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for key, _ in self._pairs:
            if key.lower() not in seen:
                seen.add(key.lower())
                yield key

    def __len__(self) -> int:
        return len(self._index)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and self._pairs == other._pairs

    def __hash__(self) -> int:
        return hash(self._pairs)

    def __repr__(self) -> str:
        return f"Headers({list(self._pairs)!r})"

    def get_all(self, name: str) -> tuple[str, ...]:
        lowered = name.lower()
        return tuple(value for key, value in self._pairs if key.lower() == lowered)

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        return self._pairs


_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')


@dataclass(frozen=True, order=True)
class MailAddress:
    """A mailbox of a header: ``address`` is a plain, lower-cased addr-spec (never text
    from a display name); ``name`` is the decoded display name, "" when there is none."""

    address: str
    name: str = ""

    def __str__(self) -> str:
        """Readable text (``"Novák, Jan" <jan@x.cz>``): the name quoted where it needs it,
        so a comma in it cannot read as a second mailbox (prompts, logs, pages)."""
        if not self.name:
            return self.address
        quoted = self.name.replace("\\", "\\\\").replace('"', '\\"')
        return (
            f'"{quoted}" <{self.address}>'
            if _SPECIALS.search(self.name)
            else (f"{self.name} <{self.address}>")
        )


@dataclass(frozen=True)
class ParsedMessage:
    id: str
    thread_id: str
    label_ids: tuple[str, ...]
    history_id: int
    internal_date: datetime  # UTC, when Gmail received the message
    snippet: str
    sender_name: str
    sender_email: str  # lower-cased; "" when From holds no usable address
    to: tuple[MailAddress, ...]
    cc: tuple[MailAddress, ...]
    reply_to: tuple[MailAddress, ...]  # every Reply-To mailbox, in order
    subject: str
    date: datetime | None  # the Date header, UTC; None when missing or unparsable
    message_id: str  # RFC 822 Message-ID, with angle brackets
    in_reply_to: str
    references: str
    headers: Headers
    body_text: str
    body_truncated: bool = False
    has_attachments: bool = False
    attachment_names: tuple[str, ...] = ()
    # What the parser had to skip or guess (a broken base64 part, an unknown charset, ...).
    parse_warnings: tuple[str, ...] = ()
    # False when Gmail's decoded Reply-To text holds more than one "@": a display name may
    # then spell an address of its own, and only the raw header tells (`get_raw_headers`).
    reply_to_exact: bool = True

    @property
    def sender(self) -> MailAddress | None:
        return MailAddress(self.sender_email, self.sender_name) if self.sender_email else None

    @property
    def is_draft(self) -> bool:
        return "DRAFT" in self.label_ids

    @property
    def is_sent(self) -> bool:
        return "SENT" in self.label_ids

    @property
    def is_unread(self) -> bool:
        return "UNREAD" in self.label_ids

    @property
    def in_inbox(self) -> bool:
        return "INBOX" in self.label_ids


@dataclass(frozen=True)
class ThreadData:
    id: str
    messages: tuple[ParsedMessage, ...]
    history_id: int

    @property
    def last_message(self) -> ParsedMessage | None:
        return self.messages[-1] if self.messages else None

    @property
    def label_ids(self) -> frozenset[str]:
        return frozenset(label for message in self.messages for label in message.label_ids)


@dataclass(frozen=True)
class Label:
    id: str
    name: str
    type: str  # "system" or "user"


@dataclass(frozen=True)
class Draft:
    id: str
    message_id: str
    thread_id: str
    body_text: str | None = None  # only when the draft was fetched in full
    subject: str | None = None


@dataclass(frozen=True)
class HistoryMessage:
    id: str
    thread_id: str
    label_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabelChange:
    message_id: str
    thread_id: str
    label_ids: tuple[str, ...]  # the labels added (or removed)
    message_label_ids: tuple[str, ...]  # the message's labels after the change


@dataclass(frozen=True)
class HistoryRecord:
    id: int
    messages_added: tuple[HistoryMessage, ...] = ()
    messages_deleted: tuple[HistoryMessage, ...] = ()
    labels_added: tuple[LabelChange, ...] = ()
    labels_removed: tuple[LabelChange, ...] = ()


@dataclass(frozen=True)
class HistoryPage:
    """Every record after the start id, and the mailbox's newest history id."""

    records: tuple[HistoryRecord, ...]
    history_id: int


@dataclass(frozen=True)
class Profile:
    email: str
    history_id: int
    messages_total: int
    threads_total: int = 0
