"""parse.py on hand-built payloads: odd MIME is parsed or skipped with a warning, never raised."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gmail_payloads import b64, headers, leaf, message, multipart
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmail_assistant.gmail.encoding import b64url_decode
from gmail_assistant.gmail.html_text import html_to_text
from gmail_assistant.gmail.models import MailAddress
from gmail_assistant.gmail.parse import MAX_BODY_CHARS, parse_message


def test_plain_message_fields() -> None:
    parsed = parse_message(message(leaf("text/plain", "Dobrý den,\npošlete fakturu.")))
    assert parsed.id == "m1" and parsed.thread_id == "t1"
    assert parsed.label_ids == ("INBOX", "UNREAD")
    assert parsed.history_id == 1234
    assert parsed.internal_date == datetime(2025, 4, 1, 8, 0, tzinfo=UTC)
    assert parsed.snippet == "It's here"
    assert parsed.sender_name == "Jana Nováková"
    assert parsed.sender_email == "jana@example.cz"
    assert [m.address for m in parsed.to] == ["owner@example.com", "other@example.com"]
    assert parsed.cc == ()
    assert parsed.subject == "Hello"
    assert parsed.date == datetime(2025, 4, 1, 8, 0, tzinfo=UTC)
    assert parsed.message_id == "<abc@example.cz>"
    assert parsed.body_text == "Dobrý den,\npošlete fakturu."
    assert not parsed.body_truncated and not parsed.has_attachments
    assert parsed.parse_warnings == ()
    assert not parsed.is_draft and not parsed.is_sent and parsed.is_unread


def test_alternative_prefers_plain() -> None:
    payload = multipart(
        "alternative",
        leaf("text/plain", "plain version", part_id="0"),
        leaf("text/html", "<p>html version</p>", part_id="1"),
    )
    assert parse_message(message(payload)).body_text == "plain version"


def test_alternative_with_html_first_still_prefers_plain() -> None:
    payload = multipart(
        "alternative",
        leaf("text/html", "<p>html version</p>", part_id="0"),
        leaf("text/plain", "plain version", part_id="1"),
    )
    assert parse_message(message(payload)).body_text == "plain version"


def test_alternative_falls_back_to_html_when_plain_is_blank() -> None:
    payload = multipart(
        "alternative",
        leaf("text/plain", "  \n", part_id="0"),
        leaf("text/html", "<div>Only&nbsp;in <b>HTML</b></div>", part_id="1"),
    )
    assert parse_message(message(payload)).body_text == "Only in HTML"


def test_nested_multipart_with_attachment() -> None:
    inner = multipart(
        "alternative",
        leaf("text/plain", "Invoice attached.", part_id="0.0"),
        leaf("text/html", "<p>Invoice attached.</p>", part_id="0.1"),
        part_id="0",
    )
    related = multipart("related", inner, part_id="0")
    pdf = leaf("application/pdf", filename="faktura-2025.pdf", part_id="1", attachment_id="ATT1")
    parsed = parse_message(message(multipart("mixed", related, pdf)))
    assert parsed.body_text == "Invoice attached."
    assert parsed.has_attachments
    assert parsed.attachment_names == ("faktura-2025.pdf",)


def test_text_attachment_is_not_body() -> None:
    payload = multipart(
        "mixed",
        leaf("text/plain", "The body.", part_id="0"),
        leaf("text/plain", "log line", filename="log.txt", part_id="1"),
    )
    parsed = parse_message(message(payload))
    assert parsed.body_text == "The body."
    assert parsed.attachment_names == ("log.txt",)


def test_html_only_is_converted() -> None:
    markup = (
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<script>alert('x')</script><h1>Faktura</h1><p>Částka:&nbsp;1&nbsp;200 Kč &amp; DPH</p>"
        "<ul><li>one</li><li>two</li></ul>line<br>break</body></html>"
    )
    parsed = parse_message(message(leaf("text/html", markup)))
    assert parsed.body_text == "Faktura\n\nČástka: 1 200 Kč & DPH\n\n- one\n- two\nline\nbreak"


def test_broken_base64_part_is_skipped_and_noted() -> None:
    payload = multipart(
        "mixed",
        leaf("text/plain", part_id="0", raw_data="!!!not*base64@@@"),
        leaf("text/plain", "second part survives", part_id="1"),
    )
    parsed = parse_message(message(payload))
    assert parsed.body_text == "second part survives"
    assert any("broken base64" in warning for warning in parsed.parse_warnings)


def test_latin1_declared() -> None:
    parsed = parse_message(message(leaf("text/plain", "Grüße aus Köln", charset="latin-1")))
    assert parsed.body_text == "Grüße aus Köln"
    assert parsed.parse_warnings == ()


def test_unknown_charset_falls_back_to_utf8() -> None:
    body = leaf("text/plain", "Příliš žluťoučký kůň", declared="x-no-such-charset")
    parsed = parse_message(message(body))
    assert parsed.body_text == "Příliš žluťoučký kůň"


def test_wrong_charset_falls_back_to_latin1() -> None:
    # Declared UTF-8, really Latin-1 bytes (invalid UTF-8): read as Latin-1, noted.
    body = leaf("text/plain", "Grüße", charset="latin-1", declared="utf-8")
    parsed = parse_message(message(body))
    assert parsed.body_text == "Grüße"
    assert any("latin-1" in warning for warning in parsed.parse_warnings)


def test_huge_body_is_truncated() -> None:
    big = "abcdefghij" * 500_000  # 5 MB
    parsed = parse_message(message(leaf("text/plain", big)))
    assert parsed.body_truncated
    assert len(parsed.body_text) == MAX_BODY_CHARS


def test_huge_html_body_is_truncated() -> None:
    big = "<p>" + "slovo " * 900_000 + "</p>"  # ~5 MB of HTML
    parsed = parse_message(message(leaf("text/html", big)))
    assert parsed.body_truncated
    assert len(parsed.body_text) <= MAX_BODY_CHARS


def test_empty_bodies() -> None:
    assert parse_message(message(leaf("text/plain"))).body_text == ""
    assert parse_message(message(multipart("mixed"))).body_text == ""
    assert parse_message({}).body_text == ""
    assert parse_message({"payload": None}).sender_email == ""


def test_missing_from_and_garbage_headers() -> None:
    top = headers(Subject="No sender", Date="not a date")
    parsed = parse_message(message(leaf("text/plain", "x"), top_headers=top))
    assert parsed.sender_email == "" and parsed.sender_name == ""
    assert parsed.date is None
    assert parsed.to == ()
    assert parsed.message_id == ""


def test_rfc2047_subjects_and_names() -> None:
    top = headers(
        From="=?utf-8?q?Ji=C5=99=C3=AD_Dvo=C5=99=C3=A1k?= <jiri@example.cz>",
        Subject="=?utf-8?q?P=C5=99=C3=ADli=C5=A1_=C5=BElu=C5=A5ou=C4=8Dk=C3=BD?= "
        "=?utf-8?b?IGvFr8WI?=",
    )
    parsed = parse_message(message(leaf("text/plain", "x"), top_headers=top))
    assert parsed.sender_name == "Jiří Dvořák"
    assert parsed.sender_email == "jiri@example.cz"
    assert parsed.subject == "Příliš žluťoučký kůň"

    german = headers(Subject="=?iso-8859-1?q?Gr=FC=DFe_aus_M=FCnchen?= und mehr")
    parsed = parse_message(message(leaf("text/plain", "x"), top_headers=german))
    assert parsed.subject == "Grüße aus München und mehr"
    assert parsed.headers["subject"] == "Grüße aus München und mehr"


def test_bad_encoded_word_keeps_raw_value() -> None:
    top = headers(Subject="=?x-bogus?q?Hall=F6?=", From="a@b.c")
    parsed = parse_message(message(leaf("text/plain", "x"), top_headers=top))
    assert parsed.subject  # decoded leniently or kept raw, never raised


def test_automation_headers_case_insensitive() -> None:
    top = headers(
        From="noreply@shop.example",
        **{
            "List-Unsubscribe": "<mailto:u@shop.example>",
            "PRECEDENCE": "bulk",
            "auto-submitted": "auto-generated",
            "List-Id": "<news.shop.example>",
            "Feedback-ID": "1:2:3",
            "Return-Path": "<bounce@shop.example>",
        },
    )
    parsed = parse_message(message(leaf("text/plain", "x"), top_headers=top))
    h = parsed.headers
    assert h["precedence"] == "bulk"
    assert h.get("Auto-Submitted") == "auto-generated"
    assert "list-unsubscribe" in h and "LIST-ID" in h
    assert h["feedback-id"] == "1:2:3"
    assert h.get("X-Autoreply") is None


def test_cc_reply_to_references() -> None:
    top = headers(
        From="a@example.com",
        Cc="B <B@example.com>, c@example.com",
        Reply_To="Desk <desk@example.com>",
        In_Reply_To="<p1@x>",
        References="<p0@x>\r\n <p1@x>",
    )
    parsed = parse_message(message(leaf("text/plain", "x"), top_headers=top))
    assert parsed.cc == (MailAddress("b@example.com", "B"), MailAddress("c@example.com"))
    assert parsed.reply_to == (MailAddress("desk@example.com", "Desk"),)
    assert parsed.in_reply_to == "<p1@x>"
    assert parsed.references == "<p0@x> <p1@x>"


def test_draft_and_sent_helpers() -> None:
    assert parse_message(message(leaf("text/plain", "x"), labels=("DRAFT",))).is_draft
    assert parse_message(message(leaf("text/plain", "x"), labels=("SENT",))).is_sent


def test_b64url_decode_accepts_both_alphabets_and_missing_padding() -> None:
    data = bytes(range(256))
    assert b64url_decode(b64(data).rstrip("=")) == data
    assert b64url_decode(b64(data).replace("-", "+").replace("_", "/")) == data


def test_html_to_text_pre_and_table() -> None:
    text = html_to_text("<table><tr><td>a</td><td>b</td></tr></table><pre>x\n y</pre>")
    assert "a b" in text
    assert "x\ny" in text


_json_leaf: Any = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.binary(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
_mimes = st.sampled_from(
    ["text/plain", "text/html", "multipart/mixed", "multipart/alternative", "image/png", "", "x/y"]
)
_charsets = st.sampled_from(["utf-8", "latin-1", "x-unknown", "", "base64", "utf-16", "idna"])


def _part(children: st.SearchStrategy[list[dict[str, Any]]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "mimeType": _mimes,
            "headers": st.lists(
                st.fixed_dictionaries(
                    {
                        "name": st.sampled_from(["Content-Type", "From", "Subject", "To", "X"]),
                        "value": st.one_of(
                            st.text(max_size=40),
                            _charsets.map(lambda c: f"text/plain; charset={c}"),
                            st.just("=?utf-8?q?=C5=99?= =?bad?x?y?="),
                        ),
                    }
                ),
                max_size=4,
            ),
            "body": st.one_of(
                st.fixed_dictionaries(
                    {"data": st.one_of(st.text(max_size=40), st.binary(max_size=40).map(b64))}
                ),
                _json_leaf,
            ),
            "filename": st.one_of(st.just(""), st.text(max_size=10)),
            "parts": children,
        }
    )


_trees = st.recursive(
    _part(st.just([])),
    lambda inner: _part(st.lists(inner, max_size=3)),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    payload=st.one_of(_trees, _json_leaf), extra=st.dictionaries(st.text(max_size=12), _json_leaf)
)
def test_random_payload_trees_never_raise(payload: Any, extra: dict[str, Any]) -> None:
    resource = {**extra, "payload": payload}
    parsed = parse_message(resource)
    assert isinstance(parsed.body_text, str)
    assert len(parsed.body_text) <= MAX_BODY_CHARS
