"""Learning the owner's style: the learner, and its monthly proposal run."""

from __future__ import annotations

from gmail_assistant.jobs import PeriodicTask
from gmail_assistant.llm.port import LlmApi
from gmail_assistant.settings import Settings
from gmail_assistant.style_learning.service import MONTHLY, TASK_NAME, StyleLearner
from gmail_assistant.sync.service import GmailFor
from gmail_assistant.users import UserService

__all__ = ["build_style_learning"]


def build_style_learning(
    settings: Settings, *, users: UserService, gmail_for: GmailFor, llm: LlmApi
) -> tuple[StyleLearner, PeriodicTask]:
    learner = StyleLearner(
        users=users, gmail_for=gmail_for, llm=llm, model=settings.llm.draft_model
    )
    return learner, PeriodicTask(TASK_NAME, MONTHLY, learner.propose_for_all)
