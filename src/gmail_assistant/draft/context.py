"""Related earlier mail for a draft: the classifier's queries, one Gmail search, ≤ 5 threads.

The (≤ 3) queries are OR-ed into one messages.list call (5 quota units instead of 15), the
draft's own thread is excluded, and each related thread contributes its newest match, read
with one messages.get. Any Gmail failure here only costs the context, never the draft.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.gmail.errors import GmailError
from gmail_assistant.prompts.untrusted import wrap_email

__all__ = ["NO_CONTEXT", "RelatedContext", "gather_context"]

log = logging.getLogger(__name__)
NO_CONTEXT = "(none)"
MAX_QUERIES = 3
MAX_THREADS = 5
CHARS_PER_MESSAGE = 1500
MAX_CHARS = 6000


class RelatedContext:
    def __init__(self, text: str, threads: int, queries: int) -> None:
        self.text = text
        self.threads = threads
        self.queries = queries


def combined_query(queries: Sequence[str]) -> str | None:
    cleaned = [" ".join(q.split()) for q in queries if q and q.strip()][:MAX_QUERIES]
    if not cleaned:
        return None
    joined = " OR ".join(f"({q})" for q in cleaned) if len(cleaned) > 1 else cleaned[0]
    return f"{joined} -in:spam -in:trash"


async def gather_context(
    gmail: GmailApi, queries: Sequence[str], *, exclude_thread: str
) -> RelatedContext:
    query = combined_query(queries)
    if query is None:
        return RelatedContext(NO_CONTEXT, 0, 0)
    try:
        found = await gmail.list_message_ids(query, max_results=20)
        picked: dict[str, str] = {}
        for message_id, thread_id in found:
            if thread_id != exclude_thread and thread_id not in picked:
                picked[thread_id] = message_id
            if len(picked) >= MAX_THREADS:
                break
        parts: list[str] = []
        total = 0
        for message_id in picked.values():
            message = await gmail.get_message(message_id)
            block = wrap_email(
                body=message.body_text,
                sender=message.sender_email,
                date=message.date.isoformat() if message.date else "",
                subject=message.subject,
                max_chars=CHARS_PER_MESSAGE,
            )
            if total + len(block) > MAX_CHARS:
                break
            parts.append(block)
            total += len(block)
    except GmailError as exc:
        log.warning("related-mail search failed: %s", type(exc).__name__)
        return RelatedContext("(related mail unavailable)", 0, 1)
    return RelatedContext("\n\n".join(parts) or NO_CONTEXT, len(parts), 1)
