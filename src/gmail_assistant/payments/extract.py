"""What a payment request asks for: payee, amount, currency, due date, variable symbol, account.

Structured forms are read by code (`accounts`, plus amount/date/VS patterns in Czech, German
and English). What has no structured form — the payee's name, a due date written in prose —
comes from the classify call itself: for payment_request its answer carries a `payment`
object (`PaymentAnswer`), so an invoice costs one model call, not two. The model never
supplies an account, and its fields only fill gaps: what code read always wins. A missing
or malformed answer leaves the deterministic result as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from gmail_assistant.gmail.addresses import SHARED_MAIL_DOMAINS
from gmail_assistant.gmail.models import ParsedMessage
from gmail_assistant.payments.accounts import Account, find_accounts

__all__ = [
    "PaymentAnswer",
    "PaymentDetails",
    "extract_payment",
    "payee_key",
    "payment_answer",
    "read_payment",
]

_CURRENCIES = {"kč": "CZK", "czk": "CZK", "eur": "EUR", "€": "EUR", "usd": "USD", "$": "USD"}
_CURRENCIES |= {"gbp": "GBP", "£": "GBP", "chf": "CHF", "pln": "PLN", "zł": "PLN"}
_CUR = r"(Kč|CZK|EUR|€|USD|\$|GBP|£|CHF|PLN|zł)"
_NUM = r"(\d{1,3}(?:[ \u00a0.,]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
_MONEY_RE = re.compile(rf"{_CUR}\s?{_NUM}(?!\d)|(?<![\d.,]){_NUM}\s?{_CUR}", re.IGNORECASE)
_TOTAL_RE = re.compile(
    r"(k úhradě|celkem|částka|amount due|total|balance due|amount|zu zahlen|gesamtbetrag"
    r"|rechnungsbetrag|betrag|summe)",
    re.IGNORECASE,
)
_VS_RE = re.compile(
    r"(?:variabilní symbol|var\. ?symbol|variable symbol|\bVS)\s*[:.]?\s*(\d{1,10})\b",
    re.IGNORECASE,
)
_DUE_RE = re.compile(
    r"(?:datum splatnosti|splatnost[ií]?|splatná do|splatné do|due date|due on|due by"
    r"|payable by|pay by|fällig am|fällig bis|zahlbar bis|fälligkeit)\s*[:.]?\s*"
    r"(?:(?P<d>\d{1,2})[./]\s?(?P<m>\d{1,2})[./]\s?(?P<y>\d{4})"
    r"|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2}))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PaymentDetails:
    payee: str | None
    payee_key: str
    amount: str | None  # decimal text, "1250.50"
    currency: str | None
    due_date: date | None
    variable_symbol: str | None
    accounts: tuple[Account, ...]
    rejected: tuple[str, ...] = ()
    source: str | None = None  # iban | domestic | spd: where the account was read

    @property
    def account(self) -> Account | None:
        return self.accounts[0] if self.accounts else None


def payee_key(sender_email: str) -> str:
    """Who the payee is, for comparing invoices: the sender's domain, or the whole address
    at a shared mailbox provider."""
    address = sender_email.strip().lower()
    domain = address.rpartition("@")[2]
    return address if not domain or domain in SHARED_MAIL_DOMAINS else domain


def _amount(text: str) -> tuple[str | None, str | None]:
    """The amount next to a word like "total"/"k úhradě"/"Betrag", else the first one."""
    best: tuple[str | None, str | None] = (None, None)
    for match in _MONEY_RE.finditer(text):
        currency = match.group(1) or match.group(4)
        number = _decimal(match.group(2) or match.group(3))
        if number is None:
            continue
        found = (number, _CURRENCIES[currency.lower()])
        if _TOTAL_RE.search(text[max(0, match.start() - 40) : match.start()]):
            return found
        best = best if best[0] is not None else found
    return best


def _decimal(text: str) -> str | None:
    text = text.replace(" ", "").replace("\u00a0", "")
    last = max(text.rfind("."), text.rfind(","))
    # The last separator is the decimal one when one or two digits follow it.
    if last >= 0 and len(text) - last - 1 in (1, 2):
        whole, cents = text[:last], text[last + 1 :]
    else:
        whole, cents = text, ""
    digits = re.sub(r"[.,]", "", whole)
    try:
        value = Decimal(f"{digits}.{cents or '0'}")
    except InvalidOperation:
        return None
    return f"{value:.2f}" if value > 0 else None


def _due(text: str) -> date | None:
    match = _DUE_RE.search(text)
    if match is None:
        return None
    d, m, y = match.group("d", "m", "y") if match.group("d") else match.group("id", "im", "iy")
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def read_payment(message: ParsedMessage) -> PaymentDetails:
    """Everything the mail states in a structured form; no model involved."""
    text = f"{message.subject}\n{message.body_text}"
    found = find_accounts(text)
    spd = found.spd
    amount, currency = _amount(text)
    vs = _VS_RE.search(text)
    return PaymentDetails(
        payee=(spd.recipient if spd else None) or None,
        payee_key=payee_key(message.sender_email),
        amount=(spd.amount if spd else None) or amount,
        currency=(spd.currency if spd else None) or currency,
        due_date=(spd.due_date if spd else None) or _due(text),
        variable_symbol=(spd.variable_symbol if spd else None) or (vs.group(1) if vs else None),
        accounts=found.accounts,
        rejected=found.rejected,
        source=found.primary.source if found.primary else None,
    )


@dataclass(frozen=True)
class PaymentAnswer:
    """What the classify call's model reported for a payment_request: only fields without
    a structured form. Never an account."""

    payee: str | None = None
    amount: str | None = None
    currency: str | None = None
    due_date: date | None = None
    variable_symbol: str | None = None


def payment_answer(value: Any) -> PaymentAnswer | None:
    """The model's `payment` object, validated field by field; None when it is no object.
    A field of the wrong shape is dropped, never the whole answer, and never an error."""
    if not isinstance(value, dict):
        return None
    amount = value.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, (int, float, str)):
        amount = None
    named = _text(value.get("currency"), 8)
    currency = _CURRENCIES.get(named.lower(), named.upper()) if named else None
    vs = _text(value.get("variable_symbol"), 10)
    return PaymentAnswer(
        payee=_text(value.get("payee"), 200),
        amount=_decimal(str(amount)[:32]) if amount is not None else None,
        currency=currency if currency and re.fullmatch("[A-Z]{3}", currency) else None,
        due_date=_iso_date(value.get("due_date")),
        variable_symbol=vs if vs and vs.isdigit() else None,
    )


def extract_payment(message: ParsedMessage, answer: PaymentAnswer | None) -> PaymentDetails:
    """`read_payment`, its gaps filled from the classify answer (code's reading wins), and
    the sender's display name as the payee when nobody named one."""
    details = read_payment(message)
    if answer is not None:
        details = replace(
            details,
            payee=details.payee or answer.payee,
            amount=details.amount or answer.amount,
            currency=details.currency or answer.currency,
            due_date=details.due_date or answer.due_date,
            variable_symbol=details.variable_symbol or answer.variable_symbol,
        )
    return _with_sender_name(details, message)


def _with_sender_name(details: PaymentDetails, message: ParsedMessage) -> PaymentDetails:
    if details.payee:
        return details
    return replace(details, payee=(message.sender_name or "").strip()[:200] or None)


def _text(value: Any, limit: int) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = " ".join(str(value).split())[:limit]
    return text if text and text.lower() not in {"null", "none", "unknown"} else None


def _iso_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
