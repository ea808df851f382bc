"""What a payment request asks for: payee, amount, currency, due date, variable symbol, account.

Structured forms are read by code (`accounts`, plus amount/date/VS patterns in Czech, German
and English). One small JSON call to the model fills only what has no structured form — the
payee's name, a due date written in prose — and only for mail that names an account. The
model can never supply an account on its own: an account it reports counts only when it
passes the checksum and its digits appear in the mail. Any model failure leaves the
deterministic result as it is.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from gmail_assistant.gmail.models import ParsedMessage
from gmail_assistant.llm.errors import LlmError
from gmail_assistant.llm.jsonparse import extract_json_object
from gmail_assistant.llm.port import LlmApi
from gmail_assistant.llm.records import CallContext
from gmail_assistant.payments.accounts import Account, find_accounts
from gmail_assistant.prompts import load_prompt
from gmail_assistant.prompts.untrusted import wrap_email

__all__ = ["PaymentDetails", "PaymentExtractor", "payee_key", "read_payment"]

log = logging.getLogger(__name__)

# Mailbox providers where the domain says nothing about who the sender is.
_SHARED_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "seznam.cz",
        "email.cz",
        "centrum.cz",
        "atlas.cz",
        "volny.cz",
        "post.cz",
        "gmx.de",
        "gmx.net",
        "web.de",
        "t-online.de",
        "aol.com",
        "proton.me",
        "protonmail.com",
    ]
)
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
_ACCOUNT_HINT_RE = re.compile(
    r"\b(iban|účet|účtu|konto|bankverbindung|bank account|account number|sort code|SPD\*)",
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
    source: str | None = None  # iban | domestic | spd | llm: where the account was read

    @property
    def account(self) -> Account | None:
        return self.accounts[0] if self.accounts else None


def payee_key(sender_email: str) -> str:
    """Who the payee is, for comparing invoices: the sender's domain, or the whole address
    at a shared mailbox provider."""
    address = sender_email.strip().lower()
    domain = address.rpartition("@")[2]
    return address if not domain or domain in _SHARED_DOMAINS else domain


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


class PaymentExtractor:
    """`read_payment`, then (optionally) one model call for what is still missing."""

    def __init__(self, *, llm: LlmApi | None, model: str) -> None:
        self.llm = llm
        self.model = model
        self.prompt = load_prompt("payment") if llm is not None else None

    async def extract(
        self, message: ParsedMessage, *, context: CallContext | None = None
    ) -> PaymentDetails:
        details = read_payment(message)
        missing = details.payee is None or details.due_date is None or details.amount is None
        names_account = details.accounts or _ACCOUNT_HINT_RE.search(message.body_text)
        if self.llm is None or self.prompt is None or not missing or not names_account:
            return _with_sender_name(details, message)
        rendered = self.prompt.render(
            email=wrap_email(
                body=message.body_text,
                sender=str(message.sender or ""),
                to="",
                date=message.date.isoformat() if message.date else "",
                subject=message.subject,
                max_chars=6000,
            )
        )
        try:
            result = await self.llm.complete(
                purpose="payment",
                model=self.model,
                system=rendered.system,
                user=rendered.user,
                json_mode=True,
                max_tokens=250,
                temperature=0.0,
                context=context,
            )
            data = extract_json_object(result.text)
        except LlmError as exc:
            log.warning("payment extraction by the model failed: %s", type(exc).__name__)
            return _with_sender_name(details, message)
        return _with_sender_name(merge_model_answer(details, data, message), message)


def merge_model_answer(
    details: PaymentDetails, data: dict[str, Any], message: ParsedMessage
) -> PaymentDetails:
    """Fill the gaps of `details` from the model's JSON; never overwrite what code read."""
    payee = _text(data.get("payee"), 200)
    amount = _decimal(str(data.get("amount") or "")) if data.get("amount") else None
    currency = _text(data.get("currency"), 3)
    due = _iso_date(data.get("due_date"))
    vs = _text(data.get("variable_symbol"), 10)
    accounts, source = details.accounts, details.source
    if not accounts and data.get("account"):
        claimed = find_accounts(str(data["account"])[:80]).accounts
        digits = re.sub(r"\D", "", message.body_text)
        trusted = tuple(a for a in claimed if re.sub(r"\D", "", a.iban[4:])[-8:] in digits)
        if trusted:
            accounts = tuple(replace(a, source="llm") for a in trusted)
            source = "llm"
    return replace(
        details,
        payee=details.payee or payee,
        amount=details.amount or amount,
        currency=details.currency or (currency.upper() if currency else None),
        due_date=details.due_date or due,
        variable_symbol=details.variable_symbol or (vs if vs and vs.isdigit() else None),
        accounts=accounts,
        source=source,
    )


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
