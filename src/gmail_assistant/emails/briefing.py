"""The owner's briefing: what is open per category, drafts waiting, things to act on."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from gmail_assistant.db import Database
from gmail_assistant.db.models import Email
from gmail_assistant.emails.values import EmailView
from gmail_assistant.labels import CATEGORIES

__all__ = ["ACTIVE_ITEMS_PER_CATEGORY", "Briefing", "CategoryBriefing", "load_briefing"]

ACTIVE_ITEMS_PER_CATEGORY = 10
# Finished threads: the owner sent the reply or marked the thread Done.
_CLOSED = ("sent", "archived")


@dataclass(frozen=True)
class CategoryBriefing:
    total: int
    active: int
    items: tuple[EmailView, ...]


@dataclass(frozen=True)
class Briefing:
    categories: dict[str, CategoryBriefing]
    pending_drafts: tuple[EmailView, ...]
    action_items: tuple[EmailView, ...]


async def load_briefing(db: Database, user_id: int) -> Briefing:
    mine = Email.user_id == user_id
    open_ = Email.status.not_in(_CLOSED)
    async with db.read() as session:
        totals = dict(
            (
                await session.execute(
                    select(Email.classification, func.count(Email.id))
                    .where(mine)
                    .group_by(Email.classification)
                )
            ).all()
        )
        actives = dict(
            (
                await session.execute(
                    select(Email.classification, func.count(Email.id))
                    .where(mine, open_)
                    .group_by(Email.classification)
                )
            ).all()
        )
        categories: dict[str, CategoryBriefing] = {}
        for category in CATEGORIES:
            rows = (
                await session.execute(
                    select(Email)
                    .where(mine, open_, Email.classification == category)
                    .order_by(Email.id.desc())
                    .limit(ACTIVE_ITEMS_PER_CATEGORY)
                )
            ).scalars()
            categories[category] = CategoryBriefing(
                total=int(totals.get(category, 0)),
                active=int(actives.get(category, 0)),
                items=tuple(EmailView.of(r) for r in rows),
            )
        drafts = (
            await session.execute(
                select(Email)
                .where(mine, Email.status.in_(("drafted", "rework_requested")))
                .order_by(Email.id.desc())
            )
        ).scalars()
        pending_drafts = tuple(EmailView.of(r) for r in drafts)
    action_items = categories["action_required"].items + categories["payment_request"].items
    return Briefing(categories, pending_drafts, action_items)
