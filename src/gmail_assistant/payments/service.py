"""Store a payment request, compare its account with the payee's known ones, raise the alert.

Invoice-redirection fraud ("our bank details have changed") costs real money, so a payee
known from earlier invoices (same `payee_key`) asking to be paid into an account it never
used before moves the thread to Action Required — replacing Payment Requests, one
classification label per thread — with a `bank_account_changed` event naming both accounts.
Accounts compare by IBAN, so the same account in its domestic form or with spaces is no
alert. Only accounts of earlier requests that raised no alert count as known: a changed
account keeps alerting on every invoice rather than becoming trusted by repetition.

The assistant never pays and never sends; the alert is a label and an event.

Idempotent: the row (unique per message), the event and the email's new category commit in
one transaction; a rerun finds the row, adds nothing, and only puts the label back where it
belongs (after a crash between the commit and the Gmail call, or a forced re-classify).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gmail_assistant.db import Database
from gmail_assistant.db.models import Email, PaymentRequest
from gmail_assistant.events import EventType, record_event
from gmail_assistant.gmail.models import ParsedMessage, ThreadData
from gmail_assistant.payments.extract import PaymentAnswer, PaymentDetails, extract_payment
from gmail_assistant.payments.views import PaymentRequestView, describe_account

if TYPE_CHECKING:
    from gmail_assistant.flows.deps import Mailbox

__all__ = ["PAYMENT_CATEGORIES", "PaymentChecker", "compare_accounts"]

log = logging.getLogger(__name__)
# Categories of a thread whose payment request may need (re)checking: payment_request, and
# action_required once an alert moved it there.
PAYMENT_CATEGORIES = ("payment_request", "action_required")


@dataclass(frozen=True)
class Comparison:
    changed: bool
    account: str | None  # the IBAN the row records
    display: str | None
    previous: str | None  # the known IBAN it replaces, when changed


def compare_accounts(details: PaymentDetails, known: list[str]) -> Comparison:
    """`known`: the payee's trusted IBANs, newest first."""
    new = [a for a in details.accounts if a.iban not in set(known)]
    if known and new:
        return Comparison(True, new[0].iban, new[0].display, known[0])
    account = details.account
    if account is None:
        return Comparison(False, None, None, None)
    return Comparison(False, account.iban, account.display, None)


class PaymentChecker:
    def __init__(self, *, database: Database) -> None:
        self.database = database

    async def check(
        self,
        *,
        mailbox: Mailbox,
        thread: ThreadData,
        message: ParsedMessage,
        email_id: int,
        category: str,
        job_id: int | None,
        answer: PaymentAnswer | None = None,
    ) -> PaymentRequestView | None:
        """After classify recorded `category` for `message`: store and compare a payment
        request; for an account change, move the thread to Action Required. `answer`: the
        classify call's payment fields (None on a rerun, or when the model gave none)."""
        if category not in PAYMENT_CATEGORIES:
            return None
        user_id = mailbox.user.id
        view = await self._stored(user_id, message.id)
        if view is None:
            if category != "payment_request":
                return None
            details = extract_payment(message, answer)

            def store(session: Session) -> PaymentRequestView:
                return _store(session, user_id, email_id, message, details, job_id)

            view = await self.database.run_write(store)
        if view.account_changed:
            await self._flag(mailbox, thread, email_id)
        return view

    async def _stored(self, user_id: int, message_id: str) -> PaymentRequestView | None:
        query = select(PaymentRequest).where(
            PaymentRequest.user_id == user_id, PaymentRequest.message_id == message_id
        )

        def read(session: Session) -> PaymentRequestView | None:
            row = session.scalars(query).one_or_none()
            return PaymentRequestView.of(row) if row is not None else None

        return await self.database.run_read(read)

    async def _flag(self, mailbox: Mailbox, thread: ThreadData, email_id: int) -> None:
        """Action Required on the thread (in place of any other classification label) and
        on the email's row. Cheap when already so: the rerun reads the thread fresh."""
        labels = mailbox.labels
        wanted = labels["action_required"]
        # The thread was read before classify labelled it Payment Requests.
        present = thread.label_ids | {labels["payment_request"]}
        stale = sorted((labels.classification_ids() & present) - {wanted})
        if stale or wanted not in thread.label_ids:
            await mailbox.writer.modify_thread(thread.id, add=[wanted], remove=stale)

        def category(session: Session) -> None:
            session.execute(
                update(Email)
                .where(Email.id == email_id, Email.classification == "payment_request")
                .values(classification="action_required")
            )

        await self.database.run_write(category)


def _store(
    session: Session,
    user_id: int,
    email_id: int,
    message: ParsedMessage,
    details: PaymentDetails,
    job_id: int | None,
) -> PaymentRequestView:
    found = session.scalars(
        select(PaymentRequest).where(
            PaymentRequest.user_id == user_id, PaymentRequest.message_id == message.id
        )
    ).one_or_none()
    if found is not None:
        return PaymentRequestView.of(found)
    earlier = session.scalars(
        select(PaymentRequest)
        .where(
            PaymentRequest.user_id == user_id,
            PaymentRequest.payee_key == details.payee_key,
            PaymentRequest.account_changed.is_(False),
        )
        .order_by(PaymentRequest.id.desc())
    )
    known: list[str] = []
    for row in earlier:
        for iban in [row.account_iban, *(row.accounts or [])]:
            if iban and iban not in known:
                known.append(iban)
    result = compare_accounts(details, known)
    row = PaymentRequest(
        user_id=user_id,
        email_id=email_id,
        thread_id=message.thread_id,
        message_id=message.id,
        payee=details.payee,
        payee_key=details.payee_key,
        amount=details.amount,
        currency=details.currency,
        due_date=details.due_date,
        variable_symbol=details.variable_symbol,
        account_iban=result.account,
        account_display=(result.display or "")[:120] or None,
        source=details.source,
        accounts=[a.iban for a in details.accounts],
        rejected_accounts=[r[:80] for r in details.rejected[:10]],
        account_changed=result.changed,
        previous_iban=result.previous,
    )
    session.add(row)
    session.flush()
    if result.changed:
        who = f"{details.payee} ({details.payee_key})" if details.payee else details.payee_key
        record_event(
            session,
            user_id=user_id,
            email_id=email_id,
            thread_id=message.thread_id,
            event_type=EventType.BANK_ACCOUNT_CHANGED,
            detail=(
                f"bank account changed for {who}: known account {describe_account(result.previous)}"
                f", this request asks for {describe_account(result.account)}"
                f" (written {result.display!r}). Do not pay before confirming the change"
                " with the payee through a channel you already trust."
            )[:2000],
            job_id=job_id,
        )
        log.warning(
            "payment request with a changed bank account",
            extra={"user_id": user_id, "thread_id": message.thread_id, "payee": details.payee_key},
        )
    return PaymentRequestView.of(row)
