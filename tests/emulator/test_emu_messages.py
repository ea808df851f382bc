"""Delivery, messages.list/get/modify/batchModify and their history, over HTTP."""

from __future__ import annotations

import base64
import email
import email.policy
import time
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from gmail_emulator.mime import b64url_decode
from gmail_emulator.testing import RunningEmulator


def _ids(gmail: Any, **params: Any) -> list[str]:
    response = gmail.users().messages().list(userId="me", **params).execute()
    return [m["id"] for m in response.get("messages", [])]


def _received(days_ago: float) -> int:
    """A receive time (internalDate, ms) ``days_ago`` days back: what age operators read."""
    return int((time.time() - days_ago * 86400) * 1000)


@pytest.fixture
def mailbox(emu: RunningEmulator) -> dict[str, str]:
    """A small mailbox covering every search operator."""
    state = emu.state
    state.mailbox().create_label({"name": "🤖 AI/Needs Response"})
    ids = {
        "old": emu.deliver(
            sender="Alice <alice@example.com>",
            subject="Quarterly report",
            body="numbers",
            received_at=_received(30),
        ).id,
        "invoice": emu.deliver(
            sender="Billing <billing@shop.example>",
            subject="Invoice 42",
            body="Please pay the invoice",
            attachments=[
                {
                    "filename": "invoice.pdf",
                    "content_type": "application/pdf",
                    "data_base64": base64.b64encode(b"%PDF-1").decode(),
                }
            ],
            received_at=_received(2),
        ).id,
        "read": emu.deliver(
            sender="bob@example.com",
            to="owner@example.com",
            cc="carol@example.com",
            subject="Lunch plans",
            body="Pizza tomorrow?",
            label_ids=["INBOX"],
            received_at=_received(1),
        ).id,
        "spam": emu.deliver(
            subject="WIN", body="lottery", label_ids=["SPAM"], received_at=_received(1)
        ).id,
        "trash": emu.deliver(
            subject="old junk", body="bin", label_ids=["TRASH"], received_at=_received(1)
        ).id,
        "sent": emu.deliver(
            sent=True,
            to="dave@example.com",
            subject="Proposal",
            body="Here it is",
            received_at=_received(0.5),
        ).id,
    }
    state.owner_modify_labels(None, ids["read"], add=["🤖 AI/Needs Response"])
    return ids


def test_list_is_newest_first_and_hides_spam_and_trash(gmail: Any, mailbox: dict[str, str]) -> None:
    assert _ids(gmail) == [mailbox[k] for k in ("sent", "read", "invoice", "old")]
    everything = _ids(gmail, includeSpamTrash=True)
    assert set(everything) == set(mailbox.values())


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("in:inbox", ["read", "invoice", "old"]),
        ("in:sent", ["sent"]),
        ("newer_than:7d", ["sent", "read", "invoice"]),
        ("newer_than:36h", ["sent", "read"]),
        ("older_than:10d", ["old"]),
        ('label:"🤖 AI/Needs Response"', ["read"]),
        ("label:🤖-ai-needs-response", ["read"]),
        ("in:inbox -label:🤖-AI-Needs-Response", ["invoice", "old"]),
        ("from:alice@example.com", ["old"]),
        ("from:billing", ["invoice"]),
        ("to:dave@example.com", ["sent"]),
        ("to:carol@example.com", ["read"]),
        ('subject:"Invoice 42"', ["invoice"]),
        ("subject:lunch", ["read"]),
        ("is:unread", ["invoice", "old"]),
        ("has:attachment", ["invoice"]),
        ("pizza", ["read"]),
        ('"pay the invoice"', ["invoice"]),
        ("in:spam", ["spam"]),
        ("in:trash", ["trash"]),
        ("-in:trash -in:spam in:inbox is:unread", ["invoice", "old"]),
        ("from:alice OR from:bob", ["read", "old"]),
        ("(from:alice OR subject:invoice) newer_than:7d", ["invoice"]),
        # whole words only, like Gmail
        ("invoice", ["invoice"]),
        ("invoices", []),
        ("subject:invoices", []),
        ("subject:invo", []),
        ("piz", []),
        ("from:alic", []),
        ("from:example.com", ["sent", "read", "old"]),
        ('"the invoice"', ["invoice"]),
        ('"invoice the"', []),
        ("in:inbox newer_than:10d -label:🤖-AI-Needs-Response", ["invoice"]),
    ],
)
def test_search_operators(gmail: Any, mailbox: dict[str, str], q: str, expected: list[str]) -> None:
    assert _ids(gmail, q=q) == [mailbox[k] for k in expected]


def test_rfc822msgid_and_label_ids_filter(
    emu: RunningEmulator, gmail: Any, mailbox: dict[str, str]
) -> None:
    delivered = emu.deliver(subject="find me", body="x", message_id="<abc123@mail.example>")
    assert _ids(gmail, q="rfc822msgid:<abc123@mail.example>") == [delivered.id]
    assert _ids(gmail, q="rfc822msgid:abc123@mail.example") == [delivered.id]
    assert _ids(gmail, labelIds=["INBOX", "UNREAD"]) == [
        delivered.id,
        mailbox["invoice"],
        mailbox["old"],
    ]


def test_paging(emu: RunningEmulator, gmail: Any) -> None:
    delivered = [emu.deliver(subject=f"m{i}", body="x").id for i in range(7)]
    first = gmail.users().messages().list(userId="me", maxResults=3).execute()
    assert first["resultSizeEstimate"] == 7 and len(first["messages"]) == 3
    seen = [m["id"] for m in first["messages"]]
    token = first["nextPageToken"]
    while token:
        page = gmail.users().messages().list(userId="me", maxResults=3, pageToken=token).execute()
        seen += [m["id"] for m in page["messages"]]
        token = page.get("nextPageToken")
    assert seen == list(reversed(delivered))


NESTED = b"""From: Eve <eve@example.com>\r
To: owner@example.com\r
Subject: =?UTF-8?B?TmVzdGVkIMSNZXNreQ==?=\r
Message-ID: <nested@example.com>\r
Date: Mon, 01 Jan 2024 10:00:00 +0000\r
MIME-Version: 1.0\r
Content-Type: multipart/mixed; boundary="outer"\r
\r
--outer\r
Content-Type: multipart/alternative; boundary="inner"\r
\r
--inner\r
Content-Type: text/plain; charset=iso-8859-2\r
Content-Transfer-Encoding: quoted-printable\r
\r
Dobr=FD den\r
--inner\r
Content-Type: text/html; charset=utf-8\r
\r
<p>Dobr&yacute; den</p>\r
--inner--\r
--outer\r
Content-Type: application/octet-stream; name="data.bin"\r
Content-Disposition: attachment; filename="data.bin"\r
Content-Transfer-Encoding: base64\r
\r
AAECAw==\r
--outer--\r
"""


def test_get_full_nested_multipart_with_attachment(emu: RunningEmulator, gmail: Any) -> None:
    before = int(time.time() * 1000)
    delivered = emu.deliver(raw=NESTED)
    message = gmail.users().messages().get(userId="me", id=delivered.id).execute()
    assert message["threadId"] == delivered.thread_id
    assert message["labelIds"] == ["INBOX", "UNREAD"]
    # internalDate is when the mailbox received it; the Date header (2024-01-01) is not it
    assert int(message["internalDate"]) >= before
    assert message["snippet"] == "Dobrý den"
    payload = message["payload"]
    assert payload["mimeType"] == "multipart/mixed" and payload["partId"] == ""
    headers = {h["name"]: h["value"] for h in payload["headers"]}
    assert headers["Subject"] == "Nested česky"
    alternative, attachment = payload["parts"]
    assert alternative["partId"] == "0"
    plain, html = alternative["parts"]
    assert (plain["partId"], plain["mimeType"]) == ("0.0", "text/plain")
    assert b64url_decode(plain["body"]["data"]).decode().strip() == "Dobrý den"
    assert html["mimeType"] == "text/html"
    assert attachment["filename"] == "data.bin" and attachment["body"]["size"] == 4
    fetched = (
        gmail.users()
        .messages()
        .attachments()
        .get(userId="me", messageId=delivered.id, id=attachment["body"]["attachmentId"])
        .execute()
    )
    assert b64url_decode(fetched["data"]) == b"\x00\x01\x02\x03"


def test_get_metadata_minimal_raw(emu: RunningEmulator, gmail: Any) -> None:
    delivered = emu.deliver(raw=NESTED)
    messages = gmail.users().messages()
    metadata = messages.get(
        userId="me", id=delivered.id, format="metadata", metadataHeaders=["From", "Message-ID"]
    ).execute()
    assert [h["name"] for h in metadata["payload"]["headers"]] == ["From", "Message-ID"]
    assert "parts" not in metadata["payload"]
    minimal = messages.get(userId="me", id=delivered.id, format="minimal").execute()
    assert "payload" not in minimal and minimal["snippet"]
    raw = messages.get(userId="me", id=delivered.id, format="raw").execute()
    assert b64url_decode(raw["raw"]) == NESTED


def test_html_only_mail(emu: RunningEmulator, gmail: Any) -> None:
    delivered = emu.deliver(
        subject="promo", html="<html><body><h1>Sale</h1><p>Tom &amp; Jerry</p></body></html>"
    )
    message = gmail.users().messages().get(userId="me", id=delivered.id).execute()
    assert message["payload"]["mimeType"] == "text/html"
    assert message["snippet"] == "Sale Tom & Jerry"


def test_fields_delivery_builds_alternative_and_extra_headers(
    emu: RunningEmulator, gmail: Any
) -> None:
    delivered = emu.deliver(
        subject="News",
        body="plain",
        html="<b>rich</b>",
        headers={"List-Unsubscribe": "<mailto:u@example.com>"},
    )
    message = gmail.users().messages().get(userId="me", id=delivered.id, format="raw").execute()
    parsed = email.message_from_bytes(b64url_decode(message["raw"]), policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["List-Unsubscribe"] == "<mailto:u@example.com>"
    assert parsed["Message-ID"] == delivered.message_id


def test_modify_writes_label_history(emu: RunningEmulator, gmail: Any) -> None:
    delivered = emu.deliver(subject="s", body="b")
    start = gmail.users().getProfile(userId="me").execute()["historyId"]
    result = (
        gmail.users()
        .messages()
        .modify(
            userId="me",
            id=delivered.id,
            body={"addLabelIds": ["STARRED", "INBOX"], "removeLabelIds": ["UNREAD"]},
        )
        .execute()
    )
    assert set(result["labelIds"]) == {"INBOX", "STARRED"}
    # nothing changes → no history record
    gmail.users().messages().modify(
        userId="me", id=delivered.id, body={"addLabelIds": ["STARRED"]}
    ).execute()
    history = gmail.users().history().list(userId="me", startHistoryId=start).execute()["history"]
    assert len(history) == 2
    assert history[0]["labelsAdded"][0]["labelIds"] == ["STARRED"]
    assert history[1]["labelsRemoved"][0]["labelIds"] == ["UNREAD"]
    message = gmail.users().messages().get(userId="me", id=delivered.id, format="minimal").execute()
    assert message["historyId"] == history[1]["id"]


def test_modify_with_unknown_label_is_400(emu: RunningEmulator, gmail: Any) -> None:
    delivered = emu.deliver(subject="s", body="b")
    with pytest.raises(HttpError) as info:
        gmail.users().messages().modify(
            userId="me", id=delivered.id, body={"addLabelIds": ["Label_99"]}
        ).execute()
    assert info.value.status_code == 400


def test_batch_modify(emu: RunningEmulator, gmail: Any) -> None:
    ids = [emu.deliver(subject=f"s{i}", body="b").id for i in range(3)]
    label = gmail.users().labels().create(userId="me", body={"name": "Bulk"}).execute()
    start = emu.state.mailbox().history.current_id
    response = (
        gmail.users()
        .messages()
        .batchModify(
            userId="me",
            body={"ids": ids, "addLabelIds": [label["id"]], "removeLabelIds": ["INBOX"]},
        )
        .execute()
    )
    assert not response
    box = emu.state.mailbox()
    assert all(box.message(i).label_ids == ("UNREAD", label["id"]) for i in ids)
    history = (
        gmail.users().history().list(userId="me", startHistoryId=str(start)).execute()["history"]
    )
    assert [next(k for k in h if k.startswith("labels")) for h in history] == [
        "labelsAdded",
        "labelsRemoved",
    ] * 3


def test_batch_requests_against_the_emulator(emu: RunningEmulator, gmail: Any) -> None:
    from googleapiclient.http import BatchHttpRequest

    ids = [emu.deliver(subject=f"b{i}", body="x").id for i in range(3)]
    results: dict[str, Any] = {}

    def collect(request_id: str, response: Any, exception: Any) -> None:
        results[request_id] = exception if exception is not None else response

    batch = BatchHttpRequest(callback=collect, batch_uri=f"{emu.url}/batch/gmail/v1")
    for message_id in [*ids, "ffffffffffffffff"]:
        batch.add(
            gmail.users().messages().get(userId="me", id=message_id, format="minimal"),
            request_id=message_id,
        )
    batch.add(
        gmail.users()
        .messages()
        .modify(userId="me", id=ids[0], body={"removeLabelIds": ["UNREAD"]}),
        request_id="modify",
    )
    batch.execute()
    assert [results[i]["id"] for i in ids] == ids
    assert isinstance(results["ffffffffffffffff"], HttpError)
    assert results["ffffffffffffffff"].status_code == 404
    assert results["modify"]["labelIds"] == ["INBOX"]
    assert emu.calls()["calls"] == {"messages.get": 4, "messages.modify": 1}
