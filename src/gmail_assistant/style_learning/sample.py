"""A bounded sample of the owner's sent replies, read through the Gmail port.

One `messages.list` query (`in:sent`, `after:` the given date or `newer_than:1y`), newest
first, capped at `limit` ids, then one `messages.get` per id (a few at a time; the Gmail
client keeps to the quota). Only replies count (an
`In-Reply-To` header or a "Re:"-style subject) and only the owner's own text is kept (the
quoted original goes, see `quotes`). Replies that carry the assistant's draft marker are left
out: they are the model's writing, not the owner's. Nothing here is stored.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import date

from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.gmail.errors import GmailNotFound
from gmail_assistant.gmail.models import ParsedMessage
from gmail_assistant.style_learning.quotes import own_text
from gmail_assistant.style_learning.traits import ReplyTraits, extract_traits

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "SentReply", "read_sent_replies", "sent_query"]

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 200
MAX_LIMIT = 500
MARKER = "✂️"  # the assistant's draft marker (flows.threads.MARKER)
OFFLINE_LABEL = "[offline demo model]"
CONCURRENT_READS = 4
_REPLY_SUBJECT_RE = re.compile(r"^\s*(re|aw|odp|sv|antw|r)\s*(\[\d+\])?\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class SentReply:
    message_id: str
    recipient: str  # the first To address, lower-cased
    traits: ReplyTraits


def sent_query(since: date | None) -> str:
    return f"in:sent after:{since:%Y/%m/%d}" if since else "in:sent newer_than:1y"


def _is_reply(subject: str, in_reply_to: str) -> bool:
    return bool(in_reply_to.strip()) or bool(_REPLY_SUBJECT_RE.match(subject))


async def read_sent_replies(
    gmail: GmailApi, *, owner_email: str, since: date | None, limit: int = DEFAULT_LIMIT
) -> list[SentReply]:
    """The owner's recent sent replies with their traits, newest first."""
    limit = max(1, min(limit, MAX_LIMIT))
    ids = await gmail.list_message_ids(sent_query(since), max_results=limit)
    owner = owner_email.strip().lower()
    slots = asyncio.Semaphore(CONCURRENT_READS)

    async def read(message_id: str) -> ParsedMessage | None:
        async with slots:
            try:
                return await gmail.get_message(message_id)
            except GmailNotFound:
                return None  # deleted between the list and the get

    messages = await asyncio.gather(*(read(message_id) for message_id, _ in ids))
    replies: list[SentReply] = []
    for message in messages:
        if message is None or message.is_draft:
            continue
        if not _is_reply(message.subject, message.in_reply_to):
            continue
        recipients = [a.address.lower() for a in message.to if a.address.lower() != owner]
        text = own_text(message.body_text)
        if not recipients or not text.strip() or MARKER in text or OFFLINE_LABEL in text:
            continue
        replies.append(SentReply(message.id, recipients[0], extract_traits(text)))
    log.info(
        "read sent replies", extra={"listed": len(ids), "replies": len(replies), "limit": limit}
    )
    return replies
