"""Reading a thread the way the flows need it: who wrote last, the owner's and our drafts."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from gmail_assistant.gmail.models import ParsedMessage, ThreadData

__all__ = [
    "MARKER",
    "ThreadCache",
    "above_marker",
    "below_marker",
    "drafts_in",
    "latest_inbound",
    "owner_wrote_last",
    "with_marker",
]

# The owner writes rework instructions above it; the AI text is below it.
MARKER = "✂️"
_MARKER_BLOCK = f"\n\n{MARKER}\n\n"


def with_marker(text: str) -> str:
    return _MARKER_BLOCK + text.strip() + "\n"


def above_marker(body: str) -> str | None:
    """The owner's notes above the marker; None when the body has no marker."""
    if MARKER not in body:
        return None
    return body.split(MARKER, 1)[0].strip()


def below_marker(body: str) -> str:
    return body.split(MARKER, 1)[1].strip() if MARKER in body else body.strip()


def _from_owner(message: ParsedMessage, owner_email: str) -> bool:
    return message.is_sent or message.sender_email == owner_email.lower()


def conversation(thread: ThreadData) -> list[ParsedMessage]:
    """The thread's real messages (no drafts), oldest first."""
    messages = [m for m in thread.messages if not m.is_draft]
    return sorted(messages, key=lambda m: (m.internal_date, m.id))


def latest_inbound(thread: ThreadData, owner_email: str) -> ParsedMessage | None:
    for message in reversed(conversation(thread)):
        if not _from_owner(message, owner_email):
            return message
    return None


def owner_wrote_last(thread: ThreadData, owner_email: str) -> bool:
    messages = conversation(thread)
    return bool(messages) and _from_owner(messages[-1], owner_email)


def drafts_in(thread: ThreadData) -> list[ParsedMessage]:
    return [m for m in thread.messages if m.is_draft]


class ThreadCache:
    """Threads fetched by one job, reused by the next job on the same thread in this process.

    The draft job usually runs right after the classify job that fetched the thread; reading
    the cache saves a threads.get (10 quota units). Entries are short-lived and a miss simply
    fetches again, so several replicas need no shared cache.
    """

    def __init__(
        self,
        *,
        ttl_seconds: float = 300.0,
        max_entries: int = 512,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[tuple[int, str], tuple[float, ThreadData]] = OrderedDict()

    def get(self, user_id: int, thread_id: str) -> ThreadData | None:
        entry = self._entries.get((user_id, thread_id))
        if entry is None:
            return None
        stored, thread = entry
        if self.clock() - stored > self.ttl:
            self._entries.pop((user_id, thread_id), None)
            return None
        return thread

    def put(self, user_id: int, thread: ThreadData) -> None:
        key = (user_id, thread.id)
        self._entries[key] = (self.clock(), thread)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def forget(self, user_id: int, thread_id: str) -> None:
        self._entries.pop((user_id, thread_id), None)
