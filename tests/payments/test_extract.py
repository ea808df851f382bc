"""What a payment request asks for, read from Czech, German and English invoices."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from gmail_assistant.gmail.models import Headers, ParsedMessage
from gmail_assistant.llm.errors import LlmTimeout
from gmail_assistant.llm.heuristics import offline_reply
from gmail_assistant.llm.records import CallContext, LlmResult
from gmail_assistant.payments.extract import PaymentExtractor, payee_key, read_payment
from payments.samples import (
    CZ_EXAMPLE,
    CZECH_INVOICE,
    DE_EXAMPLE,
    ENGLISH_INVOICE,
    GB_EXAMPLE,
    GERMAN_INVOICE,
    spaced,
)

pytestmark = pytest.mark.anyio


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


@dataclass
class ScriptedLlm:
    """Answers with the given texts (or raises), recording every call."""

    answers: list[str | Exception]
    calls: list[dict[str, object]] = field(default_factory=list)

    async def complete(self, **kwargs: object) -> LlmResult:
        self.calls.append(kwargs)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return LlmResult(
            text=answer,
            model="m",
            prompt_tokens=1,
            completion_tokens=1,
            latency_ms=1,
            cost_usd=0.0,
            offline=False,
            attempts=1,
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


async def test_model_fills_only_what_has_no_structured_form() -> None:
    body = CZECH_INVOICE.split("QR platba")[0]
    answer = {
        "payee": "Vzorová firma s.r.o.",
        "amount": "999",  # code read 12345.50: the model's number is not taken
        "due_date": "2027-01-01",
        "account": "CZ18 0100 0000 0010 0000 0005",  # not in the mail: never taken
    }
    llm = ScriptedLlm([json.dumps(answer)])
    found = await PaymentExtractor(llm=llm, model="m").extract(
        message(body), context=CallContext(job_id=1)
    )
    assert found.payee == "Vzorová firma s.r.o."
    assert found.amount == "12345.50"
    assert found.due_date == date(2026, 12, 15)
    assert [a.iban for a in found.accounts] == [CZ_EXAMPLE]
    assert len(llm.calls) == 1 and llm.calls[0]["purpose"] == "payment"


async def test_model_account_counts_only_when_valid_and_in_the_mail() -> None:
    body = f"Invoice 7, amount due 100.00 EUR. Bank account: {DE_EXAMPLE[:4]}-{DE_EXAMPLE[4:]}"
    llm = ScriptedLlm([json.dumps({"payee": "Muster", "account": DE_EXAMPLE})])
    found = await PaymentExtractor(llm=llm, model="m").extract(message(body))
    assert [(a.iban, a.source) for a in found.accounts] == [(DE_EXAMPLE, "llm")]
    assert found.source == "llm"


async def test_model_failure_keeps_the_deterministic_result() -> None:
    llm = ScriptedLlm([LlmTimeout("slow")])
    body = CZECH_INVOICE.split("QR platba")[0]
    found = await PaymentExtractor(llm=llm, model="m").extract(message(body, name="Vzorová firma"))
    assert [a.iban for a in found.accounts] == [CZ_EXAMPLE]
    assert found.payee == "Vzorová firma"  # the sender's name, failing all else


async def test_no_model_call_without_an_account_or_when_nothing_is_missing() -> None:
    llm = ScriptedLlm([])
    extractor = PaymentExtractor(llm=llm, model="m")
    await extractor.extract(message("Invoice 2026-114 for 1,200 EUR, due on 15 December."))
    await extractor.extract(message(CZECH_INVOICE))  # SPD gives payee, amount and date
    assert llm.calls == []


def test_offline_model_answers_the_payee_from_the_sender() -> None:
    from gmail_assistant.prompts import load_prompt
    from gmail_assistant.prompts.untrusted import wrap_email

    rendered = load_prompt("payment").render(
        email=wrap_email(
            body=GERMAN_INVOICE,
            sender="Muster GmbH <rechnung@muster.example>",
            to="",
            date="",
            subject="Rechnung",
        )
    )
    assert json.loads(offline_reply(rendered.system, rendered.user)) == {"payee": "Muster GmbH"}
