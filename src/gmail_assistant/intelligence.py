"""`install_intelligence(container)`: the LLM gateway and the mail flows' job handlers.

classify → draft → (rework | manual_draft | cleanup) all run on the queue with scope
"thread": one pending job per (type, thread) and one running job per thread at a time.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from gmail_assistant.agent.install import install_agent
from gmail_assistant.classify.classifier import Classifier
from gmail_assistant.classify.handler import ClassifyHandler
from gmail_assistant.draft.composer import DraftComposer
from gmail_assistant.draft.handler import DraftHandler
from gmail_assistant.flows.deps import FlowDeps
from gmail_assistant.flows.threads import ThreadCache
from gmail_assistant.jobs import names
from gmail_assistant.lifecycle import CleanupHandler, ManualDraftHandler, ReworkHandler
from gmail_assistant.llm.db_recorder import DatabaseRecorder
from gmail_assistant.llm.records import LlmCallRecord
from gmail_assistant.observability.metrics import record_llm_call
from gmail_assistant.payments import PaymentChecker
from gmail_assistant.sync.install import components_of

if TYPE_CHECKING:
    from gmail_assistant.container import Container

__all__ = ["install_intelligence"]

log = logging.getLogger(__name__)


def install_intelligence(container: Container) -> FlowDeps:
    from gmail_assistant.llm.gateway import LlmGateway
    from gmail_assistant.llm.keys import check_provider_keys

    settings = container.settings
    for warning in check_provider_keys(settings.llm, production=settings.is_production):
        log.warning("LLM provider key: %s", warning)
    recorder = DatabaseRecorder(connector=container.connector, on_record=_count_llm_call)
    gateway = LlmGateway(settings=settings.llm, recorder=recorder)
    container.warm_ups.append(
        lambda: gateway.warm_up([settings.llm.classify_model, settings.llm.draft_model])
    )
    deps = FlowDeps(
        database=container.database,
        queue=container.queue,
        users=container.users,
        gmail_for=lambda email: container.gmail.for_user(email),
        own_writes=components_of(container).own_writes,
        llm=gateway,
        models=settings.llm,
        threads=ThreadCache(),
    )
    composer = DraftComposer(llm=gateway, model=settings.llm.draft_model)
    registry = container.registry
    registry.register(
        names.CLASSIFY,
        ClassifyHandler(
            deps=deps,
            classifier=Classifier(llm=gateway, model=settings.llm.classify_model),
            payments=PaymentChecker(database=container.database),
        ),
        scope="thread",
    )
    registry.register(names.DRAFT, DraftHandler(deps=deps, composer=composer), scope="thread")
    registry.register(names.REWORK, ReworkHandler(deps=deps, composer=composer), scope="thread")
    registry.register(
        names.MANUAL_DRAFT, ManualDraftHandler(deps=deps, composer=composer), scope="thread"
    )
    registry.register(names.CLEANUP, CleanupHandler(deps=deps), scope="thread")
    install_agent(container, deps, gateway)
    container.extras["flows"] = deps
    return deps


def _count_llm_call(rec: LlmCallRecord) -> None:
    tokens = None
    if rec.prompt_tokens is not None or rec.completion_tokens is not None:
        tokens = (rec.prompt_tokens or 0) + (rec.completion_tokens or 0)
    record_llm_call(rec.model, tokens, rec.cost_usd, rec.error)
