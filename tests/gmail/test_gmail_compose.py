"""compose.py: reply subject, threading headers, UTF-8 bodies that survive a round trip."""

from __future__ import annotations

import base64
import email
import email.policy

import pytest

from gmail_assistant.gmail.compose import build_reply, parse_raw_text, reply_subject
from gmail_assistant.gmail.encoding import b64url_decode
from gmail_assistant.gmail.models import MailAddress


def _message(raw: str) -> email.message.EmailMessage:
    parsed = email.message_from_bytes(b64url_decode(raw), policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("Faktura", "Re: Faktura"),
        ("Re: Faktura", "Re: Faktura"),
        ("RE: Faktura", "RE: Faktura"),
        ("re:Faktura", "re:Faktura"),
        ("Re[2]: Faktura", "Re[2]: Faktura"),
        ("AW: Rechnung", "AW: Rechnung"),
        ("Odp: Schůzka", "Odp: Schůzka"),
        ("Fwd: Faktura", "Re: Fwd: Faktura"),
        ("Reminder: pay", "Re: Reminder: pay"),
        ("", "Re:"),
        ("  Hello\n world ", "Re: Hello world"),
    ],
)
def test_reply_subject(original: str, expected: str) -> None:
    assert reply_subject(original) == expected


def test_build_reply_headers_and_body() -> None:
    body = "Dobrý den,\n\nděkuji za zprávu. Grüße aus Köln – žluťoučký kůň.\n\n✂️\n\nJana"
    raw = build_reply(
        to=[MailAddress("jana@example.cz", "Jana Nováková")],
        subject="Re: Schůzka v úterý",
        body=body,
        in_reply_to="<m2@example.cz>",
        references="<m0@example.cz> <m1@example.cz>",
        from_addr=MailAddress("owner@example.com"),
    )
    message = _message(raw)
    assert message["Subject"] == "Re: Schůzka v úterý"
    assert message["To"] == "Jana Nováková <jana@example.cz>"
    assert message["From"] == "owner@example.com"
    assert message["In-Reply-To"] == "<m2@example.cz>"
    assert message["References"] == "<m0@example.cz> <m1@example.cz> <m2@example.cz>"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    assert parse_raw_text(raw) == body
    assert b"\xc5" not in b64url_decode(raw)  # 8-bit text never travels unencoded


def test_build_reply_adds_re_once_and_no_duplicate_reference() -> None:
    raw = build_reply(
        to=[MailAddress("a@example.com")],
        subject="Faktura",
        body="ok",
        in_reply_to="<m1@x>",
        references="<m0@x> <m1@x>",
    )
    message = _message(raw)
    assert message["Subject"] == "Re: Faktura"
    assert message["References"] == "<m0@x> <m1@x>"
    assert message["From"] is None


def test_build_reply_without_parent_ids() -> None:
    message = _message(
        build_reply(
            to=[MailAddress("a@example.com")],
            subject="x",
            body="b",
            in_reply_to=None,
            references=None,
        )
    )
    assert message["In-Reply-To"] is None and message["References"] is None


def test_header_injection_is_neutralised() -> None:
    message = _message(
        build_reply(
            to=[MailAddress("a@example.com", "Ann\r\nBcc: evil@example.com")],
            subject="hi\nBcc: evil@example.com",
            body="b",
            in_reply_to="<m@x>",
            references=None,
        )
    )
    assert message["Bcc"] is None


def test_parse_raw_text_of_html_and_garbage() -> None:
    html = b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Ahoj</p><p>sv&#283;te</p>"
    assert parse_raw_text(base64.urlsafe_b64encode(html).decode()) == "Ahoj\n\nsvěte"
    assert parse_raw_text("!!!") == ""
