"""The `agent_process` job: a routed mail handled by its profile's tool loop.

One run is one `agent_runs` row (profile, status, tool-call log, final message, iterations,
error) and an `agent_run` event on the email that summarises it. The owner always sees the
outcome in Gmail: a draft (Outbox), a label, or — when the run failed, stopped at a limit,
or its profile is broken — Action Required with the reason.

Reruns: a run that finished for this message is not repeated; a draft of ours left by an
interrupted run (the ✂️ marker, unknown to the database) is adopted, never written twice.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gmail_assistant.agent.effects import LiveEffects
from gmail_assistant.agent.loop import AgentLlm, RunOutcome, run_loop
from gmail_assistant.agent.profiles import Profile
from gmail_assistant.agent.tools import ToolContext
from gmail_assistant.db.models import AgentRun, Email
from gmail_assistant.db.types import utcnow
from gmail_assistant.draft.handler import finish_labels, mark_drafted, our_unknown_drafts
from gmail_assistant.events import EventType, record_event
from gmail_assistant.flows.deps import FlowDeps, Mailbox
from gmail_assistant.flows.threads import MARKER, latest_inbound
from gmail_assistant.gmail.models import ParsedMessage, ThreadData
from gmail_assistant.jobs import Job
from gmail_assistant.language import detect_language
from gmail_assistant.observability.metrics import record_agent_run

__all__ = ["AGENT_RUN", "AgentHandler"]

log = logging.getLogger(__name__)
AGENT_RUN = "agent_run"
_LIVE_DRAFT = ("drafted", "rework_requested")


class AgentHandler:
    def __init__(
        self,
        *,
        deps: FlowDeps,
        llm: AgentLlm,
        profiles: dict[str, Profile],
        search_max_results: int = 10,
    ) -> None:
        self.deps = deps
        self.llm = llm
        self.profiles = profiles
        self.search_max_results = search_max_results

    async def __call__(self, job: Job) -> None:
        deps = self.deps
        mailbox = await deps.mailbox(job)
        thread = await deps.thread(mailbox, job.thread_id or "", fresh=True)
        inbound = latest_inbound(thread, mailbox.owner_email)
        if inbound is None:
            log.info("agent: thread has no inbound message")
            return
        name = str(job.payload.get("profile") or "")
        rule = str(job.payload.get("rule") or "")
        existing = await deps.email(mailbox.user.id, thread.id)
        if (
            existing is not None
            and existing.last_message_id == inbound.id
            and (existing.status != "pending" or await self._finished_run(existing.id))
        ):
            return  # a rerun of a finished run
        known = existing.draft_id if existing and existing.status in _LIVE_DRAFT else None
        adopted = await our_unknown_drafts(mailbox, thread, known)
        email_id = await self._start(job, mailbox, inbound, name, rule, adopted=bool(adopted))
        if adopted and known is None:
            await self._adopt(job, mailbox, thread, email_id, adopted[0].id)
            return
        effects = LiveEffects(
            deps=deps,
            job=job,
            mailbox=mailbox,
            thread=thread,
            inbound=inbound,
            email_id=email_id,
            profile=name,
            draft_id=known,
        )
        run_id = await self._new_run(mailbox, thread.id, email_id, name)
        profile = self.profiles.get(name)
        if profile is None or profile.broken:
            problems = profile.problems if profile else (f"agent profile {name!r} is not defined",)
            outcome = RunOutcome(status="error", error="; ".join(problems))
        else:
            prepared = profile.preprocess(inbound)
            outcome = await run_loop(
                self.llm,
                model=profile.model,
                system=profile.system_prompt,
                user=prepared.text,
                tools=profile.tools,
                ctx=ToolContext(
                    gmail=mailbox.gmail,
                    thread=thread,
                    inbound=inbound,
                    effects=effects,
                    search_max_results=self.search_max_results,
                ),
                limits=profile.limits,
                max_tokens=profile.max_tokens,
                temperature=profile.temperature,
                context=deps.call_context(job, email_id),
            )
        await self._conclude(effects, outcome)
        await self._finish(job, mailbox, thread.id, email_id, run_id, outcome)
        record_agent_run(name, outcome.status, len(outcome.tool_calls))

    async def _conclude(self, effects: LiveEffects, outcome: RunOutcome) -> None:
        """Make the outcome visible in Gmail when the tools did not."""
        if effects.escalated is not None:
            return
        if outcome.status != "completed":
            reason = f"agent run {outcome.status}: {outcome.error or 'no final answer'}"
            await effects.escalate(reason)
        elif effects.draft_id is None and effects.labelled is None:
            await effects.apply_label("fyi")

    async def _finished_run(self, email_id: int) -> bool:
        query = select(AgentRun.id).where(
            AgentRun.email_id == email_id, AgentRun.status != "running"
        )
        return await self.deps.database.run_read(
            lambda session: session.scalars(query.limit(1)).first() is not None
        )

    async def _start(
        self,
        job: Job,
        mailbox: Mailbox,
        message: ParsedMessage,
        profile: str,
        rule: str,
        *,
        adopted: bool,
    ) -> int:
        """The email's row for this message (status pending), and interrupted runs closed."""
        user_id = mailbox.user.id

        def record(session: Session) -> int:
            row = session.scalars(
                select(Email).where(
                    Email.user_id == user_id, Email.gmail_thread_id == message.thread_id
                )
            ).one_or_none()
            if row is None:
                row = Email(
                    user_id=user_id,
                    gmail_thread_id=message.thread_id,
                    gmail_message_id=message.id,
                )
                session.add(row)
            if row.last_message_id != message.id:
                row.status = "pending"
                row.classification = None
            row.last_message_id = message.id
            row.rfc_message_id = message.message_id or row.rfc_message_id
            row.sender_email = message.sender_email
            row.sender_name = message.sender_name or None
            row.subject = message.subject
            row.snippet = message.snippet
            # No classify answer says it: the same detector as the offline model's.
            row.detected_language = detect_language(f"{message.subject}\n{message.body_text}")
            row.reasoning = f"routed to agent profile {profile!r} by rule {rule!r}"
            row.received_at = message.internal_date
            row.classified_at = utcnow()
            session.flush()
            session.execute(
                update(AgentRun)
                .where(AgentRun.email_id == row.id, AgentRun.status == "running")
                .values(status="error", error="interrupted", finished_at=utcnow())
            )
            if not adopted:
                record_event(
                    session,
                    user_id=user_id,
                    email_id=row.id,
                    thread_id=message.thread_id,
                    event_type=EventType.RECEIVED,
                    detail=row.reasoning,
                    job_id=job.id,
                )
            return row.id

        return await self.deps.database.run_write(record)

    async def _adopt(
        self, job: Job, mailbox: Mailbox, thread: ThreadData, email_id: int, draft_id: str
    ) -> None:
        message = next((m for m in thread.messages if MARKER in m.body_text and m.is_draft), None)
        text = message.body_text.split(MARKER, 1)[-1].strip() if message else None

        def record(session: Session) -> None:
            row = session.get(Email, email_id)
            if row is not None:
                row.classification = "needs_response"
                mark_drafted(
                    session,
                    row,
                    job=job,
                    draft_id=draft_id,
                    text=text,
                    event_type=EventType.DRAFT_CREATED,
                    detail="found the agent's draft from an interrupted run",
                )

        await self.deps.database.run_write(record)
        await finish_labels(mailbox, thread, "outbox")

    async def _new_run(self, mailbox: Mailbox, thread_id: str, email_id: int, name: str) -> int:
        def record(session: Session) -> int:
            run = AgentRun(
                user_id=mailbox.user.id,
                email_id=email_id,
                thread_id=thread_id,
                profile=name or "?",
                status="running",
                tool_calls=[],
            )
            session.add(run)
            session.flush()
            return run.id

        return await self.deps.database.run_write(record)

    async def _finish(
        self,
        job: Job,
        mailbox: Mailbox,
        thread_id: str,
        email_id: int,
        run_id: int,
        outcome: RunOutcome,
    ) -> None:
        calls: list[dict[str, Any]] = outcome.tool_calls

        def record(session: Session) -> None:
            run = session.get(AgentRun, run_id)
            if run is not None:
                run.status = outcome.status
                run.tool_calls = calls
                run.final_message = outcome.final_message
                run.iterations = outcome.iterations
                run.error = outcome.error
                run.finished_at = utcnow()
            record_event(
                session,
                user_id=mailbox.user.id,
                email_id=email_id,
                thread_id=thread_id,
                event_type=AGENT_RUN,
                detail=f"run {run_id} ({run.profile if run else '?'}): {outcome.summary()}"[:2000],
                job_id=job.id,
            )

        await self.deps.database.run_write(record)
