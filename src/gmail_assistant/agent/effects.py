"""What agent tools change in the mailbox: the live effects and the dry-run ones.

Live effects use the pipeline's own parts: the reply MIME of `draft.composer.reply_message`,
the ✂️ body of `DraftComposer.body`, the own-write recording `GmailWriter`, the label move
of `draft.handler.finish_labels` and the `emails` bookkeeping of `mark_drafted`. At most one
draft of the assistant lives in a thread: a second `create_draft` (in the same run, or when
the thread already holds one of ours) is refused in the tool's result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from gmail_assistant.db.models import Email
from gmail_assistant.draft.composer import DraftComposer, reply_message
from gmail_assistant.draft.handler import finish_labels, mark_drafted
from gmail_assistant.events import EventType, record_event
from gmail_assistant.flows.deps import FlowDeps, Mailbox
from gmail_assistant.gmail.models import ParsedMessage, ThreadData
from gmail_assistant.jobs import Job

__all__ = ["ESCALATED", "DryRunEffects", "LiveEffects"]

ESCALATED = "agent_escalated"


@dataclass
class LiveEffects:
    deps: FlowDeps
    job: Job
    mailbox: Mailbox
    thread: ThreadData
    inbound: ParsedMessage
    email_id: int
    profile: str
    draft_id: str | None = None  # ours, live in the thread (from before, or this run)
    escalated: str | None = None
    labelled: str | None = None

    async def write_draft(self, body: str) -> str:
        if self.draft_id is not None:
            return (
                f"A draft of the assistant already exists in this thread (id {self.draft_id});"
                " no second draft was written."
            )
        mailbox = self.mailbox
        raw = await reply_message(
            mailbox.gmail, self.inbound, DraftComposer.body(body), owner_email=mailbox.owner_email
        )
        draft = await mailbox.writer.create_draft(self.thread.id, raw)
        self.draft_id = draft.id
        text = body.strip()

        def record(session: Session) -> None:
            row = session.get(Email, self.email_id)
            if row is not None:
                row.classification = "needs_response"
                mark_drafted(
                    session,
                    row,
                    job=self.job,
                    draft_id=draft.id,
                    text=text,
                    event_type=EventType.DRAFT_CREATED,
                    detail=f"agent {self.profile}: draft written ({len(text)} chars)",
                )

        await self.deps.database.run_write(record)
        await finish_labels(mailbox, self.thread, "outbox")
        return f"Draft {draft.id} saved in the thread for the owner to review (not sent)."

    async def escalate(self, reason: str) -> str:
        await finish_labels(self.mailbox, self.thread, "action_required")
        self.escalated = reason
        await self._note("action_required", ESCALATED, reason)
        return "Escalated: the thread is labelled Action Required for the owner."

    async def apply_label(self, key: str) -> str:
        await finish_labels(self.mailbox, self.thread, key)
        self.labelled = key
        await self._note(key, EventType.LABEL_ADDED, f"agent {self.profile}: {key}")
        return f"Label {key} applied to the thread."

    async def _note(self, category: str, event_type: str, detail: str) -> None:
        label_id = self.mailbox.labels[category]

        def record(session: Session) -> None:
            row = session.get(Email, self.email_id)
            if row is None:
                return
            if row.status == "pending":
                row.status = "skipped"  # handled without a draft (so far)
            if row.draft_id is None:
                row.classification = category
            record_event(
                session,
                user_id=row.user_id,
                email_id=row.id,
                thread_id=row.gmail_thread_id,
                event_type=event_type,
                detail=detail[:2000],
                label_id=label_id,
                job_id=self.job.id,
            )

        await self.deps.database.run_write(record)


@dataclass
class DryRunEffects:
    """`debug-agent`: nothing changes; each effect is noted and described to the model."""

    notes: list[str] = field(default_factory=list)

    async def write_draft(self, body: str) -> str:
        self.notes.append(f"would write a draft:\n{body.strip()}")
        return "Dry run: the draft would be saved for the owner to review."

    async def escalate(self, reason: str) -> str:
        self.notes.append(f"would escalate: {reason}")
        return "Dry run: the thread would be labelled Action Required."

    async def apply_label(self, key: str) -> str:
        self.notes.append(f"would apply label {key}")
        return f"Dry run: label {key} would be applied."
