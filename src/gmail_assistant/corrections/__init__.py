"""The owner's corrections as a labelled set: what the model said, what the owner made of it.

A read model over `emails` and `email_events`: nothing is written, every example is derived
from what the lifecycle jobs and sync (the owner's moves to another category) already record.
"""

from gmail_assistant.corrections.report import render_corrections
from gmail_assistant.corrections.service import (
    Correction,
    CorrectionKind,
    CorrectionsHealth,
    OverrideSuggestion,
    WeekAcceptance,
    accuracy,
    examples,
    health,
    labelled_pairs,
    override_suggestions,
    weekly_acceptance,
)

__all__ = [
    "Correction",
    "CorrectionKind",
    "CorrectionsHealth",
    "OverrideSuggestion",
    "WeekAcceptance",
    "accuracy",
    "examples",
    "health",
    "labelled_pairs",
    "override_suggestions",
    "render_corrections",
    "weekly_acceptance",
]
