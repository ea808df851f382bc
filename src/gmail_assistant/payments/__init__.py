"""Payment requests: the account an invoice asks to be paid into, checked against the
payee's earlier invoices (invoice-redirection fraud). Reads and labels; never pays."""

from gmail_assistant.payments.accounts import Account, find_accounts, iban_is_valid
from gmail_assistant.payments.extract import (
    PaymentAnswer,
    PaymentDetails,
    extract_payment,
    payment_answer,
    read_payment,
)
from gmail_assistant.payments.service import PaymentChecker
from gmail_assistant.payments.views import PaymentRequestView

__all__ = [
    "Account",
    "PaymentAnswer",
    "PaymentChecker",
    "PaymentDetails",
    "PaymentRequestView",
    "extract_payment",
    "find_accounts",
    "iban_is_valid",
    "payment_answer",
    "read_payment",
]
