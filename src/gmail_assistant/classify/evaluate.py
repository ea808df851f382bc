"""Classifying mail outside the server: one mail step by step, or a labelled set with scores.

Mail comes as RFC 822 bytes (an .eml file) or as the fields of a labelled YAML set (the demo's
`mailbox.yaml` schema: from, subject, body, html, headers, expect). Either is turned into the
same `ParsedMessage` the classify job sees, through the emulator's MIME builder and our Gmail
parser, so what is scored here is what runs in production.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gmail_assistant.classify.classifier import Classification, Classifier
from gmail_assistant.classify.rules import AutomationVerdict, detect_automation
from gmail_assistant.gmail.models import ParsedMessage
from gmail_assistant.gmail.parse import parse_message
from gmail_assistant.labels import CATEGORIES
from gmail_emulator.compose import MailSpec, build_raw
from gmail_emulator.messages import message_resource, new_stored_message

__all__ = ["Scores", "parse_fields", "parse_raw", "rules_only", "score"]


def parse_raw(raw: bytes) -> ParsedMessage:
    stored = new_stored_message(
        message_id="0" * 16,
        thread_id="0" * 16,
        raw=raw,
        label_ids=("INBOX",),
        internal_ms=0,
        history_id=1,
    )
    return parse_message(message_resource(stored, "full"))


def parse_fields(mail: dict[str, Any]) -> ParsedMessage:
    spec = MailSpec(
        sender=str(mail.get("from", "")),
        to=str(mail.get("to", "owner@example.com")),
        subject=str(mail.get("subject", "")),
        body=mail.get("body"),
        html=mail.get("html"),
        headers={str(k): str(v) for k, v in (mail.get("headers") or {}).items()},
    )
    return parse_raw(build_raw(spec))


def rules_only(verdict: AutomationVerdict) -> str:
    """The offline baseline: automated mail is fyi, anything else would go to the model."""
    return "fyi" if verdict.automated else "needs_response"


@dataclass
class Scores:
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (expected, predicted)

    @property
    def accuracy(self) -> float:
        return sum(e == p for e, p in self.pairs) / len(self.pairs) if self.pairs else 0.0

    def precision_recall(self, category: str) -> tuple[float, float]:
        predicted = [e for e, p in self.pairs if p == category]
        expected = [p for e, p in self.pairs if e == category]
        precision = predicted.count(category) / len(predicted) if predicted else 0.0
        recall = expected.count(category) / len(expected) if expected else 0.0
        return precision, recall

    def confusion(self) -> Counter[tuple[str, str]]:
        return Counter(self.pairs)

    def render(self) -> str:
        labels = list(CATEGORIES)
        width = max(len(c) for c in labels) + 2
        lines = [f"accuracy {self.accuracy:.1%} over {len(self.pairs)} mails", ""]
        lines.append(f"{'category':{width}} precision  recall")
        for category in labels:
            p, r = self.precision_recall(category)
            lines.append(f"{category:{width}} {p:9.1%}  {r:6.1%}")
        lines += ["", "confusion (rows expected, columns predicted):"]
        lines.append(" " * width + "".join(f"{c[:8]:>10}" for c in labels))
        matrix = self.confusion()
        for expected in labels:
            row = "".join(f"{matrix[(expected, p)]:>10}" for p in labels)
            lines.append(f"{expected:{width}}{row}")
        return "\n".join(lines)


async def score(
    mails: Sequence[dict[str, Any]],
    *,
    classifier: Classifier | None,
    owner_email: str,
    blacklist: Sequence[str] = (),
) -> Scores:
    scores = Scores()
    for mail in mails:
        if mail.get("sent") or not mail.get("expect"):
            continue
        message = parse_fields(mail)
        verdict = detect_automation(
            sender_email=message.sender_email, headers=message.headers, blacklist=blacklist
        )
        if classifier is None:
            predicted = rules_only(verdict)
        else:
            result: Classification = await classifier.classify(
                message, owner_email=owner_email, owner_wrote_last=False, automation=verdict
            )
            predicted = result.category
        scores.pairs.append((str(mail["expect"]), predicted))
    return scores
