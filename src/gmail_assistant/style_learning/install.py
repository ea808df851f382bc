"""`install_style_learning(container)`: the learner, and its monthly proposal run.

The scheduled run only proposes (`StyleLearner.propose_for_all`): styles the owner may have
edited by hand are never overwritten behind their back. `learn-style --apply` writes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from gmail_assistant.jobs import PeriodicTask
from gmail_assistant.style_learning.service import StyleLearner

if TYPE_CHECKING:
    from gmail_assistant.container import Container

__all__ = ["MONTHLY", "install_style_learning", "learner_of"]

EXTRAS_KEY = "style_learning"
MONTHLY = timedelta(days=30)
TASK_NAME = "learn_style_proposals"


def install_style_learning(container: Container) -> StyleLearner:
    flows = container.extras["flows"]  # install_intelligence's FlowDeps: the LLM gateway
    learner = StyleLearner(
        users=container.users,
        gmail_for=lambda email: container.gmail.for_user(email),
        llm=flows.llm,
        model=container.settings.llm.draft_model,
    )
    container.extras[EXTRAS_KEY] = learner
    container.periodic.append(PeriodicTask(TASK_NAME, MONTHLY, learner.propose_for_all))
    return learner


def learner_of(container: Container) -> StyleLearner:
    learner = container.extras.get(EXTRAS_KEY)
    if not isinstance(learner, StyleLearner):
        raise RuntimeError("install_style_learning(container) has not run")
    return learner
