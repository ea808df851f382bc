"""The mail flows: the LLM gateway and the handlers of classify → draft → (rework |
manual_draft | cleanup), all on the queue with scope "thread" (one pending job per (type,
thread), one running job per thread at a time)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gmail_assistant.classify.classifier import Classifier
from gmail_assistant.classify.handler import ClassifyHandler
from gmail_assistant.db import Connector, Database
from gmail_assistant.draft.composer import DraftComposer
from gmail_assistant.draft.handler import DraftHandler
from gmail_assistant.flows.deps import FlowDeps
from gmail_assistant.flows.threads import ThreadCache
from gmail_assistant.jobs import HandlerRegistry, JobQueue, names
from gmail_assistant.lifecycle import CleanupHandler, ManualDraftHandler, ReworkHandler
from gmail_assistant.llm.db_recorder import DatabaseRecorder
from gmail_assistant.llm.records import LlmCallRecord
from gmail_assistant.observability.metrics import record_llm_call
from gmail_assistant.payments import PaymentChecker
from gmail_assistant.settings import Settings
from gmail_assistant.sync.own_writes import OwnWrites
from gmail_assistant.sync.service import GmailFor
from gmail_assistant.users import UserService

if TYPE_CHECKING:
    from gmail_assistant.llm.gateway import LlmGateway

__all__ = ["Flows", "build_flows"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Flows:
    deps: FlowDeps
    gateway: LlmGateway


def build_flows(
    settings: Settings,
    *,
    database: Database,
    connector: Connector,
    queue: JobQueue,
    users: UserService,
    gmail_for: GmailFor,
    own_writes: OwnWrites,
    registry: HandlerRegistry,
) -> Flows:
    """The gateway and the flows' shared dependencies; registers the mail flows' handlers."""
    from gmail_assistant.llm.gateway import LlmGateway  # LiteLLM itself loads on first use
    from gmail_assistant.llm.keys import check_provider_keys

    for warning in check_provider_keys(settings.llm, production=settings.is_production):
        log.warning("LLM provider key: %s", warning)
    recorder = DatabaseRecorder(connector=connector, on_record=_count_llm_call)
    gateway = LlmGateway(settings=settings.llm, recorder=recorder)
    deps = FlowDeps(
        database=database,
        queue=queue,
        users=users,
        gmail_for=gmail_for,
        own_writes=own_writes,
        llm=gateway,
        models=settings.llm,
        threads=ThreadCache(),
    )
    composer = DraftComposer(llm=gateway, model=settings.llm.draft_model)
    registry.register(
        names.CLASSIFY,
        ClassifyHandler(
            deps=deps,
            classifier=Classifier(llm=gateway, model=settings.llm.classify_model),
            payments=PaymentChecker(database=database),
        ),
        scope="thread",
    )
    registry.register(names.DRAFT, DraftHandler(deps=deps, composer=composer), scope="thread")
    registry.register(names.REWORK, ReworkHandler(deps=deps, composer=composer), scope="thread")
    registry.register(
        names.MANUAL_DRAFT, ManualDraftHandler(deps=deps, composer=composer), scope="thread"
    )
    registry.register(names.CLEANUP, CleanupHandler(deps=deps), scope="thread")
    return Flows(deps=deps, gateway=gateway)


def _count_llm_call(rec: LlmCallRecord) -> None:
    tokens = None
    if rec.prompt_tokens is not None or rec.completion_tokens is not None:
        tokens = (rec.prompt_tokens or 0) + (rec.completion_tokens or 0)
    record_llm_call(rec.model, tokens, rec.cost_usd, rec.error)
