"""The `manual_draft` job: the owner put Needs Response on a thread themselves.

Their notes become the instructions: the text above ✂️ in a draft of the thread, or the whole
body of a draft they wrote. The thread's earlier classification label gives way, and the
notes draft is replaced by ours (updated in place, so nothing of the owner's is deleted).
"""

from __future__ import annotations

from gmail_assistant.db.models import Email
from gmail_assistant.draft.composer import DraftComposer, reply_message
from gmail_assistant.draft.handler import finish_labels, mark_drafted, write_reply
from gmail_assistant.events import EventType, record_event
from gmail_assistant.flows.deps import FlowDeps, Mailbox
from gmail_assistant.flows.threads import (
    MARKER,
    above_marker,
    drafts_in,
    latest_inbound,
)
from gmail_assistant.gmail.models import Draft, ThreadData
from gmail_assistant.jobs import Job
from gmail_assistant.lifecycle.common import already_committed

__all__ = ["ManualDraftHandler"]


class ManualDraftHandler:
    def __init__(self, *, deps: FlowDeps, composer: DraftComposer) -> None:
        self.deps = deps
        self.composer = composer

    async def __call__(self, job: Job) -> None:
        deps = self.deps
        mailbox = await deps.mailbox(job)
        thread_id = job.thread_id or ""
        thread = await deps.thread(mailbox, thread_id, fresh=True)
        if mailbox.labels["needs_response"] not in thread.label_ids:
            return  # the owner changed their mind, or a rerun after we moved it to Outbox
        if await already_committed(deps.database, job.id, EventType.DRAFT_CREATED):
            await finish_labels(mailbox, thread, "outbox")
            return
        inbound = latest_inbound(thread, mailbox.owner_email)
        if inbound is None:
            return
        email = await self._email_row(job, mailbox, thread)
        notes, notes_draft = await self._owner_notes(mailbox, thread, email)
        composed, _related = await write_reply(
            deps, self.composer, job, mailbox, email, thread, instructions=notes
        )
        raw = await reply_message(
            mailbox.gmail,
            inbound,
            self.composer.body(composed.text),
            owner_email=mailbox.owner_email,
        )
        target = notes_draft or (Draft(email.draft_id, "", thread_id) if email.draft_id else None)
        if target is not None:
            draft = await mailbox.writer.update_draft(target.id, thread_id, raw)
        else:
            draft = await mailbox.writer.create_draft(thread_id, raw)
        async with deps.database.transaction() as session:
            row = await session.get(Email, email.id)
            assert row is not None
            row.classification = "needs_response"
            mark_drafted(
                session,
                row,
                job=job,
                draft_id=draft.id,
                text=composed.text,
                event_type=EventType.DRAFT_CREATED,
                detail="manual draft: " + (notes[:500] if notes else "(no notes)"),
            )
        await finish_labels(mailbox, thread, "outbox")

    async def _email_row(self, job: Job, mailbox: Mailbox, thread: ThreadData) -> Email:
        existing = await self.deps.email(mailbox.user.id, thread.id)
        inbound = latest_inbound(thread, mailbox.owner_email)
        assert inbound is not None
        async with self.deps.database.transaction() as session:
            row = await session.get(Email, existing.id) if existing else None
            previous = row.classification if row else None
            if row is None:
                row = Email(
                    user_id=mailbox.user.id,
                    gmail_thread_id=thread.id,
                    gmail_message_id=inbound.id,
                    sender_email=inbound.sender_email,
                    sender_name=inbound.sender_name or None,
                    subject=inbound.subject,
                    snippet=inbound.snippet,
                    received_at=inbound.internal_date,
                    resolved_style="business",
                )
                session.add(row)
            row.last_message_id = inbound.id
            row.rfc_message_id = inbound.message_id or row.rfc_message_id
            row.classification = "needs_response"
            row.reasoning = "the owner asked for a draft (Needs Response label)"
            row.status = "pending"
            await session.flush()
            record_event(
                session,
                user_id=mailbox.user.id,
                email_id=row.id,
                thread_id=thread.id,
                event_type=EventType.MANUAL_DRAFT_REQUESTED,
                detail=f"owner added Needs Response (was {previous or 'unclassified'})",
                label_id=mailbox.labels["needs_response"],
                job_id=job.id,
            )
            return row

    async def _owner_notes(
        self, mailbox: Mailbox, thread: ThreadData, email: Email
    ) -> tuple[str, Draft | None]:
        """The owner's notes and the draft they are in (None when there is no draft)."""
        messages = {m.id: m for m in drafts_in(thread)}
        if not messages:
            return "", None
        drafts = [d for d in await mailbox.gmail.list_drafts(thread.id) if d.message_id in messages]
        # Prefer a draft that is not our own unchanged text.
        drafts.sort(key=lambda d: d.id == email.draft_id)
        for draft in drafts:
            body = messages[draft.message_id].body_text
            notes = above_marker(body)
            if notes is None:
                return body.strip(), draft
            if notes:
                return notes, draft
        keep = drafts[0] if drafts else None
        if keep is not None and MARKER not in messages[keep.message_id].body_text:
            return messages[keep.message_id].body_text.strip(), keep
        return "", keep
