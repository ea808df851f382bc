"""The assistant's Gmail labels, with the fixed names the owner and the deployment rely on."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "AI_LABEL_KEYS",
    "CATEGORIES",
    "CATEGORY_LABEL",
    "CLASSIFICATION_LABEL_KEYS",
    "LABEL_NAMES",
    "LabelMap",
]

LABEL_NAMES = MappingProxyType(
    {
        "ai": "🤖 AI",
        "needs_response": "🤖 AI/Needs Response",
        "outbox": "🤖 AI/Outbox",
        "rework": "🤖 AI/Rework",
        "action_required": "🤖 AI/Action Required",
        "payment_request": "🤖 AI/Payment Requests",
        "fyi": "🤖 AI/FYI",
        "waiting": "🤖 AI/Waiting",
        "done": "🤖 AI/Done",
    }
)
AI_LABEL_KEYS = tuple(LABEL_NAMES)
CATEGORIES = ("needs_response", "action_required", "payment_request", "fyi", "waiting")
# Category → the label that shows it. Needs Response and Outbox are the two stages of one
# category, so both count as "the" classification label of a needs_response thread.
CATEGORY_LABEL = MappingProxyType({c: c for c in CATEGORIES})
CLASSIFICATION_LABEL_KEYS = (*CATEGORIES, "outbox")


@dataclass(frozen=True)
class LabelMap:
    """One user's label key → Gmail label id."""

    ids: MappingProxyType[str, str]

    @classmethod
    def of(cls, mapping: dict[str, str]) -> LabelMap:
        return cls(MappingProxyType(dict(mapping)))

    def __getitem__(self, key: str) -> str:
        return self.ids[key]

    def get(self, key: str) -> str | None:
        return self.ids.get(key)

    def classification_ids(self) -> set[str]:
        return {self.ids[k] for k in CLASSIFICATION_LABEL_KEYS if k in self.ids}

    def all_ids(self) -> set[str]:
        return set(self.ids.values())

    @property
    def complete(self) -> bool:
        return all(key in self.ids for key in AI_LABEL_KEYS)
