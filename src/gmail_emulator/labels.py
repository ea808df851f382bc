"""Gmail labels: the system set, user label values and Gmail's name matching."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["SYSTEM_LABELS", "Label", "label_key", "system_labels"]

SYSTEM_LABELS = (
    "INBOX",
    "SENT",
    "DRAFT",
    "SPAM",
    "TRASH",
    "UNREAD",
    "STARRED",
    "IMPORTANT",
    "CHAT",
    "CATEGORY_PERSONAL",
    "CATEGORY_SOCIAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
)

# System labels Gmail lists as hidden in the label list.
_HIDDEN = {"UNREAD", "CHAT", "SPAM", "TRASH", "DRAFT", "SENT", "IMPORTANT", "STARRED"}


@dataclass(frozen=True)
class Label:
    id: str
    name: str
    type: str = "user"  # "system" | "user"
    message_list_visibility: str | None = "show"
    label_list_visibility: str | None = "labelShow"
    color: dict[str, str] | None = field(default=None, compare=False)

    def resource(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name, "type": self.type}
        if self.message_list_visibility:
            out["messageListVisibility"] = self.message_list_visibility
        if self.label_list_visibility:
            out["labelListVisibility"] = self.label_list_visibility
        if self.color:
            out["color"] = dict(self.color)
        return out

    def updated(self, body: dict[str, Any], *, partial: bool) -> Label:
        def pick(key: str, current: Any) -> Any:
            if key in body:
                return body[key]
            return current if partial else None

        return Label(
            id=self.id,
            name=str(body.get("name") or self.name),
            type=self.type,
            message_list_visibility=pick("messageListVisibility", self.message_list_visibility),
            label_list_visibility=pick("labelListVisibility", self.label_list_visibility),
            color=pick("color", self.color),
        )


def system_labels() -> dict[str, Label]:
    labels: dict[str, Label] = {}
    for label_id in SYSTEM_LABELS:
        hidden = label_id in _HIDDEN or label_id.startswith("CATEGORY_")
        labels[label_id] = Label(
            id=label_id,
            name=label_id,
            type="system",
            message_list_visibility=None if hidden else "show",
            label_list_visibility="labelHide" if hidden else "labelShow",
        )
    return labels


def label_key(name: str) -> str:
    """Gmail's search form of a label name: case-insensitive, ``/`` and spaces as ``-``."""
    return "".join("-" if ch in " /" else ch for ch in name.strip().lower())
