"""The email list: filters, text search, pagination, counts and neighbours, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from gmail_assistant.db import Database
from gmail_assistant.db.models import Email
from gmail_assistant.emails.values import EmailFilter, EmailView, Page

__all__ = ["counts_by", "get_email", "list_emails", "neighbours", "search_emails"]

_SEARCHED = (
    Email.subject,
    Email.snippet,
    Email.reasoning,
    Email.sender_email,
    Email.sender_name,
    Email.gmail_thread_id,
)


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(where: EmailFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.user_id is not None:
        conditions.append(Email.user_id == where.user_id)
    if where.status:
        conditions.append(Email.status == where.status)
    if where.classification:
        conditions.append(Email.classification == where.classification)
    if where.query and where.query.strip():
        pattern = _like_pattern(where.query.strip())
        conditions.append(or_(*(column.ilike(pattern, escape="\\") for column in _SEARCHED)))
    return conditions


def _filtered(where: EmailFilter) -> Select[Email]:
    return select(Email).where(*_conditions(where))


async def list_emails(db: Database, where: EmailFilter, *, limit: int, offset: int) -> Page:
    """One page of matching emails (newest first) and how many match in all."""
    async with db.read() as session:
        total = (
            await session.execute(select(func.count(Email.id)).where(*_conditions(where)))
        ).scalar_one()
        rows = (
            await session.execute(
                _filtered(where).order_by(Email.id.desc()).limit(limit).offset(offset)
            )
        ).scalars()
        items = tuple(EmailView.of(row) for row in rows)
    return Page(items=items, total=int(total), limit=limit, offset=offset)


async def search_emails(db: Database, where: EmailFilter, *, limit: int) -> list[EmailView]:
    page = await list_emails(db, where, limit=limit, offset=0)
    return list(page.items)


async def get_email(db: Database, email_id: int) -> EmailView | None:
    async with db.read() as session:
        row = await session.get(Email, email_id)
        return EmailView.of(row) if row is not None else None


async def counts_by(db: Database, column: str, where: EmailFilter) -> dict[str, int]:
    """How many matching emails per value of `column` ("status" or "classification")."""
    attribute: Any = {"status": Email.status, "classification": Email.classification}[column]
    query = (
        select(attribute, func.count(Email.id))
        .where(*_conditions(where))
        .group_by(attribute)
        .order_by(attribute)
    )
    async with db.read() as session:
        rows = (await session.execute(query)).all()
    return {(value if value is not None else "unclassified"): int(n) for value, n in rows}


async def neighbours(
    db: Database, email_id: int, where: EmailFilter
) -> tuple[int | None, int | None]:
    """(newer, older) email ids around `email_id` in the list order, within the filter."""
    conditions = _conditions(where)
    async with db.read() as session:
        newer = (
            await session.execute(
                select(func.min(Email.id)).where(*conditions, Email.id > email_id)
            )
        ).scalar()
        older = (
            await session.execute(
                select(func.max(Email.id)).where(*conditions, Email.id < email_id)
            )
        ).scalar()
    return newer, older
