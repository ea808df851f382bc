"""The `draft` job: write the reply draft into the thread and move it to Outbox.

Order of effects, chosen so that a rerun after a crash at any point leaves one draft:
create the draft → (record it in the database ‖ remove stale drafts, move the labels). A
rerun first looks in Gmail for a draft of ours (the ✂️ marker) that the database does not
know yet, and adopts it instead of writing a second one; a rerun that finds the draft
recorded finishes the tidy-up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from gmail_assistant.db.models import Email
from gmail_assistant.db.types import utcnow
from gmail_assistant.draft.composer import Composed, DraftComposer, reply_message
from gmail_assistant.draft.context import RelatedContext, gather_context
from gmail_assistant.events import EventType, record_event
from gmail_assistant.flows.deps import FlowDeps, Mailbox
from gmail_assistant.flows.threads import MARKER, drafts_in, latest_inbound
from gmail_assistant.gmail.models import Draft, ThreadData
from gmail_assistant.jobs import Job, PermanentJobError

__all__ = ["DraftHandler", "finish_labels", "mark_drafted", "our_unknown_drafts", "write_reply"]

log = logging.getLogger(__name__)


async def our_unknown_drafts(
    mailbox: Mailbox, thread: ThreadData, known_draft_id: str | None
) -> list[Draft]:
    """Drafts of ours (with the marker) in the thread other than the one we know about.

    Costs one drafts.list, and only when the thread holds a marked draft message at all.
    """
    marked = {m.id for m in drafts_in(thread) if MARKER in m.body_text}
    if not marked:
        return []
    drafts = await mailbox.gmail.list_drafts(thread.id)
    return [d for d in drafts if d.message_id in marked and d.id != known_draft_id]


async def _tidy(mailbox: Mailbox, thread: ThreadData, stale: list[Draft]) -> None:
    for old in stale:
        await mailbox.writer.delete_draft(old.id, thread_id=thread.id)
    await finish_labels(mailbox, thread, "outbox")


async def _both(first: Awaitable[object], second: Awaitable[object]) -> None:
    """Run two steps concurrently and let BOTH finish before raising the first error.

    Never cancels a step half-way: a cancelled Gmail call may still land (its thread runs
    on) after its own-write record was withdrawn.
    """
    results = await asyncio.gather(first, second, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def finish_labels(mailbox: Mailbox, thread: ThreadData, target_key: str) -> None:
    """Leave exactly one classification label on the thread: `target_key` (e.g. Outbox).

    Removes every other classification label (and Rework) whether or not `thread` shows it:
    the thread may come from the cache, read before the classifier labelled it. Removing an
    absent label is a no-op in Gmail, and one threads.modify covers every message.
    """
    labels = mailbox.labels
    target = labels[target_key]
    remove = (labels.classification_ids() | {labels["rework"]}) - {target}
    await mailbox.writer.modify_thread(thread.id, add=[target], remove=sorted(remove))


def mark_drafted(
    session: AsyncSession | Session,
    row: Email,
    *,
    job: Job,
    draft_id: str,
    text: str | None,
    event_type: str,
    detail: str,
) -> None:
    """The email now has this draft of ours: status, draft fields and the event, together."""
    row.draft_id = draft_id
    row.draft_body = text
    row.status = "drafted"
    row.drafted_at = utcnow()
    record_event(
        session,
        user_id=row.user_id,
        email_id=row.id,
        thread_id=row.gmail_thread_id,
        event_type=event_type,
        detail=detail,
        draft_id=draft_id,
        job_id=job.id,
    )


async def write_reply(
    deps: FlowDeps,
    composer: DraftComposer,
    job: Job,
    mailbox: Mailbox,
    email: Email,
    thread: ThreadData,
    *,
    instructions: str | None = None,
    previous_draft: str | None = None,
) -> tuple[Composed, RelatedContext]:
    """Related mail, then the reply text, for a first draft, a rework or a manual draft."""
    related = await gather_context(
        mailbox.gmail, email.context_queries or [], exclude_thread=thread.id
    )
    composed = await composer.compose(
        thread=thread,
        style=email.resolved_style or "business",
        styles=mailbox.settings,  # all rows: styles, sign_off_name (classify/style.py)
        language=email.detected_language or "en",
        related=related.text,
        instructions=instructions,
        previous_draft=previous_draft,
        context=deps.call_context(job, email.id),
    )
    return composed, related


class DraftHandler:
    def __init__(self, *, deps: FlowDeps, composer: DraftComposer) -> None:
        self.deps = deps
        self.composer = composer

    async def __call__(self, job: Job) -> None:
        deps = self.deps
        mailbox = await deps.mailbox(job)
        email = await deps.email(mailbox.user.id, job.thread_id or "")
        if email is None or email.classification != "needs_response":
            return
        if email.status != "pending":
            if email.status == "drafted" and job.attempts > 1:
                # A rerun after a crash between recording the draft and moving the labels
                # (kill -9 found it): finish the move, or the thread keeps Needs Response.
                # The same crash can fall before the stale drafts were removed.
                thread = await deps.thread(mailbox, email.gmail_thread_id, fresh=True)
                for old in await our_unknown_drafts(mailbox, thread, email.draft_id):
                    await mailbox.writer.delete_draft(old.id, thread_id=thread.id)
                await finish_labels(mailbox, thread, "outbox")
            return  # drafted already (a rerun), or the owner moved on
        thread = await deps.thread(mailbox, email.gmail_thread_id)
        inbound = latest_inbound(thread, mailbox.owner_email)
        if inbound is None:
            raise PermanentJobError("thread has no inbound message to reply to")
        # From here on Gmail changes: a retry must read the thread again, not the cache.
        deps.threads.forget(mailbox.user.id, thread.id)
        adopted = await our_unknown_drafts(mailbox, thread, email.draft_id)
        if adopted and email.draft_id is None:
            await self._adopt(job, mailbox, email, thread, adopted)
            return
        composed, related = await write_reply(deps, self.composer, job, mailbox, email, thread)
        raw = await reply_message(
            mailbox.gmail,
            inbound,
            self.composer.body(composed.text),
            owner_email=mailbox.owner_email,
        )
        draft = await mailbox.writer.create_draft(thread.id, raw)
        stale = [d for d in adopted if d.id != draft.id]
        if email.draft_id and email.draft_id != draft.id:
            stale.append(Draft(email.draft_id, "", thread.id))
        # The database record and the Gmail tidy-up run side by side: a rerun after either
        # failed finds the draft (recorded, or adopted by its marker) and finishes the rest.
        await _both(
            self._record(job, mailbox, email, draft, composed.text, composed.error, related),
            _tidy(mailbox, thread, stale),
        )

    async def _adopt(
        self, job: Job, mailbox: Mailbox, email: Email, thread: ThreadData, drafts: list[Draft]
    ) -> None:
        keep, *extra = drafts
        message = next((m for m in thread.messages if m.id == keep.message_id), None)
        text = message.body_text.split(MARKER, 1)[-1].strip() if message else None
        await self._record(job, mailbox, email, keep, text, None, None, adopted=True)
        for old in extra:
            await mailbox.writer.delete_draft(old.id, thread_id=thread.id)
        await finish_labels(mailbox, thread, "outbox")

    async def _record(
        self,
        job: Job,
        mailbox: Mailbox,
        email: Email,
        draft: Draft,
        text: str | None,
        error: str | None,
        related: object,
        *,
        adopted: bool = False,
    ) -> None:
        threads = getattr(related, "threads", 0)
        if error:
            detail = f"error draft: {error}"
            kind = EventType.DRAFT_ERROR
        elif adopted:
            detail, kind = "found our draft from an interrupted run", EventType.DRAFT_CREATED
        else:
            detail = f"draft written ({len(text or '')} chars, {threads} related threads)"
            kind = EventType.DRAFT_CREATED

        def record(session: Session) -> None:
            row = session.get(Email, email.id)
            if row is not None:
                mark_drafted(
                    session,
                    row,
                    job=job,
                    draft_id=draft.id,
                    text=text,
                    event_type=kind,
                    detail=detail,
                )

        await self.deps.database.run_write(record)
