"""Classification: automation rules, the LLM call, the safety net, style resolution."""

from gmail_assistant.classify.classifier import Classification, Classifier
from gmail_assistant.classify.rules import AutomationVerdict, detect_automation
from gmail_assistant.classify.style import resolve_style, style_details

__all__ = [
    "AutomationVerdict",
    "Classification",
    "Classifier",
    "detect_automation",
    "resolve_style",
    "style_details",
]
