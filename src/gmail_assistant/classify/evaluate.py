"""Classifying mail outside the server: one mail step by step, or a labelled set with scores.

A labelled set is a list of mails in the demo's `mailbox.yaml` schema (from, subject, body,
html, headers, expect). The caller passes `parse`, which turns one into the `ParsedMessage`
the classify job sees: the CLI builds it with the emulator's MIME builder and our Gmail parser
(`cli/sample_mail.py`), so this module, part of the product, needs no emulator.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gmail_assistant.classify.classifier import Classification, Classifier
from gmail_assistant.classify.rules import AutomationVerdict, detect_automation
from gmail_assistant.gmail.models import ParsedMessage
from gmail_assistant.labels import CATEGORIES

__all__ = ["ParseMail", "Scores", "rules_only", "score"]

ParseMail = Callable[[Mapping[str, Any]], ParsedMessage]


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
    parse: ParseMail,
    classifier: Classifier | None,
    owner_email: str,
    blacklist: Sequence[str] = (),
) -> Scores:
    scores = Scores()
    for mail in mails:
        if mail.get("sent") or not mail.get("expect"):
            continue
        message = parse(mail)
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
