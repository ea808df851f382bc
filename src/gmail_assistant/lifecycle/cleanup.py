"""The `cleanup` job: `done` (the owner marked the thread Done) and `check_sent` (our draft
disappeared — usually because the owner sent it).

done: every AI label but Done, and INBOX, come off every message of the thread; archived.
check_sent: if the stored draft is really gone, the thread is sent, Outbox comes off, and
how much of our text survived into what was sent is kept as the draft's acceptance score.
"""

from __future__ import annotations

import difflib
import re
from datetime import timedelta

from gmail_assistant.db.models import Email
from gmail_assistant.db.types import utcnow
from gmail_assistant.events import EventType, record_event
from gmail_assistant.flows.deps import FlowDeps, Mailbox
from gmail_assistant.flows.threads import MARKER, conversation
from gmail_assistant.gmail.models import ThreadData
from gmail_assistant.jobs import Job

__all__ = ["CleanupHandler", "similarity"]

_CLOCK_SLACK = timedelta(minutes=1)  # Gmail's clock and ours may differ a little
_QUOTE_INTRO = re.compile(r"^(on .+ wrote:|am .+ schrieb .+:|dne .+ napsal.*:)\s*$", re.I)


def _own_text(text: str) -> str:
    """The part of a sent message the owner wrote: no quoted original, no marker line."""
    lines = []
    for line in text.splitlines():
        if line.lstrip().startswith(">") or _QUOTE_INTRO.match(line.strip()):
            break
        lines.append(line)
    kept = "\n".join(lines)
    if MARKER in kept:
        kept = kept.split(MARKER, 1)[1]
    return " ".join(kept.split())


def similarity(draft_text: str, sent_text: str) -> float:
    """0..1: how much of the draft survived into the sent message (word-level)."""
    draft_words = " ".join(draft_text.split()).split()
    sent_words = _own_text(sent_text).split()
    if not draft_words or not sent_words:
        return 0.0
    return round(difflib.SequenceMatcher(None, draft_words, sent_words).ratio(), 3)


class CleanupHandler:
    def __init__(self, *, deps: FlowDeps) -> None:
        self.deps = deps

    async def __call__(self, job: Job) -> None:
        mailbox = await self.deps.mailbox(job)
        thread = await self.deps.thread(mailbox, job.thread_id or "", fresh=True)
        if job.payload.get("action") == "done":
            await self._done(job, mailbox, thread)
        else:
            await self._check_sent(job, mailbox, thread)

    async def _done(self, job: Job, mailbox: Mailbox, thread: ThreadData) -> None:
        labels = mailbox.labels
        remove = (labels.all_ids() - {labels["done"]} | {"INBOX"}) & thread.label_ids
        if remove:
            await mailbox.writer.modify_thread(thread.id, remove=sorted(remove))
        email = await self.deps.email(mailbox.user.id, thread.id)
        async with self.deps.database.transaction() as session:
            row = await session.get(Email, email.id) if email else None
            if row is not None:
                if row.status == "archived":
                    return
                row.status = "archived"
                row.acted_at = utcnow()
            record_event(
                session,
                user_id=mailbox.user.id,
                email_id=row.id if row else None,
                thread_id=thread.id,
                event_type=EventType.ARCHIVED,
                detail="owner marked Done: AI labels and INBOX removed",
                label_id=labels["done"],
                job_id=job.id,
            )

    async def _check_sent(self, job: Job, mailbox: Mailbox, thread: ThreadData) -> None:
        email = await self.deps.email(mailbox.user.id, thread.id)
        if (
            email is None
            or not email.draft_id
            or email.status not in ("drafted", "rework_requested")
        ):
            return
        if await mailbox.gmail.get_draft(email.draft_id) is not None:
            return  # still a draft: the owner edited it, nothing was sent
        drafted_at = email.drafted_at
        sent = [
            m
            for m in conversation(thread)
            if m.is_sent and (drafted_at is None or m.internal_date >= drafted_at - _CLOCK_SLACK)
        ]
        outbox = mailbox.labels["outbox"]
        if outbox in thread.label_ids:
            await mailbox.writer.modify_thread(thread.id, remove=[outbox])
        score = similarity(email.draft_body or "", sent[-1].body_text) if sent else None
        async with self.deps.database.transaction() as session:
            row = await session.get(Email, email.id)
            assert row is not None
            row.status = "sent" if sent else "archived"
            row.draft_similarity = score
            row.draft_id = None
            row.acted_at = utcnow()
            record_event(
                session,
                user_id=mailbox.user.id,
                email_id=row.id,
                thread_id=thread.id,
                event_type=EventType.SENT_DETECTED,
                detail=(
                    f"sent; {score:.0%} of the draft survived"
                    if score is not None
                    else "our draft was deleted without a reply being sent"
                ),
                job_id=job.id,
            )
