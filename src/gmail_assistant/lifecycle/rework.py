"""The `rework` job: the owner put Rework on a drafted thread.

The instructions are what the owner wrote above ✂️ in the draft ("(no specific instruction
provided)" when nothing). At most three reworks: the third carries a last-rework warning and
lands in Action Required; a fourth only moves the labels and marks the email skipped, with
no LLM call.
"""

from __future__ import annotations

from gmail_assistant.db.models import Email
from gmail_assistant.draft.composer import DraftComposer, reply_message
from gmail_assistant.draft.handler import finish_labels, mark_drafted, write_reply
from gmail_assistant.events import EventType, record_event
from gmail_assistant.flows.deps import FlowDeps, Mailbox
from gmail_assistant.flows.threads import above_marker, below_marker, latest_inbound
from gmail_assistant.gmail.models import ThreadData
from gmail_assistant.jobs import Job
from gmail_assistant.lifecycle.common import already_committed

__all__ = ["LAST_REWORK_WARNING", "MAX_REWORKS", "ReworkHandler"]

MAX_REWORKS = 3
LAST_REWORK_WARNING = (
    "⚠️ This is the last automatic rework (3 of 3). Further changes need your own edits; "
    "the thread is now in Action Required."
)


class ReworkHandler:
    def __init__(self, *, deps: FlowDeps, composer: DraftComposer) -> None:
        self.deps = deps
        self.composer = composer

    async def __call__(self, job: Job) -> None:
        deps = self.deps
        mailbox = await deps.mailbox(job)
        thread_id = job.thread_id or ""
        rework_label = mailbox.labels["rework"]
        thread = await deps.thread(mailbox, thread_id, fresh=True)
        if rework_label not in thread.label_ids:
            return  # handled already, or the owner took the label off again
        email = await deps.email(mailbox.user.id, thread_id)
        if email is None or not email.draft_id:
            await self._drop_label(job, mailbox, thread, email, "no draft of ours to rework")
            return
        if await already_committed(deps.database, job.id, EventType.REWORK_REQUESTED):
            target = "action_required" if email.rework_count >= MAX_REWORKS else "outbox"
            await finish_labels(mailbox, thread, target)
            return
        if email.rework_count >= MAX_REWORKS:
            await self._limit_reached(job, mailbox, thread, email)
            return
        draft = await mailbox.gmail.get_draft(email.draft_id)
        if draft is None:
            await self._drop_label(job, mailbox, thread, email, "the draft is gone")
            return
        body = draft.body_text or ""
        instructions = above_marker(body) or ""
        previous = below_marker(body)
        inbound = latest_inbound(thread, mailbox.owner_email)
        if inbound is None:
            await self._drop_label(job, mailbox, thread, email, "no inbound message")
            return
        count = email.rework_count + 1
        composed, _related = await write_reply(
            deps,
            self.composer,
            job,
            mailbox,
            email,
            thread,
            instructions=instructions,
            previous_draft=previous,
        )
        note = LAST_REWORK_WARNING if count == MAX_REWORKS else None
        raw = await reply_message(
            mailbox.gmail,
            inbound,
            self.composer.body(composed.text, note=note),
            owner_email=mailbox.owner_email,
        )
        updated = await mailbox.writer.update_draft(email.draft_id, thread_id, raw)
        async with deps.database.transaction() as session:
            row = await session.get(Email, email.id)
            assert row is not None
            row.rework_count = count
            row.last_rework_instruction = instructions or None
            mark_drafted(
                session,
                row,
                job=job,
                draft_id=updated.id,
                text=composed.text,
                event_type=EventType.REWORK_REQUESTED,
                detail=f"rework {count}/{MAX_REWORKS}: "
                + (instructions[:500] or "(no specific instruction provided)"),
            )
        await finish_labels(
            mailbox, thread, "action_required" if count == MAX_REWORKS else "outbox"
        )

    async def _limit_reached(
        self, job: Job, mailbox: Mailbox, thread: ThreadData, email: Email
    ) -> None:
        await finish_labels(mailbox, thread, "action_required")
        async with self.deps.database.transaction() as session:
            row = await session.get(Email, email.id)
            assert row is not None
            row.status = "skipped"
            record_event(
                session,
                user_id=mailbox.user.id,
                email_id=row.id,
                thread_id=thread.id,
                event_type=EventType.REWORK_LIMIT_REACHED,
                detail=f"rework limit of {MAX_REWORKS} reached: labels moved, no new draft",
                job_id=job.id,
            )

    async def _drop_label(
        self, job: Job, mailbox: Mailbox, thread: ThreadData, email: Email | None, why: str
    ) -> None:
        await mailbox.writer.modify_thread(thread.id, remove=[mailbox.labels["rework"]])
        async with self.deps.database.transaction() as session:
            record_event(
                session,
                user_id=mailbox.user.id,
                email_id=email.id if email else None,
                thread_id=thread.id,
                event_type=EventType.LABEL_REMOVED,
                detail=f"Rework ignored: {why}",
                label_id=mailbox.labels["rework"],
                job_id=job.id,
            )
