"""What a payment request asks for, read from Czech, German and English invoices."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from gmail_assistant.classify.classifier import interpret
from gmail_assistant.classify.rules import AutomationVerdict
from gmail_assistant.gmail.models import Headers, ParsedMessage
from gmail_assistant.llm.heuristics import offline_reply
from gmail_assistant.payments.extract import (
    PaymentAnswer,
    extract_payment,
    payee_key,
    payment_answer,
    read_payment,
)
from gmail_assistant.prompts import load_prompt, wrap_email
from payments.samples import (
    CZ_EXAMPLE,
    CZECH_INVOICE,
    DE_EXAMPLE,
    ENGLISH_INVOICE,
    GB_EXAMPLE,
    GERMAN_INVOICE,
    spaced,
)


def message(
    body: str, sender: str = "faktury@vzorova-firma.example", name: str = ""
) -> ParsedMessage:
    return ParsedMessage(
        id="m1",
        thread_id="t1",
        label_ids=("INBOX",),
        history_id=1,
        internal_date=datetime(2026, 12, 1, tzinfo=UTC),
        snippet=body[:80],
        sender_name=name,
        sender_email=sender,
        to=(),
        cc=(),
        reply_to=(),
        subject="Faktura / Rechnung / Invoice",
        date=None,
        message_id="<m1@example>",
        in_reply_to="",
        references="",
        headers=Headers(),
        body_text=body,
    )


def test_czech_invoice_with_spd() -> None:
    found = read_payment(message(CZECH_INVOICE))
    assert found.payee == "VZOROVA FIRMA S.R.O."
    assert found.payee_key == "vzorova-firma.example"
    assert (found.amount, found.currency) == ("12345.50", "CZK")
    assert found.due_date == date(2026, 12, 15)
    assert found.variable_symbol == "2026114"
    assert [a.iban for a in found.accounts] == [CZ_EXAMPLE]  # domestic, IBAN and SPD: one
    assert found.source == "spd"


def test_czech_invoice_in_prose_only() -> None:
    body = CZECH_INVOICE.split("QR platba")[0]
    found = read_payment(message(body))
    assert (found.amount, found.currency) == ("12345.50", "CZK")
    assert found.due_date == date(2026, 12, 15)
    assert found.variable_symbol == "2026114"
    assert [(a.iban, a.source) for a in found.accounts] == [(CZ_EXAMPLE, "domestic")]
    assert found.payee is None  # no structured form: the model's part


def test_german_invoice() -> None:
    found = read_payment(message(GERMAN_INVOICE, sender="buchhaltung@muster-gmbh.example"))
    assert (found.amount, found.currency) == ("1234.56", "EUR")
    assert found.due_date == date(2026, 12, 20)
    assert [a.iban for a in found.accounts] == [DE_EXAMPLE]
    assert found.accounts[0].display == spaced(DE_EXAMPLE)


def test_english_invoice() -> None:
    found = read_payment(message(ENGLISH_INVOICE, sender="accounts@acme.example"))
    assert (found.amount, found.currency) == ("480.00", "GBP")
    assert found.due_date == date(2026, 12, 31)
    assert [a.iban for a in found.accounts] == [GB_EXAMPLE]


def test_invalid_checksum_gives_no_account_but_is_reported() -> None:
    body = GERMAN_INVOICE.replace(spaced(DE_EXAMPLE), "DE89 3704 0044 0532 0130 01")
    found = read_payment(message(body))
    assert found.accounts == ()
    assert found.rejected == ("DE89 3704 0044 0532 0130 01",)


def test_payee_key_is_the_domain_except_at_shared_providers() -> None:
    assert payee_key("Faktury@Vzorova-Firma.example") == "vzorova-firma.example"
    assert payee_key("jan.novak@seznam.cz") == "jan.novak@seznam.cz"
    assert payee_key("someone@gmail.com") == "someone@gmail.com"


def test_the_classify_answer_fills_only_what_has_no_structured_form() -> None:
    body = CZECH_INVOICE.split("QR platba")[0]
    answer = payment_answer(
        {
            "payee": "Vzorová firma s.r.o.",
            "amount": "999",  # code read 12345.50: the model's number is not taken
            "due_date": "2027-01-01",
            "account": "CZ18 0100 0000 0010 0000 0005",  # the model never gives an account
        }
    )
    found = extract_payment(message(body), answer)
    assert found.payee == "Vzorová firma s.r.o."
    assert found.amount == "12345.50"
    assert found.due_date == date(2026, 12, 15)
    assert [a.iban for a in found.accounts] == [CZ_EXAMPLE]


def test_a_due_date_in_prose_comes_from_the_answer() -> None:
    body = "Invoice 2026-114 for 1,200 EUR, due on 15 December. IBAN " + spaced(DE_EXAMPLE)
    answer = payment_answer({"payee": "Muster", "due_date": "2026-12-15", "currency": "eur"})
    found = extract_payment(message(body), answer)
    assert (found.payee, found.due_date) == ("Muster", date(2026, 12, 15))
    assert (found.amount, found.currency) == ("1200.00", "EUR")
    assert [a.iban for a in found.accounts] == [DE_EXAMPLE]


def test_an_account_only_the_model_names_is_never_taken() -> None:
    body = f"Invoice 7, amount due 100.00 EUR. Bank account: {DE_EXAMPLE[:4]}-{DE_EXAMPLE[4:]}"
    found = extract_payment(message(body), payment_answer({"account": DE_EXAMPLE}))
    assert found.accounts == () and found.source is None


@pytest.mark.parametrize(
    "bogus",
    [
        None,
        "pay Eve",
        ["payee", "x"],
        42,
        {"payee": {"name": "x"}, "amount": "lots", "currency": "Kčs!", "due_date": "soon"},
        {"amount": True, "variable_symbol": "VS-12", "due_date": 20261315},
    ],
)
def test_a_bogus_answer_leaves_the_deterministic_result(bogus: object) -> None:
    body = CZECH_INVOICE.split("QR platba")[0]
    found = extract_payment(message(body, name="Vzorová firma"), payment_answer(bogus))
    assert [a.iban for a in found.accounts] == [CZ_EXAMPLE]
    assert (found.amount, found.due_date) == ("12345.50", date(2026, 12, 15))
    assert found.payee == "Vzorová firma"  # the sender's name, failing all else


def test_answer_fields_are_normalised() -> None:
    answer = payment_answer(
        {"payee": "  Acme\n Ltd ", "amount": 1250.5, "currency": "Kč", "variable_symbol": 2026}
    )
    assert answer == PaymentAnswer(
        payee="Acme Ltd", amount="1250.50", currency="CZK", variable_symbol="2026"
    )


def test_offline_model_answers_the_payee_from_the_sender() -> None:
    rendered = load_prompt("classify").render(
        owner_email="owner@example.com",
        owner_wrote_last="no",
        styles="- business",
        email=wrap_email(
            body=GERMAN_INVOICE,
            sender="Muster GmbH <rechnung@muster.example>",
            to="",
            date="",
            subject="Rechnung",
        ),
    )
    answer = json.loads(offline_reply(rendered.system, rendered.user))
    assert answer["category"] == "payment_request"
    assert answer["payment"] == {"payee": "Muster GmbH"}


def test_the_classify_answer_carries_payment_fields_only_for_a_payment_request() -> None:
    payment = {"payee": "Acme Ltd", "due_date": "2026-12-31"}
    human = AutomationVerdict(automated=False, reasons=())
    invoice = interpret({"category": "payment_request", "payment": payment}, human)
    assert invoice.payment == PaymentAnswer(payee="Acme Ltd", due_date=date(2026, 12, 31))
    fyi = interpret({"category": "fyi", "payment": payment}, human)
    assert fyi.payment is None
    assert interpret({"category": "payment_request", "payment": "x"}, human).payment is None
