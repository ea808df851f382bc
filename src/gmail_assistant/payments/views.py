"""The read side: stored payment requests as values, for the API, briefing and debug pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, computed_field
from sqlalchemy import select

from gmail_assistant.db import Database
from gmail_assistant.db.models import Email, PaymentRequest
from gmail_assistant.payments.accounts import czech_iban_to_domestic, format_iban

__all__ = [
    "ALERTS_SHOWN",
    "PaymentRequestView",
    "open_payment_requests",
    "payment_requests_of_email",
    "recent_account_alerts",
]

ALERTS_SHOWN = 20
_CLOSED = ("sent", "archived")


class PaymentRequestView(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    user_id: int
    email_id: int
    thread_id: str
    message_id: str
    payee: str | None
    payee_key: str
    amount: str | None
    currency: str | None
    due_date: date | None
    variable_symbol: str | None
    account_iban: str | None
    account_display: str | None
    source: str | None
    accounts: list[str] | None
    rejected_accounts: list[str] | None
    account_changed: bool
    previous_iban: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: PaymentRequest) -> PaymentRequestView:
        return cls.model_validate(row)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def account(self) -> str | None:
        """The account to pay into, printed as IBAN groups (and the Czech domestic form)."""
        return describe_account(self.account_iban)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def previous_account(self) -> str | None:
        return describe_account(self.previous_iban)


def describe_account(iban: str | None) -> str | None:
    if not iban:
        return None
    domestic = czech_iban_to_domestic(iban)
    return f"{format_iban(iban)} ({domestic})" if domestic else format_iban(iban)


async def payment_requests_of_email(db: Database, email_id: int) -> list[PaymentRequestView]:
    query = (
        select(PaymentRequest)
        .where(PaymentRequest.email_id == email_id)
        .order_by(PaymentRequest.id)
    )
    return await _views(db, query)


async def open_payment_requests(
    db: Database, user_id: int, *, limit: int = 20
) -> list[PaymentRequestView]:
    """The newest payment requests of threads the owner has not closed, alerts first."""
    query = (
        select(PaymentRequest)
        .join(Email, Email.id == PaymentRequest.email_id)
        .where(PaymentRequest.user_id == user_id, Email.status.not_in(_CLOSED))
        .order_by(PaymentRequest.account_changed.desc(), PaymentRequest.id.desc())
        .limit(limit)
    )
    return await _views(db, query)


async def recent_account_alerts(
    db: Database, *, limit: int = ALERTS_SHOWN
) -> list[PaymentRequestView]:
    query = (
        select(PaymentRequest)
        .where(PaymentRequest.account_changed.is_(True))
        .order_by(PaymentRequest.id.desc())
        .limit(limit)
    )
    return await _views(db, query)


async def _views(db: Database, query: Any) -> list[PaymentRequestView]:
    async with db.read() as session:
        rows = (await session.execute(query)).scalars()
        return [PaymentRequestView.of(row) for row in rows]
