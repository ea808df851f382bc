"""The style proposals waiting for their owners, as the health page lists them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from gmail_assistant.db import Database
from gmail_assistant.db.models import User, UserSetting
from gmail_assistant.users.preferences import STYLE_PROPOSAL

__all__ = ["StyleProposalView", "waiting_proposals"]


@dataclass(frozen=True)
class StyleProposalView:
    email: str
    created_at: str
    replies: int
    summary: tuple[str, ...]
    diff: str
    apply_with: str


def _view(email: str, value: Any) -> StyleProposalView | None:
    if not isinstance(value, dict):
        return None
    summary = value.get("summary")
    return StyleProposalView(
        email=email,
        created_at=str(value.get("created_at") or ""),
        replies=int(value.get("replies") or 0),
        summary=tuple(str(s) for s in summary) if isinstance(summary, list) else (),
        diff=str(value.get("diff") or ""),
        apply_with=str(value.get("apply_with") or "gmail-assistant learn-style --apply"),
    )


async def waiting_proposals(database: Database) -> list[StyleProposalView]:
    query = (
        select(User.email, UserSetting.value)
        .join(User, User.id == UserSetting.user_id)
        .where(UserSetting.key == STYLE_PROPOSAL)
        .order_by(User.email)
    )
    rows = await database.run_read(lambda session: session.execute(query).all())
    return [view for email, value in rows if (view := _view(email, value)) is not None]
