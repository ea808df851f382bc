"""One LLM call per mail: category, confidence, reasoning, language, style, context queries,
and for a payment request the payment fields that have no structured form (`payment`).

The model's answer is data to validate, not to trust: an unknown category, a broken JSON
object or a failed call all end as `needs_response` with low confidence (a person looks at
it), and automated mail can never come out as `needs_response` (the safety net).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from gmail_assistant.classify.rules import AutomationVerdict
from gmail_assistant.classify.style import style_menu
from gmail_assistant.gmail.addresses import format_addresses
from gmail_assistant.gmail.models import ParsedMessage
from gmail_assistant.labels import CATEGORIES
from gmail_assistant.llm.errors import LlmError
from gmail_assistant.llm.jsonparse import extract_json_object
from gmail_assistant.llm.port import LlmApi
from gmail_assistant.llm.records import CallContext
from gmail_assistant.payments.extract import PaymentAnswer, payment_answer
from gmail_assistant.prompts import load_prompt
from gmail_assistant.prompts.untrusted import wrap_email
from gmail_assistant.users.preferences import Preferences

__all__ = ["Classification", "Classifier"]

log = logging.getLogger(__name__)
FAILSAFE_CONFIDENCE = 0.1
MAX_QUERIES = 3


@dataclass(frozen=True)
class Classification:
    category: str
    confidence: float
    reasoning: str
    language: str  # "" when it could not be told
    style: str | None
    context_queries: tuple[str, ...] = ()
    automated: bool = False
    failed: bool = False
    notes: tuple[str, ...] = field(default=())
    payment: PaymentAnswer | None = None  # only for payment_request


def _language(value: Any) -> str:
    """The ISO code, or "" when the model could not tell (the owner's settings decide)."""
    text = str(value or "").strip().lower()[:8]
    return text if text.isalpha() and 2 <= len(text) <= 3 else ""


def _queries(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    cleaned = [" ".join(str(q).split())[:200] for q in value if str(q).strip()]
    return tuple(cleaned[:MAX_QUERIES])


def interpret(data: dict[str, Any], automation: AutomationVerdict) -> Classification:
    """Validate the model's JSON; apply the safety net."""
    category = str(data.get("category", "")).strip().lower()
    notes: list[str] = []
    failed = False
    if category not in CATEGORIES:
        notes.append(f"model answered unknown category {category[:40]!r}")
        category, failed = "needs_response", True
    try:
        confidence = min(max(float(data.get("confidence", 0.5)), 0.0), 1.0)
    except (TypeError, ValueError):
        confidence = 0.5
    if failed:
        confidence = FAILSAFE_CONFIDENCE
    reasoning = " ".join(str(data.get("reasoning", "")).split())[:1000]
    if automation.automated:
        notes.append(f"automated mail: {automation.describe()}")
    if automation.automated and category == "needs_response":
        notes.append("safety net: automated mail is never needs_response → fyi")
        category = "fyi"
    style = data.get("style")
    return Classification(
        category=category,
        confidence=confidence,
        reasoning=reasoning,
        language=_language(data.get("language")),
        style=str(style).strip().lower() if style else None,
        context_queries=_queries(data.get("context_queries")),
        automated=automation.automated,
        failed=failed,
        notes=tuple(notes),
        payment=payment_answer(data.get("payment")) if category == "payment_request" else None,
    )


def failsafe(reason: str, automation: AutomationVerdict) -> Classification:
    category = "fyi" if automation.automated else "needs_response"
    return Classification(
        category=category,
        confidence=FAILSAFE_CONFIDENCE,
        reasoning=f"classification failed ({reason}); defaulted to {category} for review",
        language="",
        style=None,
        automated=automation.automated,
        failed=True,
    )


class Classifier:
    def __init__(self, *, llm: LlmApi, model: str) -> None:
        self.llm = llm
        self.model = model
        self.prompt = load_prompt("classify")

    async def classify(
        self,
        message: ParsedMessage,
        *,
        owner_email: str,
        owner_wrote_last: bool,
        automation: AutomationVerdict,
        styles: str | None = None,
        context: CallContext | None = None,
    ) -> Classification:
        """`styles`: the owner's style names and descriptions (`style_menu`) to pick from;
        the built-in three when not given."""
        email = wrap_email(
            body=message.body_text,
            sender=str(message.sender or ""),
            to=format_addresses(message.to),
            date=message.date.isoformat() if message.date else "",
            subject=message.subject,
            max_chars=8000,
        )
        rendered = self.prompt.render(
            owner_email=owner_email,
            owner_wrote_last="yes" if owner_wrote_last else "no",
            styles=styles or style_menu(Preferences()),
            email=email,
        )
        try:
            result = await self.llm.complete(
                purpose="classify",
                model=self.model,
                system=rendered.system,
                user=rendered.user,
                json_mode=True,
                max_tokens=500,  # the payment object of an invoice included
                temperature=0.0,
                context=context,
            )
            data = extract_json_object(result.text)
        except LlmError as exc:
            log.warning("classification failed: %s", type(exc).__name__)
            return failsafe(f"{type(exc).__name__}: {str(exc)[:200]}", automation)
        return interpret(data, automation)
