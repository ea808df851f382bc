"""The `classify` job: triage the newest inbound message of a thread and label it.

Cheap by design: a fresh mail (no In-Reply-To/References) is read with one messages.get and
labelled with one messages.modify (5 + 5 quota units); replies and re-triage read the whole
thread. The fetched thread is cached so the draft job that follows does not read it again.

The classification and, for needs_response, the draft job commit in one transaction.
Idempotent: a run that finds the message already classified only makes sure the follow-up
(draft job) exists; labels are computed from Gmail's current state, so a second run never
leaves two classification labels.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy.orm import Session

from gmail_assistant.classify.classifier import Classification, Classifier
from gmail_assistant.classify.rules import detect_automation
from gmail_assistant.classify.style import resolve_style, style_menu
from gmail_assistant.db.models import Email
from gmail_assistant.db.types import utcnow
from gmail_assistant.events import EventType, record_event
from gmail_assistant.flows.deps import FlowDeps, Mailbox
from gmail_assistant.flows.threads import latest_inbound, owner_wrote_last
from gmail_assistant.gmail.errors import GmailNotFound
from gmail_assistant.gmail.models import ParsedMessage, ThreadData
from gmail_assistant.jobs import Job, PermanentJobError, names
from gmail_assistant.jobs.in_transaction import enqueue_in, notify_in
from gmail_assistant.payments import PaymentChecker
from gmail_assistant.users.preferences import Preferences

__all__ = ["ClassifyHandler"]

log = logging.getLogger(__name__)


class ClassifyHandler:
    def __init__(
        self, *, deps: FlowDeps, classifier: Classifier, payments: PaymentChecker | None = None
    ) -> None:
        self.deps = deps
        self.classifier = classifier
        self.payments = payments

    async def __call__(self, job: Job) -> None:
        deps = self.deps
        mailbox = await deps.mailbox(job)
        thread_id = job.thread_id or ""
        force = bool(job.payload.get("force"))
        existing = await _email_row(deps, mailbox.user.id, thread_id)
        thread = await self._read(mailbox, job, fresh=force or existing is not None)
        inbound = latest_inbound(thread, mailbox.owner_email)
        owner_last = owner_wrote_last(thread, mailbox.owner_email)
        if inbound is None and not owner_last:
            log.info("thread has no message to classify")
            return
        message = inbound or thread.messages[-1]
        if (
            existing is not None
            and not force
            and existing.classification is not None
            and existing.last_message_id == message.id
        ):
            await self._follow_up(job, existing)  # a rerun: the work is already recorded
            await self._check_payment(job, mailbox, thread, message, existing)
            return
        preferences = Preferences.from_settings(mailbox.settings, where=f"user {mailbox.user.id}")
        automation = detect_automation(
            sender_email=message.sender_email,
            headers=message.headers,
            blacklist=preferences.contacts.blacklist,
        )
        if owner_last:
            result = Classification(
                category="waiting",
                confidence=1.0,
                reasoning="the owner wrote the last message of the thread",
                language=(existing.detected_language if existing else None) or "",
                style=None,
                automated=automation.automated,
            )
        else:
            result = await self.classifier.classify(
                message,
                owner_email=mailbox.owner_email,
                owner_wrote_last=False,
                automation=automation,
                styles=style_menu(preferences),
                context=deps.call_context(job, existing.id if existing else None),
            )
        style, _source = resolve_style(
            sender_email=message.sender_email, preferences=preferences, proposed=result.style
        )
        language = preferences.language_for(message.sender_email, result.language, style)
        result = replace(result, language=language)
        await self._apply_labels(mailbox, thread, message, result.category, existing)
        email = await self._record(job, mailbox, message, result, style, existing, force)
        await self._check_payment(job, mailbox, thread, message, email, result)

    async def _read(self, mailbox: Mailbox, job: Job, *, fresh: bool) -> ThreadData:
        """The thread; a fresh single message costs one messages.get instead of threads.get."""
        message_id = job.payload.get("message_id")
        # A full sync finds threads of any age, and sync flags threads the owner wrote in:
        # those are read whole, to see who wrote last.
        whole = job.payload.get("full_sync") or job.payload.get("owner_replied")
        if not fresh and message_id and not whole:
            try:
                message = await mailbox.gmail.get_message(str(message_id))
            except GmailNotFound:
                message = None
            if message is not None and not (message.in_reply_to or message.references):
                thread = ThreadData(
                    id=message.thread_id, messages=(message,), history_id=message.history_id
                )
                self.deps.threads.put(mailbox.user.id, thread)
                return thread
        return await self.deps.thread(mailbox, job.thread_id or "", fresh=True)

    async def _apply_labels(
        self,
        mailbox: Mailbox,
        thread: ThreadData,
        message: ParsedMessage,
        category: str,
        existing: Email | None,
    ) -> None:
        labels = mailbox.labels
        wanted = labels[category]
        present = thread.label_ids
        stale = (labels.classification_ids() & present) - {wanted}
        if existing is not None and existing.draft_id and category != "needs_response":
            # Moving away from needs_response: the assistant's draft no longer fits.
            await mailbox.writer.delete_draft(existing.draft_id, thread_id=thread.id)
        if stale:
            await mailbox.writer.modify_thread(thread.id, add=[wanted], remove=sorted(stale))
        elif wanted not in message.label_ids:
            await mailbox.writer.modify_message(message.id, thread_id=thread.id, add=[wanted])

    async def _record(
        self,
        job: Job,
        mailbox: Mailbox,
        message: ParsedMessage,
        result: Classification,
        style: str,
        existing: Email | None,
        force: bool,
    ) -> Email:
        status = "pending" if result.category == "needs_response" else "skipped"
        queue = self.deps.queue
        user_id = mailbox.user.id
        label_id = mailbox.labels[result.category]

        def record(session: Session) -> Email:
            email = session.get(Email, existing.id) if existing else None
            previous = email.classification if email else None
            if email is None:
                email = Email(
                    user_id=user_id,
                    gmail_thread_id=message.thread_id,
                    gmail_message_id=message.id,
                )
                session.add(email)
            _store(email, message, result, style, status)
            session.flush()

            def event(event_type: str, detail: str, label: str | None = None) -> None:
                record_event(
                    session,
                    user_id=user_id,
                    email_id=email.id,
                    thread_id=message.thread_id,
                    event_type=event_type,
                    detail=detail[:2000],
                    label_id=label,
                    job_id=job.id,
                )

            event(
                EventType.RECLASSIFIED if force else EventType.CLASSIFIED,
                f"{result.category} ({result.confidence:.2f})"
                f"{' automated' if result.automated else ''}"
                f"{' failsafe' if result.failed else ''}: {result.reasoning}",
                label=label_id,
            )
            if message.parse_warnings:
                # Triaged on what could be read; the event says what could not.
                event(EventType.PARSE_ERROR, "; ".join(message.parse_warnings))
            if previous == "waiting" and result.category != "waiting":
                event(
                    EventType.WAITING_RETRIAGED,
                    f"new reply on a waiting thread → {result.category}",
                )
            if status == "skipped":
                event(EventType.SKIPPED, f"no draft for {result.category}")
            else:
                # The draft job commits with the classification: one transaction, and a
                # crash can never leave a needs_response mail without its draft job.
                conn = session.connection()
                enqueue_in(
                    conn,
                    queue,
                    names.DRAFT,
                    user_id=user_id,
                    thread_id=message.thread_id,
                    payload={"email_id": email.id},
                    in_line_since=job.created_at,
                )
                notify_in(conn, queue)
            return email

        email = await self.deps.database.run_write(record)
        if status == "pending":
            queue.wakeup.notify()
        return email

    async def _check_payment(
        self,
        job: Job,
        mailbox: Mailbox,
        thread: ThreadData,
        message: ParsedMessage,
        email: Email,
        result: Classification | None = None,
    ) -> None:
        """A payment request's account against the payee's earlier ones (`payments`), with
        the payment fields of this run's classify answer (none on a rerun: code's reading
        and the sender's name then stand alone)."""
        if self.payments is not None:
            await self.payments.check(
                mailbox=mailbox,
                thread=thread,
                message=message,
                email_id=email.id,
                category=email.classification or "",
                job_id=job.id,
                answer=result.payment if result is not None else None,
            )

    async def _follow_up(self, job: Job, email: Email) -> None:
        if email.classification == "needs_response" and email.status == "pending":
            await self.deps.queue.enqueue(
                names.DRAFT,
                user_id=email.user_id,
                thread_id=email.gmail_thread_id,
                payload={"email_id": email.id},
                run_after=job.created_at,  # the mail's place in the queue, as in `_record`
            )


def _store(
    email: Email, message: ParsedMessage, result: Classification, style: str, status: str
) -> None:
    """The classification and what it was made from, on the email's row."""
    email.last_message_id = message.id
    email.rfc_message_id = message.message_id or email.rfc_message_id
    email.sender_email = message.sender_email
    email.sender_name = message.sender_name or None
    email.subject = message.subject
    email.snippet = message.snippet
    email.classification = result.category
    email.confidence = result.confidence
    email.reasoning = "; ".join([result.reasoning, *result.notes]).strip("; ")
    email.detected_language = result.language
    email.resolved_style = style
    email.is_automated = result.automated
    email.context_queries = list(result.context_queries)
    email.status = status
    email.received_at = message.internal_date
    email.classified_at = utcnow()
    if result.category != "needs_response":
        email.draft_id = None
        email.draft_body = None


async def _email_row(deps: FlowDeps, user_id: int, thread_id: str) -> Email | None:
    if not thread_id:
        raise PermanentJobError("classify job without a thread")
    return await deps.email(user_id, thread_id)
