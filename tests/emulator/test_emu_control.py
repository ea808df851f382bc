"""The control API over HTTP, the owner's actions, and safety-violation counting."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from gmail_emulator.testing import RunningEmulator

OWNER = "owner@example.com"


def _raw(text: str, in_reply_to: str = "", subject: str = "Re: Question") -> str:
    reply = f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n" if in_reply_to else ""
    mail = f"To: alice@example.com\r\nSubject: {subject}\r\n{reply}\r\n{text}\r\n"
    return base64.urlsafe_b64encode(mail.encode()).decode()


def _control(emu: RunningEmulator, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(method, f"{emu.url}/_emulator{path}", **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def test_deliver_fields_and_raw_over_http(emu: RunningEmulator, gmail: Any) -> None:
    _control(emu, "POST", "/mailboxes", json={"email": "second@example.com"})
    fields = _control(
        emu,
        "POST",
        f"/users/{OWNER}/deliver",
        json={
            "from": "Alice <alice@example.com>",
            "subject": "Hello",
            "body": "Hi!",
            "date": "2024-05-01T10:00:00+00:00",
            "attachments": [
                {"filename": "a.txt", "content_type": "text/plain", "data_base64": "aGk="}
            ],
        },
    )
    assert set(fields) == {"id", "threadId", "historyId", "messageId"}
    raw_text = "From: bob@example.com\r\nSubject: Raw\r\nMessage-ID: <raw@x>\r\n\r\nbody\r\n"
    raw = _control(
        emu, "POST", f"/users/{OWNER}/deliver", json={"raw": raw_text, "in_reply_to": None}
    )
    assert raw["messageId"] == "<raw@x>"
    encoded = base64.urlsafe_b64encode(b"Subject: Encoded\r\n\r\nx\r\n").decode()
    third = _control(emu, "POST", f"/users/{OWNER}/deliver", json={"raw": encoded})
    assert third["messageId"].startswith("<")
    message = gmail.users().messages().get(userId="me", id=fields["id"]).execute()
    # The Date header is the sender's claim; internalDate is when the mailbox received it.
    assert message["internalDate"] != "1714557600000"
    date_header = {h["name"]: h["value"] for h in message["payload"]["headers"]}["Date"]
    assert date_header == "Wed, 01 May 2024 10:00:00 -0000"
    dated = _control(
        emu,
        "POST",
        f"/users/{OWNER}/deliver",
        json={"subject": "Old", "body": "x", "received_at": "2024-05-01T10:00:00+00:00"},
    )
    old = gmail.users().messages().get(userId="me", id=dated["id"]).execute()
    assert old["internalDate"] == "1714557600000"
    assert (
        gmail.users()
        .messages()
        .list(userId="me", q="subject:Encoded")
        .execute()["resultSizeEstimate"]
        == 1
    )
    bad = httpx.post(f"{emu.url}/_emulator/users/{OWNER}/deliver", json={"bogus": 1})
    assert bad.status_code == 400


def test_owner_label_changes_write_history(emu: RunningEmulator, gmail: Any) -> None:
    gmail.users().labels().create(userId="me", body={"name": "🤖 AI/Done"}).execute()
    first = emu.deliver(subject="Q", body="?")
    reply = emu.deliver(subject="Re: Q", body="!", in_reply_to=first.message_id)
    start = emu.state.mailbox().history.current_id
    labels = _control(
        emu,
        "POST",
        f"/users/{OWNER}/messages/{first.id}/labels",
        json={"add": ["🤖 AI/Done"], "remove": ["UNREAD"]},
    )
    assert labels["labelIds"] == ["INBOX", "Label_1"]
    _control(
        emu, "POST", f"/users/{OWNER}/threads/{first.thread_id}/labels", json={"remove": ["INBOX"]}
    )
    history = (
        gmail.users().history().list(userId="me", startHistoryId=str(start)).execute()["history"]
    )
    changes = [
        (r["messages"][0]["id"], next(k for k in r if k.startswith("labels"))) for r in history
    ]
    assert changes == [
        (first.id, "labelsAdded"),
        (first.id, "labelsRemoved"),
        (first.id, "labelsRemoved"),
        (reply.id, "labelsRemoved"),
    ]


def test_owner_edits_and_sends_draft(emu: RunningEmulator, gmail: Any) -> None:
    incoming = emu.deliver(sender="alice@example.com", subject="Question", body="?")
    draft = (
        gmail.users()
        .drafts()
        .create(
            userId="me",
            body={
                "message": {
                    "raw": _raw("AI text", incoming.message_id),
                    "threadId": incoming.thread_id,
                }
            },
        )
        .execute()
    )
    start = emu.state.mailbox().history.current_id
    edited = _control(
        emu,
        "POST",
        f"/users/{OWNER}/drafts/{draft['id']}/edit",
        json={"body": "Make it shorter\n\n✂️\n\nAI text"},
    )
    assert edited["messageId"] != draft["message"]["id"]
    fetched = gmail.users().drafts().get(userId="me", id=draft["id"]).execute()
    assert fetched["message"]["snippet"].startswith("Make it shorter")
    assert fetched["message"]["threadId"] == incoming.thread_id

    sent = _control(emu, "POST", f"/users/{OWNER}/drafts/{draft['id']}/send")
    assert sent["threadId"] == incoming.thread_id
    thread = gmail.users().threads().get(userId="me", id=incoming.thread_id).execute()
    assert [m["labelIds"] for m in thread["messages"]] == [["INBOX", "UNREAD"], ["SENT"]]
    assert thread["messages"][1]["snippet"].startswith("Make it shorter")
    assert gmail.users().drafts().list(userId="me").execute()["resultSizeEstimate"] == 0

    history = (
        gmail.users().history().list(userId="me", startHistoryId=str(start)).execute()["history"]
    )
    kinds = [next(k for k in r if k.startswith("messages") and k != "messages") for r in history]
    assert kinds == ["messagesDeleted", "messagesAdded", "messagesDeleted", "messagesAdded"]
    assert history[-1]["messagesAdded"][0]["message"]["labelIds"] == ["SENT"]
    state = _control(emu, "GET", "/state", params={"email": OWNER})
    assert state["safety_violations"] == []


def test_state_dump(emu: RunningEmulator, gmail: Any) -> None:
    incoming = emu.deliver(sender="alice@example.com", subject="Question", body="?")
    gmail.users().drafts().create(
        userId="me", body={"message": {"raw": _raw("draft body"), "threadId": incoming.thread_id}}
    ).execute()
    gmail.users().watch(userId="me", body={"topicName": "projects/p/topics/t"}).execute()
    dump = _control(emu, "GET", "/state")
    box = dump["mailboxes"][OWNER]
    assert box["historyId"] == str(emu.state.mailbox().history.current_id)
    assert [m["subject"] for m in box["messages"]] == ["Question", "Re: Question"]
    assert box["messages"][0]["from"] == "alice@example.com"
    assert box["drafts"][0]["body"].strip() == "draft body"
    assert box["watch"]["topicName"] == "projects/p/topics/t"
    assert any(label["id"] == "INBOX" for label in box["labels"])


def test_expire_push_and_reset_over_http(emu: RunningEmulator, gmail: Any) -> None:
    start = gmail.users().getProfile(userId="me").execute()["historyId"]
    emu.deliver(subject="a", body="b")
    expired = _control(emu, "POST", f"/users/{OWNER}/history/expire")
    assert int(expired["historyId"]) > int(start)
    assert emu.state.mailbox().history.is_expired(int(start))
    _control(emu, "PUT", f"/users/{OWNER}/push", json={"url": "http://127.0.0.1:1/x"})
    assert emu.state.mailbox().push_url == "http://127.0.0.1:1/x"
    _control(emu, "PUT", f"/users/{OWNER}/push", json={"url": None})
    assert emu.state.mailbox().push_url is None
    _control(emu, "POST", "/reset")
    assert emu.state.mailbox().messages == {}


def _violations(emu: RunningEmulator) -> list[str]:
    return [v["method"] for v in emu.state.dump()["safety_violations"]]


def test_dangerous_calls_work_but_count_as_violations(emu: RunningEmulator, gmail: Any) -> None:
    messages = gmail.users().messages()
    a, b, c, d = (emu.deliver(subject=f"m{i}", body="x") for i in range(4))
    raw = _raw("sent by the API", a.message_id, subject="Re: m0")
    sent = messages.send(userId="me", body={"raw": raw, "threadId": a.thread_id}).execute()
    assert sent["labelIds"] == ["SENT"] and sent["threadId"] == a.thread_id
    trashed = messages.trash(userId="me", id=b.id).execute()
    assert "TRASH" in trashed["labelIds"]
    messages.untrash(userId="me", id=b.id).execute()
    messages.delete(userId="me", id=c.id).execute()
    messages.batchDelete(userId="me", body={"ids": [d.id]}).execute()
    draft = (
        gmail.users().drafts().create(userId="me", body={"message": {"raw": _raw("d")}}).execute()
    )
    gmail.users().drafts().send(userId="me", body={"id": draft["id"]}).execute()
    messages.insert(userId="me", body={"raw": _raw("inserted")}).execute()
    messages.import_(userId="me", body={"raw": _raw("imported")}).execute()
    gmail.users().threads().trash(userId="me", id=a.thread_id).execute()
    gmail.users().threads().delete(userId="me", id=a.thread_id).execute()
    assert _violations(emu) == [
        "messages.send",
        "messages.trash",
        "messages.untrash",
        "messages.delete",
        "messages.batchDelete",
        "drafts.send",
        "messages.insert",
        "messages.import",
        "threads.trash",
        "threads.delete",
    ]
    assert emu.calls()["safety_violations"] == 10
    box = emu.state.mailbox()
    assert c.id not in box.messages and d.id not in box.messages and a.id not in box.messages


@pytest.mark.parametrize(
    "path", ["/users/owner@example.com/drafts/r1/send", "/users/owner@example.com/drafts/r1/edit"]
)
def test_unknown_draft_is_404(emu: RunningEmulator, path: str) -> None:
    response = httpx.post(f"{emu.url}/_emulator{path}", json={"body": "x"})
    assert response.status_code == 404
